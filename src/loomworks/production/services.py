"""Every write to production runs: one function per action, with an explicit actor.

Status changes go through `states.transition()`; this module decides what
else an action does (make children, create tasks, cancel tasks, follow the
parent) and validates input first, so a refused action writes nothing.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loomworks.catalog.models import Design, Material, Product, ProductVariant
from loomworks.catalog.selectors import design_parts
from loomworks.core.actors import Actor
from loomworks.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    TransitionNotAllowed,
)
from loomworks.orders.models import Order, OrderLine
from loomworks.partners.models import Partner
from loomworks.production.models import (
    ConsumptionLog,
    ConsumptionType,
    MediaFile,
    ProductionPolicy,
    ProductionRun,
    RunDependency,
    RunStatus,
    RunType,
)
from loomworks.production.previews import UnreadableImage, make_preview
from loomworks.production.states import (
    POLICY_ACTIONS,
    TRANSITIONS,
    record_creation,
    record_progress,
    status_label,
    transition,
)
from loomworks.work import services as work
from loomworks.work.models import Task, TaskComment, TaskStatus

DECLINE_REASONS = {
    "capacity": gettext_lazy("No capacity"),
    "materials_unavailable": gettext_lazy("Materials unavailable"),
    "scheduling_conflict": gettext_lazy("Scheduling conflict"),
    "other": gettext_lazy("Other"),
}

EDITABLE_FIELDS = ("quantity", "role", "run_type", "due_date", "notes")


# ---------------------------------------------------------------- snapshot


def design_snapshot(
    design: Design,
    *,
    order: Order | None = None,
    order_line: OrderLine | None = None,
    product: Product | None = None,
    variant: ProductVariant | None = None,
) -> dict:
    """What the partner is asked to make, frozen when the run is created."""
    return {
        "taken_at": timezone.now().isoformat(),
        "design": {
            "id": design.pk,
            "name": design.name,
            "description": design.description,
            "status": design.status,
            "priority": design.priority,
            "thumbnail_url": design.thumbnail_url,
            "tags": design.tags,
            "notes": design.notes,
            "target_date": design.target_date.isoformat() if design.target_date else None,
        },
        **design_parts(design),
        "provenance": {
            "order_id": order.pk if order else None,
            "order_external_id": order.external_id if order else None,
            "order_line_id": order_line.pk if order_line else None,
            "order_line_external_id": order_line.external_id if order_line else None,
            "product_id": product.pk if product else None,
            "product_title": product.title if product else None,
            "variant_id": variant.pk if variant else None,
            "variant_sku": variant.sku if variant else None,
        },
    }


# ---------------------------------------------------------------- validation helpers


# The largest value the quantity columns hold on every database; beyond it
# PostgreSQL would fail the INSERT (a 500) instead of refusing the input.
MAX_QUANTITY = 2_147_483_647
# Steps of one run: far more than any garment has, far less than the column holds.
MAX_ORDER_GROUP = 1000


def _positive_quantity(value, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(field_name, _("The quantity must be a whole number above zero."))
    if value > MAX_QUANTITY:
        raise InvalidInput(
            field_name, _("The quantity must be at most %(max)s.") % {"max": MAX_QUANTITY}
        )
    return value


def _active_partner(partner: Partner, field_name: str = "partner_id") -> Partner:
    if not partner.is_active:
        raise Conflict(
            _("%(partner)s is %(status)s; only active partners can be given new work.")
            % {"partner": partner.name, "status": partner.get_status_display().lower()}
        )
    return partner


def _partner_by_id(partner_id: str, field_name: str) -> Partner:
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        raise InvalidInput(field_name, _("Unknown partner: %(id)s.") % {"id": partner_id})
    return partner


# ---------------------------------------------------------------- create and edit


@transaction.atomic
def run_create(
    *,
    design: Design,
    actor: Actor,
    quantity: int = 1,
    run_type: str = RunType.PRODUCTION,
    partner: Partner | None = None,
    role: str = "",
    due_date: datetime.date | None = None,
    notes: str = "",
    status: str = RunStatus.PENDING_REVIEW,
    order: Order | None = None,
    order_line: OrderLine | None = None,
    product: Product | None = None,
    variant: ProductVariant | None = None,
) -> ProductionRun:
    _positive_quantity(quantity, "quantity")
    if run_type not in RunType.values:
        raise InvalidInput("run_type", _("The run type must be production or sample."))
    if status not in (RunStatus.DRAFT, RunStatus.PENDING_REVIEW):
        raise InvalidInput("status", _("A new run starts as draft or pending review."))
    if partner is not None:
        _active_partner(partner)
    run = ProductionRun(
        design=design,
        quantity=quantity,
        run_type=run_type,
        partner=partner,
        role=role or "",
        due_date=due_date,
        notes=notes or "",
        order=order,
        order_line=order_line,
        product=product,
        variant=variant,
        snapshot=design_snapshot(
            design, order=order, order_line=order_line, product=product, variant=variant
        ),
    )
    return record_creation(run, actor=actor, status=status)


@transaction.atomic
def run_update(*, run: ProductionRun, actor: Actor, **fields) -> ProductionRun:
    """Edit a run before it is accepted (quantity, role, type, due date, notes)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be edited."))
    if "quantity" in fields:
        _positive_quantity(fields["quantity"], "quantity")
    if "run_type" in fields and fields["run_type"] not in RunType.values:
        raise InvalidInput("run_type", _("The run type must be production or sample."))
    for text_field in ("role", "notes"):
        if text_field in fields and fields[text_field] is None:
            fields[text_field] = ""
    changed = {name: value for name, value in fields.items() if getattr(run, name) != value}
    if not changed:
        return run

    def no_resplit(current: ProductionRun) -> str | None:
        if "quantity" in changed and current.children.exists():
            return _("%(ref)s is split into parts; change the quantities of its parts instead.") % {
                "ref": current.reference
            }
        return None

    details = {
        name: [_jsonable(getattr(run, name)), _jsonable(value)] for name, value in changed.items()
    }
    return transition(
        run, "edit", actor=actor, changes=changed, details={"changed": details}, guard=no_resplit
    ).run


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# ---------------------------------------------------------------- approve


