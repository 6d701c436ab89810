"""Every read of runs that is more than a lookup, and the admin's read model.

Partner-facing reads start from `runs_visible_to(partner)` or
`tasks_visible_to(partner)`: an object outside that scope is not found, the
same as one that does not exist. A partner's read objects are built in
`partner_selectors`; the admin's here. Both use the scopes, progress and run
facts below, and `run_records` for what surrounds a run (tasks, comments,
files, material use, history). See `read_models` for the types.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from loomworks.catalog.models import Design
from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.core.models import AuditEntry
from loomworks.core.paging import Page, page_of
from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production.labels import DECLINE_REASONS
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionPolicy,
    ProductionRun,
    RunDependency,
    RunHistory,
    RunStatus,
)
from loomworks.production.outputs import (
    OutputFacts,
    output_facts,
    rejected_left_to_rework,
    with_parts_output,
    with_rework_flag,
)
from loomworks.production.read_models import (
    BULK_AUDIT_TARGET,
    AdminRun,
    AdminRunDetail,
    BulkResult,
    BulkRunOutcome,
    DesignRef,
    PartnerRef,
    Progress,
    RunFacts,
    RunOrigin,
)
from loomworks.production.run_records import task_views
from loomworks.production.size_matrix import cells_of
from loomworks.production.states import allowed_actions
from loomworks.production.workshop_load import open_load_by_partner
from loomworks.work.models import Task, TaskStatus

# A partner sees its runs from approval on: an approved run is upcoming work.
PARTNER_VISIBLE_STATUSES = (
    RunStatus.APPROVED,
    RunStatus.SENT_TO_PARTNER,
    RunStatus.IN_PROGRESS,
    RunStatus.COMPLETED,
    RunStatus.CANCELLED,
)

# The commands each audience's API and pages offer, in the order buttons show.
ADMIN_COMMANDS = (
    "approve",
    "quantity_confirmed",
    "dispatch",
    "accept",
    "start",
    "deliver",
    "finish",
    "complete",
    "rework",
    "reassign",
    "edit",
    "tasks_added",
    "cancel",
)
# A workshop's one end step is the hand-over (its last delivery); the API's finish and
# complete routes still work, but are not offered.
PARTNER_COMMANDS = ("accept", "decline", "start", "deliver", "hand_over", "media_added")

ORDERINGS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "status": ("status", "-created_at", "-id"),
    "-status": ("-status", "-created_at", "-id"),
    "quantity": ("quantity", "-created_at", "-id"),
    "-quantity": ("-quantity", "-created_at", "-id"),
    "due_date": ("due_date", "-created_at", "-id"),
    "-due_date": ("-due_date", "-created_at", "-id"),
    "reference": ("number",),
    "-reference": ("-number",),
}


# ---------------------------------------------------------------- scopes


def runs_visible_to(partner) -> QuerySet[ProductionRun]:
    return ProductionRun.objects.filter(partner=partner, status__in=PARTNER_VISIBLE_STATUSES)


def tasks_visible_to(partner) -> QuerySet[Task]:
    """A partner's own tasks on runs it can see (and its stand-alone tasks)."""
    return Task.objects.filter(partner=partner).filter(
        Q(run__isnull=True) | Q(run__partner=partner, run__status__in=PARTNER_VISIBLE_STATUSES)
    )


def run_visible_to(partner, run_id: str) -> ProductionRun:
    run = runs_visible_to(partner).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def task_visible_to(partner, task_id: str) -> Task:
    task = tasks_visible_to(partner).filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


# ---------------------------------------------------------------- progress


def _leaf_tasks() -> QuerySet[Task]:
    """Tasks that count for progress: subtasks, and tasks without subtasks."""
    has_subtasks = Exists(Task.objects.filter(parent_id=OuterRef("pk")))
    return Task.objects.filter(Q(parent__isnull=False) | ~has_subtasks)


def _counted(tasks: QuerySet[Task], key: str, run_cancelled: Q) -> QuerySet:
    live = ~Q(status=TaskStatus.CANCELLED)
    return (
        tasks.order_by()
        .values(key)
        .annotate(
            total=Count("pk", filter=live),
            completed=Count("pk", filter=Q(status=TaskStatus.COMPLETED)),
            closed=Count("pk", filter=Q(status=TaskStatus.CLOSED)),
            cancelled=Count("pk", filter=Q(status=TaskStatus.CANCELLED) & run_cancelled),
        )
        .values_list(key, "total", "completed", "closed", "cancelled")
    )


