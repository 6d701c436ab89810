"""What happens after a run or task changes: the cascades.

Each handler runs after the change commits, at least once, and decides from
the database as it is now, so a second delivery finds nothing left to do.
Their own changes go through `states.transition()`, whose compare-and-set
lets exactly one of two concurrent handlers win.
"""

import logging

from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from loomworks.catalog.models import DesignStatus
from loomworks.catalog.states import design_set_status
from loomworks.core.actors import Actor
from loomworks.core.errors import DomainError
from loomworks.events.api import EventName, subscriber
from loomworks.events.models import Event
from loomworks.orders.models import Order
from loomworks.production import services
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionPolicy,
    ProductionRun,
    RunHistory,
    RunStatus,
    RunType,
)
from loomworks.production.previews import MEDIA_UPLOADED, preview_build
from loomworks.production.services import next_step
from loomworks.production.states import transition
from loomworks.work import services as work
from loomworks.work.models import OPEN_TASK_STATUSES, Task, TaskStatus

log = logging.getLogger("loomworks.production")


def _may_complete_its_run(event_name: str, payload: dict) -> bool:
    """Whether finishing this task can complete its run: asked when the task is finished.

    Only a run's own tasks can finish it (a checklist item finishing completes
    its task, which publishes its own event, when it was the last one), and only
    the last of them: while another top-level task of the run is open, the check
    could find nothing to do, so it is not made at all.

    This is safe against two tasks finished at the same instant because the
    question is asked under the run's row lock (every task of a run is worked
    under it, see `task_work._lock_run_for_task_work`; taken here too, for any
    other caller): the second finish waits for the first to commit, then sees
    its task completed and asks for the check.
    """
    run_id, task_id = payload.get("run_id"), payload.get("task_id")
    if not run_id or payload.get("parent_task_id"):
        return False
    ProductionRun.objects.select_for_update().filter(pk=run_id).values_list("pk").first()
    others_open = (
        Task.objects.filter(run_id=run_id, parent__isnull=True, status__in=OPEN_TASK_STATUSES)
        .exclude(pk=task_id)
        .exists()
    )
    return not others_open


@subscriber(EventName.TASK_COMPLETED, when=_may_complete_its_run)
def complete_run_when_its_tasks_are_done(event: Event) -> None:
    """A run completes when it has a task and every task that is not cancelled is completed."""
    run_id = event.payload.get("run_id")
    if not run_id:
        return
    with transaction.atomic():
        # Check and complete under the run's lock: adding tasks (a redo) takes
        # the same lock, so a redo either lands before the check and keeps the
        # run open, or waits and finds the run completed.
        run = (
            ProductionRun.objects.select_for_update()
            .filter(pk=run_id, status=RunStatus.IN_PROGRESS)
            .first()
        )
        if run is None or ProductionRun.objects.filter(parent_id=run.pk).exists():
            return  # ended already; or a parent, which follows its parts instead
        tasks = Task.objects.filter(run_id=run_id)
        if tasks.filter(status__in=OPEN_TASK_STATUSES).exists():
            return
        if not tasks.filter(status=TaskStatus.COMPLETED).exists():
            return
        if not ProductionPolicy.current().complete_when_tasks_done:
            return  # the brand waits for the workshop to hand the run over
        services.run_complete(
            run=run,
            actor=Actor.system(),
            note=_("Every task of %(ref)s is done.") % {"ref": run.reference},
        )


@subscriber(EventName.RUN_COMPLETED, EventName.RUN_CANCELLED)
def follow_parts_and_release_dependents(event: Event) -> None:
    run = ProductionRun.objects.filter(pk=event.payload["run_id"]).first()
    if run is None or run.status not in TERMINAL_STATUSES:
        return
    if run.parent_id:
        _roll_up_parent(run.parent_id, cause=run)
    for dependent in run.dependents.exclude(status__in=TERMINAL_STATUSES).order_by("number"):
        if run.status == RunStatus.COMPLETED:
            _release(dependent)
        else:
            _block(dependent, cause=run)


def _roll_up_parent(parent_id: str, *, cause: ProductionRun) -> None:
    """Once every part has ended: completed if any part completed, else cancelled."""
    with transaction.atomic():
        parent = ProductionRun.objects.select_for_update().get(pk=parent_id)
        if parent.status in TERMINAL_STATUSES:
            return
        statuses = list(parent.children.values_list("status", flat=True))
        if any(status not in TERMINAL_STATUSES for status in statuses):
            return
        system = Actor.system()
        if RunStatus.COMPLETED in statuses:
            action, note = "parts_completed", _("Every part has ended; at least one completed.")
            close_tasks = work.tasks_close_open
        else:
            action, note = "parts_cancelled", _("Every part was cancelled.")
            close_tasks = work.tasks_cancel_open
        transition(parent, action, actor=system, note=note, related_run=cause)
        # Like a run completed or cancelled by hand, an ended parent keeps no
        # open task (one added before the run was split would block nothing
        # and stay open for ever).
        close_tasks(run_id=parent.pk, actor=system, note=note)


