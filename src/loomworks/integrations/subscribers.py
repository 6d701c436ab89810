"""Reactions to events: webhook deliveries out, and what the admins are told.

Each runs after the change commits, at least once, and decides from the
database as it is now (a second delivery of the same event adds nothing).
"""

from django.conf import settings

from loomworks.events.api import DELIVERY_DEAD, subscriber
from loomworks.events.models import Event
from loomworks.integrations import events as names
from loomworks.integrations import summaries, webhooks
from loomworks.integrations.models import Store
from loomworks.notifications.models import Audience
from loomworks.notifications.services import feed_entries_add
from loomworks.notifications.subscribers import brand_admins
from loomworks.production.services.orders import RUN_IN_WORK


@subscriber(
    *names.WEBHOOK_EVENTS, name=webhooks.FAN_OUT_SUBSCRIBER, when=webhooks.some_endpoint_wants
)
def make_webhook_deliveries(event: Event) -> None:
    webhooks.deliveries_create(event=event)


def _send_attempts() -> int:
    # One more than a delivery's own tries: the send decides when it has failed
    # for good, and the outbox gives up only on something unexpected.
    return settings.WEBHOOKS_MAX_ATTEMPTS + 1


@subscriber(
    names.WEBHOOK_DELIVERY_QUEUED,
    name=webhooks.SEND_SUBSCRIBER,
    atomic=False,
    max_attempts=_send_attempts,
)
def send_webhook_delivery(event: Event) -> None:
    webhooks.delivery_send(
        delivery_id=event.payload["delivery_id"],
        sender_event_id=event.pk,
        replay=bool(event.payload.get("replay")),
    )


@subscriber(DELIVERY_DEAD, name="integrations.webhook_sender_dead")
def give_up_a_delivery_whose_sender_died(event: Event) -> None:
    payload = event.payload
    if payload.get("subscriber") != webhooks.SEND_SUBSCRIBER:
        return
    original = payload.get("event_payload") or {}
    webhooks.delivery_give_up(
        delivery_id=original.get("delivery_id", ""), sender_event_id=payload.get("event_id", "")
    )


@subscriber(names.WEBHOOK_ENDPOINT_DISABLED, name="integrations.admin_feed_endpoint_disabled")
def tell_the_admins_an_endpoint_is_disabled(event: Event) -> None:
    payload = event.payload
    feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=lambda: summaries.endpoint_disabled(
            url=payload.get("url", ""),
            failures=payload.get("failures") or 0,
            last_result=payload.get("last_result", ""),
        ),
    )


@subscriber(names.STORE_SKU_UNKNOWN, name="integrations.admin_feed_unknown_sku")
def tell_the_admins_a_sku_is_unknown(event: Event) -> None:
    payload = event.payload
    store = Store.objects.filter(pk=payload.get("store_id")).first()
    if store is None:
        return
    feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=lambda: summaries.sku_unknown(
            store=store.name,
            sku=payload.get("sku", ""),
            title=payload.get("title", ""),
            order=payload.get("order_name", ""),
        ),
    )


@subscriber(names.ORDER_CANCELLED, name="integrations.admin_feed_order_cancelled")
def tell_the_admins_about_runs_in_work(event: Event) -> None:
    """An order was cancelled with runs already accepted: the admins decide on those."""
    payload = event.payload
    in_work = [run for run in payload.get("runs") or [] if run.get("outcome") == RUN_IN_WORK]
    if not in_work:
        return
    feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=lambda: summaries.order_cancelled_runs_in_work(
            order=payload.get("external_id", ""),
            actor=payload.get("actor") or {},
            references=[run["reference"] for run in in_work],
        ),
        run_id=in_work[0]["run_id"] if len(in_work) == 1 else None,
        tell_the_actor=True,  # work left to decide on, not news of their own action
    )