@dataclass
class Assignment:
    partner_id: str
    quantity: int
    role: str = ""
    order: int | None = None
    template_ids: list[str] = field(default_factory=list)


@dataclass
class ApproveResult:
    run: ProductionRun
    children: list[ProductionRun]
    dispatch_errors: list[dict] = field(default_factory=list)


def _validate_assignments(
    assignments: Sequence[Assignment],
) -> dict[int, list[tuple[int, Assignment, Partner]]]:
    """Check every assignment and group them by order group (missing order: group 1)."""
    groups: dict[int, list[tuple[int, Assignment, Partner]]] = defaultdict(list)
    for index, assignment in enumerate(assignments):
        prefix = f"assignments[{index}]"
        _positive_quantity(assignment.quantity, f"{prefix}.quantity")
        order = assignment.order
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, int) or order < 1:
                raise InvalidInput(f"{prefix}.order", _("The order group must be 1 or more."))
            if order > MAX_ORDER_GROUP:
                raise InvalidInput(
                    f"{prefix}.order",
                    _("The order group must be at most %(max)s.") % {"max": MAX_ORDER_GROUP},
                )
        partner = _partner_by_id(assignment.partner_id, f"{prefix}.partner_id")
        work.templates_by_ids(assignment.template_ids or [], field=f"{prefix}.template_ids")
        groups[assignment.order or 1].append((index, assignment, partner))
    return dict(sorted(groups.items()))


def _group_total(group: list[tuple[int, Assignment, Partner]]) -> int:
    return sum(assignment.quantity for _index, assignment, _partner in group)


def _check_group_totals(groups, quantity: int) -> None:
    for order, group in groups.items():
        total = _group_total(group)
        if total != quantity:
            raise InvalidInput(
                "assignments",
                _(
                    "The assignments of order group %(order)s add up to %(total)s pieces; "
                    "each group must make the run's %(quantity)s."
                )
                % {"order": order, "total": total, "quantity": quantity},
            )