def progress_by_run(run_ids: Iterable[str]) -> dict[str, Progress]:
    """`Progress` of each run, in one query for any number of runs.

    A run counts its own leaf tasks and its parts' (a split run has none of
    its own after the split: its progress is its parts'). Cancelled tasks do
    not count, except on a cancelled run, where they are `cancelled`: the
    work it stopped with is not shown as all done.
    """
    run_ids = list(dict.fromkeys(run_ids))
    if not run_ids:
        return {}
    cancelled = RunStatus.CANCELLED
    own = _counted(_leaf_tasks().filter(run_id__in=run_ids), "run_id", Q(run__status=cancelled))
    parts = _counted(
        _leaf_tasks().filter(run__parent_id__in=run_ids),
        "run__parent_id",
        Q(run__parent__status=cancelled),
    )
    progress = dict.fromkeys(run_ids, Progress())
    for run_id, total, completed, closed, stopped in own.union(parts, all=True):
        progress[run_id] = progress[run_id] + Progress(
            completed=completed, total=total, closed=closed, cancelled=stopped
        )
    return progress


def depends_on_ids(run_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    edges: dict[str, list[str]] = defaultdict(list)
    if run_ids:
        for source, target in RunDependency.objects.filter(run_id__in=run_ids).values_list(
            "run_id", "depends_on_id"
        ):
            edges[source].append(target)
    return {run_id: tuple(edges.get(run_id, ())) for run_id in run_ids}


# ---------------------------------------------------------------- filters and lists


@dataclass
class RunFilters:
    status: str | None = None
    statuses: tuple[str, ...] | None = None
    partner_id: str | None = None
    run_type: str | None = None
    design_id: str | None = None
    parent_run_id: str | None = None
    top_level: bool | None = None
    late: bool | None = None
    q: str | None = None
    order: str = "-created_at"


_REFERENCE = re.compile(r"^\s*(?:pr-?)?(\d{1,18})\s*$", re.IGNORECASE)
_MAX_DIGITS = 12  # run numbers up to a thousand billion are found by a prefix


def _search(queryset: QuerySet[ProductionRun], q: str) -> QuerySet[ProductionRun]:
    """Runs whose id, reference, design name or partner name/handle contains `q`.

    The matching designs and partners are looked up first (small tables), so
    the runs are filtered by indexed ids instead of an OR across two joins
    that makes PostgreSQL scan every run: measured 220 ms → 10 ms for the
    count at 100k runs (benchmarks/).
    """
    q = q.strip()
    match = _REFERENCE.match(q)
    design_ids = list(Design.objects.filter(name__icontains=q).values_list("pk", flat=True))
    partner_ids = list(
        Partner.objects.filter(Q(name__icontains=q) | Q(handle__icontains=q)).values_list(
            "pk", flat=True
        )
    )
    condition = Q(pk=q) | Q(design_id__in=design_ids) | Q(partner_id__in=partner_ids)
    if match:
        condition |= _reference_prefix(match.group(1))
    return queryset.filter(condition)


def _reference_prefix(digits: str) -> Q:
    """Runs whose reference starts with `PR-<digits>`: PR-101 finds PR-101, PR-1012, PR-10150…

    One range of numbers per extra digit, each read from the unique index on
    `number`, instead of casting every number to text.
    """
    start = int(digits)
    condition = Q(number=start)
    if start == 0:
        return condition
    for extra in range(1, _MAX_DIGITS - len(digits.lstrip("0")) + 1):
        low = start * 10**extra
        condition |= Q(number__gte=low, number__lt=low + 10**extra)
    return condition


def runs_ready_to_send() -> QuerySet[ProductionRun]:
    """Approved runs an admin can send now, however they got there.

    First steps, runs whose earlier steps completed, runs reassigned after a
    decline: each has an active partner, no part of its own (a split run is
    sent through its parts) and no dependency still open — what the dispatch
    guard checks.
    """
    open_dependency = RunDependency.objects.filter(run_id=OuterRef("pk")).exclude(
        depends_on__status=RunStatus.COMPLETED
    )
    has_parts = ProductionRun.objects.filter(parent_id=OuterRef("pk"))
    return ProductionRun.objects.filter(
        status=RunStatus.APPROVED,
        partner__status=PartnerStatus.ACTIVE,
        proposed_quantity__isnull=True,  # a quantity to confirm first
    ).exclude(Exists(open_dependency) | Exists(has_parts))


def late_condition() -> Q:
    """Open runs whose deadline (the promised date, else the due date) has passed.

    Written as the expression and condition of the `run_open_deadline` index
    (`COALESCE(promised_date, due_date)` on open runs), so PostgreSQL reads the
    late runs from it instead of scanning every run: 0.3–0.7 s → a few ms at 1M.
    """
    deadline = Coalesce("promised_date", "due_date")
    open_runs = ~Q(status__in=TERMINAL_STATUSES)
    return open_runs & Q(LessThan(deadline, Value(timezone.localdate())))


def run_list(
    filters: RunFilters, *, base: QuerySet[ProductionRun] | None = None
) -> QuerySet[ProductionRun]:
    """Runs matching `filters`, ordered, with design and partner joined.

    Filters combine with AND; a blank search is ignored. Turn the fetched rows
    into read objects with `admin_run_rows` (or `partner_selectors.partner_run_rows`):
    that costs two queries whatever the number of rows.
    """
    queryset = base if base is not None else ProductionRun.objects.all()
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.statuses is not None:
        queryset = queryset.filter(status__in=filters.statuses)
    if filters.partner_id:
        queryset = queryset.filter(partner_id=filters.partner_id)
    if filters.run_type:
        queryset = queryset.filter(run_type=filters.run_type)
    if filters.design_id:
        queryset = queryset.filter(design_id=filters.design_id)
    if filters.parent_run_id:
        queryset = queryset.filter(parent_id=filters.parent_run_id)
    if filters.top_level:
        queryset = queryset.filter(parent__isnull=True)
    if filters.late:
        queryset = queryset.filter(late_condition())
    if filters.q and filters.q.strip():
        queryset = _search(queryset, filters.q)
    ordering = ORDERINGS.get(filters.order or "-created_at", ORDERINGS["-created_at"])
    return queryset.select_related("design", "partner").order_by(*ordering)


# ---------------------------------------------------------------- the admin's runs


def design_ref(design) -> DesignRef:
    return DesignRef(id=design.pk, name=design.name, thumbnail_url=design.thumbnail_url)


def partner_ref(partner) -> PartnerRef | None:
    if partner is None:
        return None
    return PartnerRef(id=partner.pk, name=partner.name, handle=partner.handle)


def run_facts(
    run: ProductionRun, *, progress: Progress, depends_on: tuple[str, ...], output: OutputFacts
) -> dict:
    """The fields of `RunFacts`, from a run with design and partner loaded."""
    return {
        "id": run.pk,
        "reference": run.reference,
        "status": run.status,
        "stage": run.stage,
        "run_type": run.run_type,
        "quantity": run.quantity,
        "size_quantities": cells_of(run.size_quantities),
        "role": run.role,
        "design": design_ref(run.design),
        "partner": partner_ref(run.partner) if run.partner_id else None,
        "parent_run_id": run.parent_id,
        "order_group": run.order_group,
        "depends_on_run_ids": depends_on,
        "order_id": run.order_id,
        "order_line_id": run.order_line_id,
        "product_id": run.product_id,
        "variant_id": run.variant_id,
        "accepted_at": run.accepted_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "completed_at": run.completed_at,
        "cancelled_at": run.cancelled_at,
        "cancelled_reason": run.cancelled_reason,
        "due_date": run.due_date,
        "promised_date": run.promised_date,
        "deadline": run.deadline,
        "deadline_kind": str(run.deadline_kind),
        "is_late": run.is_late,
        "notes": run.notes,
        "progress": progress,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "output": output.output,
        "deliveries": output.deliveries,
        "rework_of": run.rework_of_id,
        "reworks": output.reworks,
    }


def _admin_run(
    run: ProductionRun,
    *,
    progress: Progress,
    depends_on: tuple[str, ...],
    has_parts: bool,
    output: OutputFacts,
    parent_reference: str | None = None,
) -> AdminRun:
    return AdminRun(
        **run_facts(run, progress=progress, depends_on=depends_on, output=output),
        previous_partner_id=run.previous_partner_id,
        has_parts=has_parts,
        parent_reference=parent_reference,
        proposed_quantity=run.proposed_quantity,
    )


def _with_parts_flag(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """`has_parts`, reworks and the parent's number, in the same SELECT (no query of
    their own)."""
    return with_parts_output(with_rework_flag(queryset)).annotate(
        has_parts_flag=Exists(ProductionRun.objects.filter(parent_id=OuterRef("pk"))),
        parent_number=F("parent__number"),
    )


def admin_run_queryset(
    filters: RunFilters, *, matching: QuerySet[ProductionRun] | None = None
) -> QuerySet[ProductionRun]:
    """The admin's runs matching `filters`, ready for `admin_run_rows` (page them first).
    `matching`: `run_list(filters)` when the caller has it already (a search looks up
    designs and partners once), to count from."""
    return _with_parts_flag(run_list(filters) if matching is None else matching)


def admin_run_rows(runs: Iterable[ProductionRun]) -> list[AdminRun]:
    """Read objects for fetched rows of `admin_run_queryset` (it selects what they need
    besides the run): two queries for any number of rows, and up to four more for
    their output (`outputs.output_facts`) when some have deliveries, parts or reworks."""
    runs = list(runs)
    ids = [run.pk for run in runs]
    progress = progress_by_run(ids)
    depends_on = depends_on_ids(ids)
    outputs = output_facts(runs, has_parts={run.pk: run.has_parts_flag for run in runs})
    return [
        _admin_run(
            run,
            progress=progress[run.pk],
            depends_on=depends_on[run.pk],
            has_parts=run.has_parts_flag,
            output=outputs[run.pk],
            parent_reference=f"PR-{run.parent_number}" if run.parent_number else None,
        )
        for run in runs
    ]


def admin_run_page(
    filters: RunFilters, *, limit: int, offset: int = 0, cursor: str | None = None
) -> Page:
    """A page of the admin's runs (`core.paging`: capped total, keyset `cursor`)."""
    matching = run_list(filters)
    return page_of(
        admin_run_queryset(filters, matching=matching),
        limit=limit,
        offset=offset,
        cursor=cursor,
        rows=admin_run_rows,
        count_from=matching,
    )


def admin_runs_by_id(run_ids: Iterable[str]) -> dict[str, AdminRun]:
    """Runs as the admin's lists show them, by id (three queries for any number)."""
    run_ids = list(run_ids)
    if not run_ids:
        return {}
    runs = admin_run_queryset(RunFilters()).filter(pk__in=run_ids)
    return {run.pk: run for run in admin_run_rows(runs)}


def admin_run(run_id: str) -> AdminRun:
    run = admin_runs_by_id([run_id]).get(run_id)
    if run is None:
        raise NotFound()
    return run


# ---------------------------------------------------------------- the admin's run page


def _number(run: AdminRun) -> int:
    return int(run.reference.removeprefix("PR-"))


def admin_run_detail(run_id: str) -> AdminRunDetail:
    """One run with everything its admin page and the API detail show, in six queries:
    the run (with the production policy), its edges, the runs around it, their
    progress, their edges and the tasks; a seventh, where it came from, only for a
    run made from a store order."""
    # The policy that narrows admin actions comes with the run, in the same SELECT.
    policy = ProductionPolicy.objects.filter(pk=1)
    run = (
        _with_parts_flag(ProductionRun.objects.select_related("design", "partner"))
        .select_related("previous_partner")
        .annotate(
            policy_config=Subquery(policy.values("config")[:1], output_field=JSONField()),
            policy_reasons=Subquery(
                policy.values("rejection_reasons")[:1], output_field=JSONField()
            ),
        )
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound()
    edges = list(
        RunDependency.objects.filter(Q(run_id=run.pk) | Q(depends_on_id=run.pk)).values_list(
            "run_id", "depends_on_id"
        )
    )
    waits_for = [target for source, target in edges if source == run.pk]
    dependent_ids = [source for source, target in edges if target == run.pk]
    # Ids, not subqueries: an OR of `IN (SELECT …)` makes PostgreSQL read every run.
    around_condition = Q(
        pk__in=[*waits_for, *dependent_ids, run.parent_id or "", run.rework_of_id or ""]
    ) | Q(parent_id=run.pk)
    if run.has_reworks_flag:
        around_condition |= Q(rework_of_id=run.pk)
    if run.parent_id:
        around_condition |= Q(parent_id=run.parent_id)
    around = list(
        _with_parts_flag(
            ProductionRun.objects.select_related("design", "partner").defer("snapshot", "metadata")
        )
        .filter(around_condition)
        .exclude(pk=run.pk)
        .order_by("number")
    )
    progress = progress_by_run([run.pk, *(other.pk for other in around)])
    around_edges = depends_on_ids([other.pk for other in around])
    outputs = output_facts(
        [run, *around],
        has_parts={other.pk: other.has_parts_flag for other in [run, *around]},
        reasons=run.policy_reasons,
    )
    views = {
        other.pk: _admin_run(
            other,
            progress=progress[other.pk],
            depends_on=around_edges[other.pk],
            has_parts=other.has_parts_flag,
            output=outputs[other.pk],
        )
        for other in around
    }
    this = _admin_run(
        run,
        progress=progress[run.pk],
        depends_on=tuple(waits_for),
        has_parts=run.has_parts_flag,
        output=outputs[run.pk],
        parent_reference=f"PR-{run.parent_number}" if run.parent_number else None,
    )
    tasks = Task.objects.filter(run_id=run.pk).order_by("position", "created_at", "id")
    children = sorted(
        (views[other.pk] for other in around if other.parent_id == run.pk),
        key=lambda other: (other.order_group is None, other.order_group or 0, _number(other)),
    )
    siblings = (
        sorted(
            (
                views[other.pk]
                for other in around
                if run.parent_id and other.parent_id == run.parent_id
            ),
            key=lambda other: (other.order_group is None, other.order_group or 0, _number(other)),
        )
        if run.parent_id
        else []
    )

    def by_number(ids: Iterable[str]) -> tuple[AdminRun, ...]:
        return tuple(sorted((views[pk] for pk in ids if pk in views), key=_number))

    admin = Actor(kind=Actor.ADMIN)
    checks = allowed_actions(this, admin, has_parts=this.has_parts, policy=run.policy_config or {})
    allowed = {check.action for check in checks if check.allowed}
    return AdminRunDetail(
        run=this,
        snapshot=run.snapshot or {},
        planned_template_ids=tuple(run.planned_template_ids or ()),
        previous_partner=partner_ref(run.previous_partner),
        tasks=tuple(task_views(tasks)),
        parent=views.get(run.parent_id) if run.parent_id else None,
        siblings=tuple(siblings),
        children=tuple(children),
        depends_on=by_number(waits_for),
        dependents=by_number(dependent_ids),
        actions=tuple(action for action in ADMIN_COMMANDS if action in allowed),
        origin=_origin(run),
        produced_quantity=run.produced_quantity,
        rejected_quantity=run.rejected_quantity,
        rework_of=views.get(run.rework_of_id) if run.rework_of_id else None,
        reworks=by_number(this.reworks),
        rejected_left_to_rework=rejected_left_to_rework(run) if run.rejected_quantity else 0,
    )


def _origin(run: ProductionRun) -> RunOrigin:
    """Where the run came from; a query only for a run that came from the store."""
    if not (run.order_id or run.order_line_id or run.product_id or run.variant_id):
        return RunOrigin()
    row = (
        ProductionRun.objects.filter(pk=run.pk)
        .values(
            "order__external_id",
            "order_line__external_id",
            "product__title",
            "variant__sku",
        )
        .first()
    ) or {}
    return RunOrigin(
        order_external_id=row.get("order__external_id"),
        order_line_external_id=row.get("order_line__external_id"),
        product_title=row.get("product__title"),
        variant_sku=row.get("variant__sku"),
    )


def admin_actions(run: RunFacts | ProductionRun, *, has_parts: bool) -> tuple[str, ...]:
    """The commands an admin may give on `run` now (one query, for the policy)."""
    checks = allowed_actions(run, Actor(kind=Actor.ADMIN), has_parts=has_parts)
    allowed = {check.action for check in checks if check.allowed}
    return tuple(action for action in ADMIN_COMMANDS if action in allowed)


# ---------------------------------------------------------------- reassigning


@dataclass(frozen=True)
class DeclineFacts:
    """Why the last partner turned a run down, as the reassign page shows it."""

    reason: str
    reason_label: str
    notes: str
    by: str
    at: object


@dataclass(frozen=True)
class Candidate:
    """A partner a run could go to, with the work it holds now."""

    partner: Partner
    open_runs: int
    open_quantity: int  # pieces still to make on those runs
    next_due: date | None = None
    late: int = 0


def last_decline(run: ProductionRun) -> DeclineFacts | None:
    """The decline that left the run awaiting reassignment, if that is where it stands."""
    if run.status != RunStatus.AWAITING_REASSIGNMENT:
        return None
    row = RunHistory.objects.filter(run_id=run.pk, kind="decline").order_by("-occurred_at").first()
    if row is None:
        return None
    reason = (row.details or {}).get("reason", "")
    return DeclineFacts(
        reason=reason,
        reason_label=str(DECLINE_REASONS.get(reason, reason)),
        notes=(row.details or {}).get("notes", ""),
        by=row.actor_name,
        at=row.occurred_at,
    )


def reassign_candidates() -> list[Candidate]:
    """Every active partner with the work it holds now (two queries; see `workshop_load`)."""
    partners = list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name", "id"))
    loads = open_load_by_partner([p.pk for p in partners], today=timezone.localdate())
    return [
        Candidate(
            partner=p,
            open_runs=loads[p.pk].runs,
            open_quantity=loads[p.pk].pieces,
            next_due=loads[p.pk].next_due,
            late=loads[p.pk].late,
        )
        for p in partners
    ]


def templates_sent_before(run: ProductionRun) -> list[str]:
    """The templates the run was last sent with, else the ones planned at approval."""
    row = (
        RunHistory.objects.filter(run_id=run.pk, kind="dispatch")
        .order_by("-occurred_at")
        .values_list("details", flat=True)
        .first()
    )
    ids = (row or {}).get("template_ids") or []
    return [tid for tid in (ids or run.planned_template_ids or []) if tid]


# ---------------------------------------------------------------- a split run's steps


@dataclass(frozen=True)
class PartStep:
    """One part of a split run as its steps table shows it: what it needs next."""

    run: AdminRun
    step: int
    # assign, wait, confirm (the quantity), send, reassign, accept, finish,
    # complete, done, cancelled, review
    need: str
    waits_for: tuple[str, ...] = ()  # references of the open runs it waits for


def part_steps(children: Sequence[AdminRun]) -> list[PartStep]:
    """The parts of a split run, in step order, each with what must happen next.

    Decided from the read objects already fetched for the run page: no query.
    """
    by_id = {child.id: child for child in children}
    steps = []
    for child in children:
        waiting = tuple(
            by_id[other].reference if other in by_id else other
            for other in child.depends_on_run_ids
            if other not in by_id or by_id[other].status != RunStatus.COMPLETED
        )
        steps.append(
            PartStep(
                run=child,
                step=child.order_group or 1,
                need=_next_need(child, waiting),
                waits_for=waiting,
            )
        )
    return steps


def _next_need(run: AdminRun, waiting: tuple[str, ...]) -> str:
    status = run.status
    if status == RunStatus.APPROVED:
        if run.partner is None:
            return "assign"
        if waiting:
            return "wait"
        return "confirm" if run.proposed_quantity is not None else "send"
    return {
        RunStatus.AWAITING_REASSIGNMENT: "reassign",
        RunStatus.SENT_TO_PARTNER: "accept",
        RunStatus.IN_PROGRESS: "finish" if run.progress.open else "complete",
        RunStatus.COMPLETED: "done",
        RunStatus.CANCELLED: "cancelled",
    }.get(status, "review")


# ---------------------------------------------------------------- bulk actions


def bulk_result(bulk_id: str) -> BulkResult:
    """A bulk request as `services.runs_bulk_apply` recorded it (its audit row); NotFound
    when there is none with that id."""
    entry = AuditEntry.objects.filter(target_type=BULK_AUDIT_TARGET, target_id=bulk_id).first()
    if entry is None:
        raise NotFound()
    details = entry.details
    return BulkResult(
        id=bulk_id,
        action=details["action"],
        actor_name=entry.actor_name,
        occurred_at=entry.occurred_at,
        runs=tuple(
            BulkRunOutcome(
                run_id=run_id, reference=reference, outcome=outcome, detail=detail, status=status
            )
            for run_id, reference, outcome, detail, status in details["runs"]
        ),
        filters=details["selection"].get("filter"),
    )
