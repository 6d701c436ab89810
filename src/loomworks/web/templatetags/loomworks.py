"""Template helpers shared by the console and the portal: one look for statuses,
dates, progress and the stage stepper."""

from babel.numbers import get_decimal_symbol
from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from loomworks.core.dates import format_day, format_lead_time, format_moment
from loomworks.core.formatting import amount_text
from loomworks.core.numbers import babel_locale, format_money, format_share
from loomworks.money.selectors import entry_kind_label
from loomworks.production.labels import partner_status_label
from loomworks.production.models import DesignFileKind, RunStatus
from loomworks.work.models import TaskStatus

register = template.Library()

STAGES = [
    ("received", gettext_lazy("Received")),
    ("accepted", gettext_lazy("Accepted")),
    ("started", gettext_lazy("Started")),
    ("finished", gettext_lazy("Finished")),
    ("completed", gettext_lazy("Completed")),
]


@register.filter
def amount(value) -> str:
    """A quantity in the reader's language: 2.5 or 2,5."""
    text = amount_text(value)
    return text.replace(".", get_decimal_symbol(babel_locale())) if text else ""


@register.filter
def money(value, currency: str = "") -> str:
    """An amount with its currency in the reader's language: "€12.50", "12,50 €"."""
    if value is None or value == "" or not currency:
        return ""
    return format_money(value, currency)


@register.filter
def rate_money(value, currency: str = "") -> str:
    """A rate with its own finer decimals: "€0.125"."""
    if value is None or value == "" or not currency:
        return ""
    return format_money(value, currency, finer=True)


@register.simple_tag
def price_text(price) -> str:
    """A run's price as people read it: "€2.50 per piece", "1 500 ¥ per run"."""
    if price is None:
        return ""
    amount = format_money(price.amount, price.currency, finer=True)
    if price.unit == "run":
        return _("%(amount)s per run") % {"amount": amount}
    return _("%(amount)s per piece") % {"amount": amount}


@register.simple_tag
def entry_kind(entry) -> str:
    """A ledger entry's kind for people: "Earned", "Adjustment (bonus)", "Reversal"."""
    return entry_kind_label(entry)


@register.filter
def per_piece(cost, line):
    """A run's cost per good piece in one currency (`money.selectors.RunCost`)."""
    return cost.per_good_piece(line) if cost is not None else None


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def status_label(status: str) -> str:
    for choices in (RunStatus, TaskStatus):
        if status in choices.values:
            return str(choices(status).label)
    return status.replace("_", " ").capitalize()


@register.filter
def file_kind(kind: str) -> str:
    """A design file's kind in the reader's language (tech pack, pattern, artwork…)."""
    return str(DesignFileKind(kind).label) if kind in DesignFileKind.values else kind


@register.filter
def partner_status(status: str) -> str:
    """A run status in a workshop's words (production.labels), else the shared label."""
    return partner_status_label(status) or status_label(status)


@register.inclusion_tag("web/includes/status_chip.html")
def status_chip(status: str, audience: str = ""):
    """A status chip; `audience="partner"` words a run's status the way a workshop reads it."""
    label = partner_status(status) if audience == "partner" else status_label(status)
    return {"status": status, "label": label}


NOTHING_TO_COMPUTE = "—"


@register.filter
def share(value) -> str:
    """A rate as a percentage in the reader's language ("83.3%"); "—" when there was
    nothing to compute it from."""
    return NOTHING_TO_COMPUTE if value is None else format_share(value)


@register.filter
def lead_time(value) -> str:
    """An average time as a person reads it ("28 hours", "4.5 days"); "—" without one."""
    return NOTHING_TO_COMPUTE if value is None else format_lead_time(value)


@register.filter
def human_date(value) -> str:
    """3 Apr 2027."""
    if not value:
        return ""
    return format_day(value)


@register.filter
def human_datetime(value) -> str:
    if not value:
        return ""
    return format_moment(value)


@register.filter
def ago(value) -> str:
    """ "2 h ago" for recent times, the date for older ones."""
    if not value:
        return ""
    seconds = (timezone.now() - value).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("%(n)d min ago", "%(n)d min ago", minutes) % {"n": minutes}
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("%(n)d h ago", "%(n)d h ago", hours) % {"n": hours}
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    return human_date(value)


@register.inclusion_tag("web/includes/progress.html")
def progress_bar(progress, label: bool = True):
    """A `read_models.Progress` (or a `{completed, total}` dict) as a bar."""
    if isinstance(progress, dict):
        completed, total = progress.get("completed", 0), progress.get("total", 0)
        closed, cancelled = progress.get("closed", 0), progress.get("cancelled", 0)
    else:
        completed, total, closed = progress.completed, progress.total, progress.closed
        cancelled = getattr(progress, "cancelled", 0)
    # A cancelled run's bar is out of everything it had: what it stopped with shows as not done.
    whole = total + cancelled
    percent = round(100 * completed / whole) if whole else 0
    closed_percent = round(100 * closed / whole) if whole else 0
    return {
        "completed": completed,
        "total": whole,
        "closed": closed,
        "cancelled": cancelled,
        "percent": percent,
        "closed_percent": closed_percent,
        "label": label,
    }


@register.inclusion_tag("web/includes/stepper.html")
def stepper(run):
    """Received → Accepted → Started → Finished → Completed, the run's stage marked."""
    keys = [key for key, _label in STAGES]
    current = keys.index(run.stage) if run.stage in keys else 0
    steps = [
        {
            "key": key,
            "label": label,
            "done": index < current or run.stage == "completed",
            "current": index == current,
        }
        for index, (key, label) in enumerate(STAGES)
    ]
    return {"steps": steps, "cancelled": run.status == RunStatus.CANCELLED}


@register.filter
def yesno_or_value(value) -> str:
    """A setting's value for people: "on"/"off" for a switch, the number or text otherwise."""
    if value is True:
        return _("on")
    if value is False:
        return _("off")
    return "" if value is None else str(value)
