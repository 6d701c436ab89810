"""Event names this app publishes or offers to webhook endpoints, in one place.

When the event names become one enum, these move into it unchanged.
"""

from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------- published elsewhere

RUN_CREATED = "production_run.created"
RUN_APPROVED = "production_run.approved"
RUN_SENT = "production_run.sent_to_partner"
RUN_ACCEPTED = "production_run.accepted"
RUN_DECLINED = "production_run.declined"
RUN_STARTED = "production_run.started"
RUN_FINISHED = "production_run.finished"
RUN_COMPLETED = "production_run.completed"
RUN_CANCELLED = "production_run.cancelled"
RUN_REASSIGNED = "production_run.partner_reassigned"
RUN_READY = "production_run.ready_to_dispatch"
RUN_BLOCKED = "production_run.blocked"
RUN_LATE = "production_run.late"  # the reminders publish it
TASK_CREATED = "task.created"
TASK_ACCEPTED = "task.accepted"
TASK_COMPLETED = "task.completed"
TASK_CANCELLED = "task.cancelled"
ORDER_PLACED = "order.placed"

# ---------------------------------------------------------------- published here

ORDER_CANCELLED = "order.cancelled"  # orders.services.order_cancel
WEBHOOK_DELIVERY_QUEUED = "webhook.delivery_queued"
WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
STORE_SKU_UNKNOWN = "store.sku_unknown"

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
    TASK_CREATED: _("A task was created"),
    TASK_ACCEPTED: _("A task was accepted"),
    TASK_COMPLETED: _("A task was completed"),
    TASK_CANCELLED: _("A task was cancelled"),
    ORDER_PLACED: _("A store order was received"),
    ORDER_CANCELLED: _("A store order was cancelled"),
}