@transaction.atomic
def run_approve(
    *, run: ProductionRun, actor: Actor, assignments: Sequence[Assignment] = ()
) -> ApproveResult:
    """Approve a run; with assignments, split it into one part per partner.

    Parts of order group k+1 depend on every part of group k. Parts given
    templates and waiting for nothing are dispatched at once; a part whose
    dispatch is refused stays approved and is reported in `dispatch_errors`.
    """
    if not assignments:
        result = transition(run, "approve", actor=actor)
        return ApproveResult(run=result.run, children=[])

    groups = _validate_assignments(assignments)
    _check_group_totals(groups, run.quantity)
    for group in groups.values():
        for _index, _assignment, partner in group:
            _active_partner(partner)

    def not_split_yet(current: ProductionRun) -> str | None:
        if current.children.exists():
            return _("%(ref)s is already split into parts.") % {"ref": current.reference}
        return None

    parent = transition(
        run,
        "approve",
        actor=actor,
        guard=not_split_yet,
        details={"assignments": len(assignments)},
        # The work now belongs to the parts' partners: a partner named on the
        # run before the split would otherwise see a parent it cannot act on.
        changes={"partner_id": None},
    ).run

    children: list[ProductionRun] = []
    waiting: set[str] = set()
    previous_group: list[ProductionRun] = []
    for order, group in groups.items():
        this_group = []
        for _index, assignment, partner in group:
            child = record_creation(
                ProductionRun(
                    design_id=parent.design_id,
                    run_type=parent.run_type,
                    quantity=assignment.quantity,
                    partner=partner,
                    role=assignment.role or "",
                    parent=parent,
                    order_group=order,
                    planned_template_ids=list(assignment.template_ids or []),
                    snapshot=parent.snapshot,
                    due_date=parent.due_date,
                    order_id=parent.order_id,
                    product_id=parent.product_id,
                    variant_id=parent.variant_id,
                ),
                actor=actor,
                status=RunStatus.APPROVED,
                note=_("Part of %(ref)s") % {"ref": parent.reference},
            )
            RunDependency.objects.bulk_create(
                [RunDependency(run=child, depends_on=earlier) for earlier in previous_group]
            )
            if previous_group:
                waiting.add(child.pk)
            this_group.append(child)
        children.extend(this_group)
        previous_group = this_group

    errors = []
    for child in children:
        if not child.planned_template_ids or child.pk in waiting:
            continue
        try:
            with transaction.atomic():
                run_dispatch(run=child, template_ids=child.planned_template_ids, actor=actor)
        except DomainError as error:
            errors.append(
                {"run_id": child.pk, "reference": child.reference, "detail": error.detail}
            )
    children = list(
        ProductionRun.objects.filter(pk__in=[c.pk for c in children]).order_by(
            "order_group", "number"
        )
    )
    return ApproveResult(run=parent, children=children, dispatch_errors=errors)


@transaction.atomic
def run_create_from_design(
    *,
    design: Design,
    actor: Actor,
    quantity: int | None = None,
    run_type: str = RunType.PRODUCTION,
    assignments: Sequence[Assignment] = (),
    due_date: datetime.date | None = None,
    notes: str = "",
) -> ApproveResult:
    """Create a run of `design` and, with assignments, approve it in the same step."""
    if assignments:
        groups = _validate_assignments(assignments)
        totals = {order: _group_total(group) for order, group in groups.items()}
        if quantity is None:
            if len(set(totals.values())) > 1:
                raise InvalidInput(
                    "assignments",
                    _(
                        "Every order group must make the same quantity; the groups add up to %(totals)s."
                    )
                    % {"totals": ", ".join(str(t) for t in totals.values())},
                )
            quantity = next(iter(totals.values()))
        _check_group_totals(groups, _positive_quantity(quantity, "quantity"))
    run = run_create(
        design=design,
        actor=actor,
        quantity=quantity if quantity is not None else 1,
        run_type=run_type,
        due_date=due_date,
        notes=notes,
    )
    if not assignments:
        return ApproveResult(run=run, children=[])
    return run_approve(run=run, actor=actor, assignments=assignments)


# ---------------------------------------------------------------- dispatch


def _unmet_dependencies(run: ProductionRun) -> list[ProductionRun]:
    return list(run.depends_on.exclude(status=RunStatus.COMPLETED).order_by("number"))


def _dispatch_guard(current: ProductionRun) -> str | None:
    if current.partner_id is None:
        return _("%(ref)s has no partner; reassign it to one before sending it.") % {
            "ref": current.reference
        }
    partner = current.partner
    if not partner.is_active:
        return _("%(partner)s is %(status)s; reassign %(ref)s to an active partner.") % {
            "partner": partner.name,
            "status": partner.get_status_display().lower(),
            "ref": current.reference,
        }
    waiting = _unmet_dependencies(current)
    if waiting:
        return _("%(ref)s waits for %(others)s to complete first.") % {
            "ref": current.reference,
            "others": ", ".join(f"{d.reference} ({status_label(d.status)})" for d in waiting),
        }
    return None


@dataclass
class DispatchResult:
    run: ProductionRun
    tasks: list[Task]


@transaction.atomic
def run_dispatch(
    *, run: ProductionRun, template_ids: Sequence[str], actor: Actor
) -> DispatchResult:
    """Send a run to its partner with one task per template, in the order given.

    All or nothing: unknown templates are refused before anything is written,
    and a refused dispatch leaves no task behind.
    """
    if not template_ids:
        raise InvalidInput("template_ids", _("Choose at least one task template."))
    templates = work.templates_by_ids(template_ids)
    result = transition(
        run,
        "dispatch",
        actor=actor,
        guard=_dispatch_guard,
        details={"template_ids": list(template_ids)},
    )
    tasks = work.tasks_create_from_templates(
        run=result.run, partner=result.run.partner, templates=templates, actor=actor
    )
    return DispatchResult(run=result.run, tasks=tasks)


