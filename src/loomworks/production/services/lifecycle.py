"""What happens to a run once it is sent: accept, decline, start, finish,
complete (by the partner, or by an admin on its behalf), reassign and cancel.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import (
    InvalidInput,
)
from loomworks.partners.models import Partner
from loomworks.production.labels import DECLINE_REASONS
from loomworks.production.models import (
    ProductionRun,
    RunStatus,
)
from loomworks.production.services.checks import active_partner
from loomworks.production.states import (
    transition,
)
from loomworks.work import services as work


@transaction.atomic
def run_accept(
    *,
    run: ProductionRun,
    actor: Actor,
    promised_date: datetime.date | None = None,
    note: str = "",
) -> ProductionRun:
    if promised_date is not None and promised_date < timezone.localdate():
        raise InvalidInput("promised_date", _("The promised date cannot be in the past."))
    changes = {"promised_date": promised_date} if promised_date else None
    parent_id = ProductionRun.objects.filter(pk=run.pk).values_list("parent_id", flat=True).first()
    if parent_id:
        # Lock the parent before the part, the order a parent's cancellation
        # takes them in; part-then-parent deadlocked against it.
        list(ProductionRun.objects.select_for_update().filter(pk=parent_id).values("pk"))
    result = transition(run, "accept", actor=actor, note=note, changes=changes)
    if result.changed and result.run.parent_id:
        transition(
            result.run.parent_id,
            "parts_started",
            actor=Actor.system(),
            note=_("%(ref)s was accepted") % {"ref": result.run.reference},
            related_run=result.run,
        )
    return result.run


@transaction.atomic
def run_decline(*, run: ProductionRun, actor: Actor, reason: str, notes: str = "") -> ProductionRun:
    if reason not in DECLINE_REASONS:
        raise InvalidInput(
            "reason", _("Choose a reason: %(reasons)s.") % {"reasons": ", ".join(DECLINE_REASONS)}
        )
    note = str(DECLINE_REASONS[reason]) + (f": {notes}" if notes else "")
    result = transition(
        run,
        "decline",
        actor=actor,
        note=note,
        details={"reason": reason, "notes": notes or ""},
        changes=lambda current: {"partner_id": None, "previous_partner_id": current.partner_id},
        event_extra={"reason": reason, "notes": notes or ""},
    )
    if result.changed:
        work.tasks_cancel_open(run_id=run.pk, actor=actor, note=_("the run was declined"))
    return result.run


def run_start(*, run: ProductionRun, actor: Actor, note: str = "") -> ProductionRun:
    return transition(run, "start", actor=actor, note=note).run


def run_finish(*, run: ProductionRun, actor: Actor, note: str = "") -> ProductionRun:
    return transition(run, "finish", actor=actor, note=note).run


@transaction.atomic
def run_complete(*, run: ProductionRun, actor: Actor, note: str = "") -> ProductionRun:
    """Complete a run; its open tasks are closed with it ("closed on completion"), never
    counted as ticked. The history row says how many were closed."""
    # Under the run's lock (ticking an item takes it too), so the count is the one closed.
    list(ProductionRun.objects.select_for_update().filter(pk=run.pk).values("pk"))
    closing = work.open_checklist_count(run.pk)
    result = transition(
        run, "complete", actor=actor, note=note, details={"closed_on_completion": closing}
    )
    if result.changed:
        work.tasks_close_open(run_id=result.run.pk, actor=actor, note=_("the run was completed"))
    return result.run


# ---------------------------------------------------------------- admin control


@transaction.atomic
def run_reassign(
    *, run: ProductionRun, partner: Partner, actor: Actor, note: str = ""
) -> ProductionRun:
    """Give a run that is not accepted yet to another partner.

    A run that was sent keeps its status and its open tasks move to the new
    partner; a declined run (awaiting reassignment) returns to approved.
    """
    active_partner(partner)
    current = ProductionRun.objects.select_for_update().get(pk=run.pk)
    if current.partner_id == partner.pk and current.status != RunStatus.AWAITING_REASSIGNMENT:
        return current
    result = transition(
        run,
        "reassign",
        actor=actor,
        note=note,
        to_status=lambda c: (
            RunStatus.APPROVED if c.status == RunStatus.AWAITING_REASSIGNMENT else None
        ),
        changes=lambda c: {
            "partner_id": partner.pk,
            "previous_partner_id": c.partner_id or c.previous_partner_id,
        },
        details={"from_partner_id": current.partner_id, "to_partner_id": partner.pk},
        event_extra={"old_partner_id": current.partner_id, "new_partner_id": partner.pk},
    )
    if result.changed:
        # Whatever its status, a run's open tasks belong to its partner: tasks
        # added while it was approved or awaiting a partner follow it too.
        work.tasks_move_to_partner(run_id=run.pk, partner=partner)
    return result.run


@dataclass
class CancelResult:
    run: ProductionRun
    cancelled_children: list[str]


@transaction.atomic
def run_cancel(*, run: ProductionRun, actor: Actor, reason: str = "") -> CancelResult:
    """Cancel a run, its open tasks and its open parts."""
    reason = (reason or "").strip()
    result = transition(
        run, "cancel", actor=actor, note=reason, changes={"cancelled_reason": reason}
    )
    if not result.changed:
        return CancelResult(run=result.run, cancelled_children=[])
    work.tasks_cancel_open(run_id=run.pk, actor=actor, note=_("the run was cancelled"))
    cancelled = []
    child_reason = _("%(ref)s was cancelled") % {"ref": result.run.reference}
    if reason:
        child_reason = f"{child_reason}: {reason}"
    for child in result.run.children.exclude(
        status__in=[RunStatus.COMPLETED, RunStatus.CANCELLED]
    ).order_by("number"):
        child_result = run_cancel(run=child, actor=actor, reason=child_reason)
        cancelled.append(child.pk)
        cancelled.extend(child_result.cancelled_children)
    return CancelResult(run=result.run, cancelled_children=cancelled)