def _release(dependent: ProductionRun) -> None:
    """Dispatch a run whose last dependency completed, or tell admins it is ready."""
    with transaction.atomic():
        current = ProductionRun.objects.select_for_update().get(pk=dependent.pk)
        if current.status != RunStatus.APPROVED:
            return
        if current.depends_on.exclude(status=RunStatus.COMPLETED).exists():
            return
        if next_step.follow_delivered_quantity(current):
            return  # an admin confirms the quantity first; it was told
        current.refresh_from_db()
        if current.planned_template_ids:
            try:
                with transaction.atomic():
                    services.run_dispatch(
                        run=current, template_ids=current.planned_template_ids, actor=Actor.system()
                    )
                return
            except DomainError as error:
                reason = error.detail
        else:
            reason = ""
        if RunHistory.objects.filter(run=current, kind="ready_to_dispatch").exists():
            return
        note = _("Everything %(ref)s waits for has completed.") % {"ref": current.reference}
        if reason:
            note = f"{note} {_('It could not be sent by itself')}: {reason}"
        transition(current, "ready_to_dispatch", actor=Actor.system(), note=note)


def _block(dependent: ProductionRun, *, cause: ProductionRun) -> None:
    with transaction.atomic():
        current = ProductionRun.objects.select_for_update().get(pk=dependent.pk)
        if current.status in TERMINAL_STATUSES:
            return
        if RunHistory.objects.filter(run=current, kind="blocked", related_run=cause).exists():
            return
        transition(
            current,
            "blocked",
            actor=Actor.system(),
            note=_("%(other)s, which %(ref)s waits for, was cancelled.")
            % {"other": cause.reference, "ref": current.reference},
            related_run=cause,
            event_extra={"blocked_by_run_id": cause.pk, "blocked_by_reference": cause.reference},
        )


def _a_sample_run(event_name: str, payload: dict) -> bool:
    return payload.get("run_type") == RunType.SAMPLE


@subscriber(
    EventName.RUN_ACCEPTED, EventName.RUN_STARTED, EventName.RUN_COMPLETED, when=_a_sample_run
)
def move_design_with_sample_runs(event: Event) -> None:
    """A sample run in work puts its design in sample production; a completed one in review."""
    payload = event.payload
    if payload.get("run_type") != RunType.SAMPLE:
        return
    run = ProductionRun.objects.filter(pk=payload["run_id"]).first()
    if run is None:
        return
    # Decide from the run as it is now, so a late redelivery of "accepted"
    # never pulls a design back from review.
    if run.status == RunStatus.COMPLETED:
        target = DesignStatus.TECHNICAL_REVIEW
    elif run.status == RunStatus.IN_PROGRESS:
        target = DesignStatus.SAMPLE_PRODUCTION
    else:
        return
    design_set_status(
        run.design_id,
        target,
        actor=Actor.system(),
        reason=_("sample run %(ref)s") % {"ref": run.reference},
        respect_settled=True,
        unless_changed_since=event.occurred_at,
    )


@subscriber(EventName.ORDER_PLACED)
def create_runs_for_order(event: Event) -> None:
    """One run per order line whose variant or product has a design; never two per line."""
    # Under the order's lock, which cancelling takes too: a cancelled order makes no runs.
    order = Order.objects.select_for_update().filter(pk=event.payload["order_id"]).first()
    if order is None or order.cancelled_at is not None:
        return
    lines = order.lines.select_related(
        "design", "product", "variant__product", "variant__design", "product__design"
    )
    for line in lines:
        if ProductionRun.objects.filter(order_line=line).exists():
            continue
        # A store's SKU mapping names the design itself; else the variant's, the product's.
        design = (
            line.design
            or (line.variant.design if line.variant else None)
            or (
                (line.variant.product.design if line.variant else None)
                or (line.product.design if line.product else None)
            )
        )
        if design is None:
            log.warning(
                "Order %s line %s (%s) has no design (product %s, variant %s); "
                "no run was created for it",
                order.external_id,
                line.external_id,
                line.pk,
                line.product_id,
                line.variant_id,
            )
            continue
        try:
            with transaction.atomic():
                services.run_create(
                    design=design,
                    actor=Actor.system(),
                    quantity=line.quantity,
                    order=order,
                    order_line=line,
                    product=line.product or (line.variant.product if line.variant else None),
                    variant=line.variant,
                )
        except IntegrityError:
            # The unique order line on runs: another delivery made it first.
            continue
        except DomainError as error:
            log.warning(
                "Order %s line %s (%s) could not become a run: %s",
                order.external_id,
                line.external_id,
                line.pk,
                error.detail,
            )
        except OperationalError:
            # Passing trouble (a lock timeout, a lost connection): fail the
            # delivery so it is retried; lines already made are skipped then.
            raise
        except Exception:
            # One bad line must not cost the others their runs (the original
            # aborted the whole order). It is logged with its ids and skipped.
            log.exception(
                "Order %s line %s (%s) could not become a run",
                order.external_id,
                line.external_id,
                line.pk,
            )


@subscriber(MEDIA_UPLOADED, atomic=False)
def make_previews_of_uploaded_images(event: Event) -> None:
    """Previews are made here, after the upload, not in the request that stored the files.

    Outside any transaction (`atomic=False`): decoding an image takes a moment,
    and no database lock is held meanwhile; each preview is attached with one
    short UPDATE (see `previews.preview_build`).
    """
    for media_id in event.payload.get("media_ids", []):
        preview_build(media_id)