# ---------------------------------------------------------------- partner actions


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
    """Complete a run; its open tasks are completed with it."""
    result = transition(run, "complete", actor=actor, note=note)
    if result.changed:
        work.tasks_complete_open(run_id=result.run.pk, actor=actor, note=_("the run was completed"))
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
    _active_partner(partner)
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


@transaction.atomic
def run_add_tasks(
    *,
    run: ProductionRun,
    actor: Actor,
    template_ids: Sequence[str] | None = None,
    title: str | None = None,
    description: str = "",
) -> list[Task]:
    """More work for a run that is not over (a redo): from templates, or one free-text task."""
    templates = work.templates_by_ids(list(template_ids)) if template_ids else []
    title = (title or "").strip()
    if not templates and not title:
        raise InvalidInput("template_ids", _("Choose a template or give the task a title."))
    titles = [template.name for template in templates] + ([title] if title else [])
    result = transition(
        run, "tasks_added", actor=actor, note=", ".join(titles), details={"titles": titles}
    )
    tasks = work.tasks_create_from_templates(
        run=result.run, partner=result.run.partner, templates=templates, actor=actor
    )
    if title:
        tasks.append(
            work.task_create(
                run=result.run,
                partner=result.run.partner,
                title=title,
                description=description,
                actor=actor,
            )
        )
    return tasks


@transaction.atomic
def policy_update(*, config: dict, actor: Actor) -> ProductionPolicy:
    """Set which statuses each admin action may start from, within the state machine."""
    if not isinstance(config, dict):
        raise InvalidInput("config", _("The policy is a mapping of action to statuses."))
    cleaned = {}
    for action, statuses in config.items():
        if action not in POLICY_ACTIONS:
            raise InvalidInput(
                f"config.{action}",
                _("Unknown action %(action)s; the policy covers %(actions)s.")
                % {"action": action, "actions": ", ".join(POLICY_ACTIONS)},
            )
        if not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
            raise InvalidInput(f"config.{action}", _("Give the statuses as a list."))
        allowed = TRANSITIONS[action].from_statuses
        outside = [s for s in statuses if s not in allowed]
        if outside:
            raise InvalidInput(
                f"config.{action}",
                _("%(action)s can only start from %(allowed)s, not %(outside)s.")
                % {
                    "action": action,
                    "allowed": ", ".join(s for s in RunStatus.values if s in allowed),
                    "outside": ", ".join(outside),
                },
            )
        cleaned[action] = [s for s in RunStatus.values if s in statuses]
    policy = ProductionPolicy.current()
    policy.config = cleaned
    policy.updated_by_id = actor.user_id
    policy.save()
    return policy


# ---------------------------------------------------------------- tasks of a run


def _check_task_holder(task: Task, actor: Actor, run: ProductionRun | None = None) -> None:
    """A partner reaches only the tasks of runs it holds (its own stand-alone tasks too).

    The API scopes its reads the same way; checking here as well means no
    caller can work or comment on another partner's task by its id.
    """
    if not actor.is_partner:
        return
    if task.run_id is not None:
        holder = (run or ProductionRun.objects.only("partner_id").get(pk=task.run_id)).partner_id
    else:
        holder = task.partner_id
    if holder != actor.partner_id:
        raise NotFound(_("No task with id %(id)s.") % {"id": task.pk})


def _lock_run_for_task_work(task: Task, actor: Actor, *, done: str | None = None) -> None:
    """A partner works a run's tasks only while the run is in progress (accepted).

    Repeating what is already done stays a quiet no-op whatever the run's
    status: ticking the last item completes the run, and a client that
    retries that tick must not be told it is too late.
    """
    if task.run_id is None:
        _check_task_holder(task, actor)
        return
    run = ProductionRun.objects.select_for_update().get(pk=task.run_id)
    _check_task_holder(task, actor, run)
    if run.status == RunStatus.IN_PROGRESS:
        record_progress(run.pk)
        return
    if done and Task.objects.filter(pk=task.pk, status=done).exists():
        return
    if run.status in (RunStatus.SENT_TO_PARTNER, RunStatus.APPROVED):
        detail = _("Accept %(ref)s before working on its tasks.") % {"ref": run.reference}
    else:
        detail = _("%(ref)s is %(status)s; its tasks cannot be worked on now.") % {
            "ref": run.reference,
            "status": status_label(run.status),
        }
    raise TransitionNotAllowed(detail, status=run.status, action="work_task")


