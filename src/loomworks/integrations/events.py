"""The events webhook endpoints may ask for, with what a person reads beside each.

Names come from the one list in `loomworks.events.names`.
"""

from django.utils.translation import gettext_lazy as _

from loomworks.events.names import EventName as E

RUN_CREATED = E.RUN_CREATED
RUN_APPROVED = E.RUN_APPROVED
RUN_SENT = E.RUN_SENT_TO_PARTNER
RUN_ACCEPTED = E.RUN_ACCEPTED
RUN_DECLINED = E.RUN_DECLINED
RUN_STARTED = E.RUN_STARTED
RUN_FINISHED = E.RUN_FINISHED
RUN_COMPLETED = E.RUN_COMPLETED
RUN_CANCELLED = E.RUN_CANCELLED
RUN_REASSIGNED = E.RUN_PARTNER_REASSIGNED
RUN_READY = E.RUN_READY_TO_DISPATCH
RUN_BLOCKED = E.RUN_BLOCKED
RUN_LATE = E.RUN_LATE
RUN_DELIVERY_RECORDED = E.RUN_DELIVERY_RECORDED
RUN_DELIVERY_CORRECTED = E.RUN_DELIVERY_CORRECTED
RUN_REWORK_REQUESTED = E.RUN_REWORK_REQUESTED
RUN_QUANTITY_TO_CONFIRM = E.RUN_QUANTITY_TO_CONFIRM
TASK_CREATED = E.TASK_CREATED
TASK_ACCEPTED = E.TASK_ACCEPTED
TASK_COMPLETED = E.TASK_COMPLETED
TASK_CANCELLED = E.TASK_CANCELLED
TASK_STARTED = E.TASK_STARTED
TASK_REOPENED = E.TASK_REOPENED
TASK_CLOSED = E.TASK_CLOSED
ORDER_PLACED = E.ORDER_PLACED
ORDER_CANCELLED = E.ORDER_CANCELLED
WEBHOOK_DELIVERY_QUEUED = E.WEBHOOK_DELIVERY_QUEUED
WEBHOOK_ENDPOINT_DISABLED = E.WEBHOOK_ENDPOINT_DISABLED
STORE_SKU_UNKNOWN = E.STORE_SKU_UNKNOWN
PAYABLE_EARNED = E.PAYABLE_EARNED
PAYMENT_RECORDED = E.PAYMENT_RECORDED

# What an endpoint may ask for, with what a person reads beside each name.
WEBHOOK_EVENTS: dict[str, object] = {
    RUN_CREATED: _("A run was created"),
    RUN_APPROVED: _("A run was approved"),
    RUN_SENT: _("A run was sent to its partner"),
    RUN_ACCEPTED: _("A partner accepted a run"),
    RUN_DECLINED: _("A partner declined a run"),
    RUN_STARTED: _("A partner started a run"),
    RUN_FINISHED: _("A partner finished a run"),
    RUN_COMPLETED: _("A run was completed"),
    RUN_CANCELLED: _("A run was cancelled"),
    RUN_REASSIGNED: _("A run moved to another partner"),
    RUN_READY: _("A run is ready to send"),
    RUN_BLOCKED: _("A run is blocked"),
    RUN_LATE: _("A run is late"),
    RUN_DELIVERY_RECORDED: _("A partner delivered pieces of a run (good and rejected)"),
    RUN_DELIVERY_CORRECTED: _("An admin corrected a delivery"),
    RUN_REWORK_REQUESTED: _("Rejected pieces of a run went to a rework run"),
    RUN_QUANTITY_TO_CONFIRM: _("A step's quantity waits for an admin to confirm it"),
    TASK_CREATED: _("A task was created"),
    TASK_ACCEPTED: _("A task was accepted"),
    TASK_COMPLETED: _("A task was completed"),
    TASK_CANCELLED: _("A task was cancelled"),
    TASK_STARTED: _("Work began on a task (a first item ticked)"),
    TASK_REOPENED: _("A ticked checklist item was unticked"),
    TASK_CLOSED: _("A task was closed unticked when its run completed"),
    ORDER_PLACED: _("A store order was received"),
    ORDER_CANCELLED: _("A store order was cancelled"),
    PAYABLE_EARNED: _("A partner earned its price for a completed run"),
    PAYMENT_RECORDED: _("A payment to a partner was recorded"),
}
