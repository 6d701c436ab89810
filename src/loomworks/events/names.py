"""Every event name, once. Publishers and subscribers use these constants.

The registry refuses a subscriber for a name that is not here, at start-up,
and `publish()` refuses to record one, so a typo cannot leave a handler that
never runs or an event nobody hears. Adding an event is one line below.
"""

from enum import StrEnum


class EventName(StrEnum):
    # production runs (see production/states.py for the actions that publish them)
    RUN_CREATED = "production_run.created"
    RUN_APPROVED = "production_run.approved"
    RUN_SENT_TO_PARTNER = "production_run.sent_to_partner"
    RUN_ACCEPTED = "production_run.accepted"
    RUN_DECLINED = "production_run.declined"
    RUN_STARTED = "production_run.started"
    RUN_FINISHED = "production_run.finished"
    RUN_COMPLETED = "production_run.completed"
    RUN_CANCELLED = "production_run.cancelled"
    RUN_PARTNER_REASSIGNED = "production_run.partner_reassigned"
    RUN_READY_TO_DISPATCH = "production_run.ready_to_dispatch"
    RUN_BLOCKED = "production_run.blocked"
    # a run whose promised (else due) date has passed: the `late` mark in
    # production/states.py, written with its history row like `blocked`
    RUN_LATE = "production_run.late"
    RUN_DELIVERY_RECORDED = "production_run.delivery_recorded"
    RUN_DELIVERY_CORRECTED = "production_run.delivery_corrected"
    RUN_REWORK_REQUESTED = "production_run.rework_requested"
    RUN_QUANTITY_TO_CONFIRM = "production_run.quantity_to_confirm"
    # files uploaded to a run (images get their preview from a subscriber)
    MEDIA_UPLOADED = "media.uploaded"
    # tasks and their comments
    TASK_CREATED = "task.created"
    TASK_ACCEPTED = "task.accepted"
    TASK_STARTED = "task.started"
    TASK_COMPLETED = "task.completed"
    TASK_REOPENED = "task.reopened"
    TASK_CLOSED = "task.closed"
    TASK_CANCELLED = "task.cancelled"
    TASK_COMMENT_ADDED = "task.comment_added"
    # the catalogue, the store, partners
    DESIGN_STATUS_CHANGED = "design.status_changed"
    ORDER_PLACED = "order.placed"
    ORDER_CANCELLED = "order.cancelled"
    STORE_SKU_UNKNOWN = "store.sku_unknown"
    PARTNER_MEMBER_INVITED = "partner_member.invited"
    # money (money/): a completed run earned its partner's price (once per run),
    # an admin recorded a payment to a partner
    PAYABLE_EARNED = "payable.earned"
    PAYMENT_RECORDED = "payment.recorded"
    # notifications
    NOTIFICATION_EMAIL_QUEUED = "notification.email_queued"
    # one WhatsApp message stored and waiting to be sent through the Cloud API
    NOTIFICATION_WHATSAPP_QUEUED = "notification.whatsapp_queued"
    # chasing late work (reminders/): one rule fired for one run and occurrence,
    # one person's morning digest for one local day (each key unique)
    REMINDER_DUE = "reminder.due"
    DIGEST_DUE = "digest.due"
    # outgoing webhooks
    WEBHOOK_DELIVERY_QUEUED = "webhook.delivery_queued"
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
    # the outbox itself: a delivery that failed its last attempt
    OUTBOX_DELIVERY_DEAD = "outbox.delivery_dead"


# Names the test suite (or a one-off tool) declares for its own subscribers.
_declared: set[str] = set()


def declare(*names: str) -> None:
    """Accept `names` besides the product's events: for test subscribers only."""
    _declared.update(names)


def is_known(name: str) -> bool:
    return name in EventName._value2member_map_ or name in _declared


def check(name: str) -> str:
    """`name` if it is a known event name; ValueError naming it otherwise."""
    if not is_known(name):
        raise ValueError(
            f"Unknown event name {name!r}: add it to loomworks.events.names.EventName."
        )
    return str(name)