@transaction.atomic
def run_task_accept(*, task: Task, actor: Actor) -> Task:
    _lock_run_for_task_work(task, actor, done=TaskStatus.ACCEPTED)
    return work.task_accept(task=task, actor=actor)


@transaction.atomic
def run_task_finish(*, task: Task, actor: Actor) -> work.FinishResult:
    _lock_run_for_task_work(task, actor, done=TaskStatus.COMPLETED)
    return work.task_finish(task=task, actor=actor)


@transaction.atomic
def run_subtask_complete(*, task: Task, subtask: Task, actor: Actor) -> work.FinishResult:
    if subtask.parent_id != task.pk:
        raise NotFound(_("No such checklist item on this task."))
    _lock_run_for_task_work(subtask, actor, done=TaskStatus.COMPLETED)
    return work.task_finish(task=subtask, actor=actor)


def task_comment_add(*, task: Task, actor: Actor, body: str) -> TaskComment:
    """Comments are open in any run status: a workshop may ask before it accepts."""
    _check_task_holder(task, actor)
    return work.comment_add(task=task, actor=actor, body=body)


# ---------------------------------------------------------------- consumption and media


@transaction.atomic
def consumption_log_add(
    *,
    run: ProductionRun,
    actor: Actor,
    material: Material,
    quantity,
    unit: str | None = None,
    consumption_type: str | None = None,
    notes: str = "",
) -> ConsumptionLog:
    try:
        amount = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise InvalidInput("quantity", _("The quantity must be a number.")) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("quantity", _("The quantity must be above zero."))
    if amount >= Decimal("1e9") or amount != amount.quantize(Decimal("0.001")):
        raise InvalidInput("quantity", _("Give the quantity with at most three decimals."))
    if consumption_type is not None and consumption_type not in ConsumptionType.values:
        raise InvalidInput("consumption_type", _("The type must be sample, production or wastage."))
    current = ProductionRun.objects.select_for_update().get(pk=run.pk)
    if current.status != RunStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            _("Material can be logged only while %(ref)s is in progress; it is %(status)s.")
            % {"ref": current.reference, "status": status_label(current.status)},
            status=current.status,
            action="log_consumption",
        )
    record_progress(current.pk)
    return ConsumptionLog.objects.create(
        run=current,
        material=material,
        quantity=amount,
        unit=(unit or "").strip() or material.unit,
        consumption_type=consumption_type or current.run_type,
        notes=notes or "",
        logged_by_id=actor.user_id,
        logged_by_name=actor.name,
    )


ALLOWED_MEDIA_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "application/pdf": "PDF",
}


def _sniff_media_type(upload) -> str | None:
    """What the file really is, read from its first bytes, not from its name."""
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _checked_upload(upload) -> tuple[str, ContentFile | None]:
    """The upload's real type and, for an image, its preview; InvalidInput naming the file."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise InvalidInput(
            "files",
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
        )
    content_type = _sniff_media_type(upload)
    if content_type is None:
        raise InvalidInput(
            "files",
            _("%(name)s is not a JPEG, PNG, WebP, GIF image or a PDF.") % {"name": upload.name},
        )
    if not content_type.startswith("image/"):
        return content_type, None
    try:
        return content_type, make_preview(upload)
    except UnreadableImage:
        raise InvalidInput(
            "files",
            _(
                "%(name)s could not be opened as an image. Save it again from the "
                "camera or gallery app and upload that copy."
            )
            % {"name": upload.name},
        ) from None


@transaction.atomic
def media_add(*, run: ProductionRun, actor: Actor, files: Sequence) -> list[MediaFile]:
    """Attach photos or PDFs to a run (shown on its design too)."""
    if not files:
        raise InvalidInput("files", _("Choose at least one file to upload."))
    # Every file is checked (and its preview made) before anything is written.
    checked = [(upload, *_checked_upload(upload)) for upload in files]
    names = ", ".join(upload.name for upload, _type, _preview in checked)
    current = transition(run, "media_added", actor=actor, note=names).run
    created = []
    for upload, content_type, preview in checked:
        media = MediaFile(
            run=current,
            design_id=current.design_id,
            original_name=upload.name[:300],
            content_type=content_type,
            size=upload.size,
            uploaded_by_id=actor.user_id,
            uploaded_by_name=actor.name,
        )
        media.file.save(upload.name[-100:], upload, save=False)
        if preview is not None:
            media.preview.save("preview.jpg", preview, save=False)
        media.save(force_insert=True)
        created.append(media)
    return created
