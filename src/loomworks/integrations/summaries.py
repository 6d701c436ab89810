"""The admin feed's sentences about connections, in the reader's language."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loomworks.notifications.summaries import actor_label


def endpoint_disabled(*, url: str, failures: int, last_result: str) -> str:
    return ngettext(
        "The webhook endpoint %(url)s is disabled: %(count)s delivery failed every attempt "
        "(last: %(result)s). Fix the receiver, then enable it again under Connections.",
        "The webhook endpoint %(url)s is disabled: %(count)s deliveries in a row failed every "
        "attempt (last: %(result)s). Fix the receiver, then enable it again under Connections.",
        failures,
    ) % {"url": url, "count": failures, "result": last_result}


def sku_unknown(*, store: str, sku: str, title: str, order: str) -> str:
    item = f"{sku} ({title})" if title else sku
    return _(
        "Order %(order)s from %(store)s waits: %(item)s maps to no design. Map it under "
        "Connections → Stores."
    ) % {"order": order, "store": store, "item": item}


def order_cancelled_runs_in_work(*, order: str, actor: dict, references: list[str]) -> str:
    return ngettext(
        "%(actor)s cancelled order %(order)s; %(runs)s was already accepted and goes on. "
        "Decide whether to finish or cancel it.",
        "%(actor)s cancelled order %(order)s; %(runs)s were already accepted and go on. "
        "Decide whether to finish or cancel them.",
        len(references),
    ) % {"actor": actor_label(actor), "order": order, "runs": ", ".join(references)}
