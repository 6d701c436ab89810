"""Cancelling a store order, with the runs it made.

It lives with the runs, not in `orders`, because what it does is decide each
run's fate: the runs not yet accepted are cancelled through the run's own
cancel; those already in work are left for the admins to decide on.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_REASON
from loomworks.events.api import EventName, publish
from loomworks.orders.models import Order
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.production.services.lifecycle import run_cancel

# What became of each run of a cancelled order.
RUN_CANCELLED = "cancelled"  # not accepted yet: cancelled with the order
RUN_IN_WORK = "in_work"  # accepted: left for the admins to decide, and they are told
RUN_COMPLETED = "completed"  # made already
RUN_WAS_CANCELLED = "already_cancelled"


@dataclass
class RunOutcome:
    run: ProductionRun
    outcome: str


@dataclass
class CancelOrderResult:
    order: Order
    runs: list[RunOutcome]
    changed: bool


def order_cancel(*, order: Order, actor: Actor, reason: str = "") -> CancelOrderResult:
    """Cancel the order: its runs not yet accepted are cancelled (with their parts and
    tasks, through the run's own cancel); runs already accepted stay as they are and
    the admins are told, to decide on them. Cancelling again changes nothing and
    answers what became of each run then.
    """
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            "reason", _("The reason is at most %(max)s characters.") % {"max": MAX_REASON}
        )
    with transaction.atomic():
        # The order's row lock: the subscriber that makes its runs takes it too, so no
        # run is made for an order once it is cancelled.
        order = Order.objects.select_for_update().get(pk=order.pk)
        runs = list(order.runs.filter(parent__isnull=True).order_by("number"))
        if order.cancelled_at is not None:
            recorded = {
                entry["run_id"]: entry["outcome"] for entry in order.metadata.get("cancel", [])
            }
            return CancelOrderResult(
                order=order,
                runs=[
                    RunOutcome(run=run, outcome=recorded.get(run.pk, RUN_WAS_CANCELLED))
                    for run in runs
                ],
                changed=False,
            )
        run_reason = _("order %(order)s was cancelled") % {"order": order.external_id}
        if reason:
            run_reason = f"{run_reason}: {reason}"
        outcomes = []
        for run in runs:
            if run.status == RunStatus.COMPLETED:
                outcomes.append(RunOutcome(run=run, outcome=RUN_COMPLETED))
            elif run.status == RunStatus.CANCELLED:
                outcomes.append(RunOutcome(run=run, outcome=RUN_WAS_CANCELLED))
            elif run.status == RunStatus.IN_PROGRESS:
                outcomes.append(RunOutcome(run=run, outcome=RUN_IN_WORK))
            else:
                result = run_cancel(run=run, actor=actor, reason=run_reason)
                outcomes.append(RunOutcome(run=result.run, outcome=RUN_CANCELLED))
        summary = [
            {"run_id": o.run.pk, "reference": o.run.reference, "outcome": o.outcome}
            for o in outcomes
        ]
        order.cancelled_at = timezone.now()
        order.cancelled_reason = reason
        order.metadata = {**order.metadata, "cancel": summary}
        order.save(update_fields=["cancelled_at", "cancelled_reason", "metadata", "updated_at"])
        publish(
            EventName.ORDER_CANCELLED,
            {
                "order_id": order.pk,
                "external_id": order.external_id,
                "reason": reason,
                "runs": summary,
                "actor": actor.as_payload(),
            },
            aggregate_type="order",
            aggregate_id=order.pk,
        )
        audit_record(
            actor=actor,
            action="order.cancelled",
            target_type="order",
            target_id=order.pk,
            details={"reason": reason, "runs": summary},
        )
    return CancelOrderResult(order=order, runs=outcomes, changed=True)
