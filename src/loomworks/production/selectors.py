"""Every read of runs that is more than a lookup.

Partner-facing reads start from `runs_visible_to(partner)` or
`tasks_visible_to(partner)`: an object outside that scope is not found, the
same as one that does not exist.
"""

import re
from dataclasses import dataclass

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from loomworks.catalog.models import Design
from loomworks.core.errors import NotFound
from loomworks.partners.models import Partner
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionRun,
    RunDependency,
    RunStatus,
    attach_progress,
)
from loomworks.work.models import Task, TaskStatus

# A partner sees its runs from approval on: an approved run is upcoming work.
PARTNER_VISIBLE_STATUSES = (
    RunStatus.APPROVED,
    RunStatus.SENT_TO_PARTNER,
    RunStatus.IN_PROGRESS,
    RunStatus.COMPLETED,
    RunStatus.CANCELLED,
)

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


def with_progress(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """The runs, each fetched run given `progress_completed` and `progress_total`.

    Leaf tasks are counted, cancelled ones left out; see `RunQuerySet`.
    """
    return queryset.with_progress()


def progress_of(run: ProductionRun) -> dict:
    """`{completed, total}`: from the annotation when present, else counted now."""
    if hasattr(run, "progress_total"):
        return {"completed": run.progress_completed, "total": run.progress_total}
    if hasattr(run, "_prefetched_objects_cache") and "tasks" in run._prefetched_objects_cache:
        tasks = list(run.tasks.all())
        parents = {task.parent_id for task in tasks if task.parent_id}
        leaves = [
            t
            for t in tasks
            if t.status != TaskStatus.CANCELLED and (t.parent_id or t.pk not in parents)
        ]
        return {
            "completed": sum(1 for t in leaves if t.status == TaskStatus.COMPLETED),
            "total": len(leaves),
        }
    attach_progress([run])
    return {"completed": run.progress_completed, "total": run.progress_total}


# ---------------------------------------------------------------- lists


@dataclass
class RunFilters:
    status: str | None = None
    partner_id: str | None = None
    run_type: str | None = None
    design_id: str | None = None
    parent_run_id: str | None = None
    top_level: bool | None = None
    late: bool | None = None
    q: str | None = None
    order: str = "-created_at"


_REFERENCE = re.compile(r"^\s*(?:pr-?)?(\d{1,18})\s*$", re.IGNORECASE)


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
        condition |= Q(number=int(match.group(1)))
    return queryset.filter(condition)


def late_condition() -> Q:
    today = timezone.localdate()
    open_runs = ~Q(status__in=TERMINAL_STATUSES)
    return open_runs & (
        Q(promised_date__lt=today) | Q(promised_date__isnull=True, due_date__lt=today)
    )


def run_list(
    filters: RunFilters, *, base: QuerySet[ProductionRun] | None = None
) -> QuerySet[ProductionRun]:
    """Runs matching `filters`, ordered, with design and partner joined and progress annotated.

    Filters combine with AND; a blank search is ignored. The number of
    queries does not depend on how many rows a page holds.
    """
    queryset = base if base is not None else ProductionRun.objects.all()
    if filters.status:
        queryset = queryset.filter(status=filters.status)
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
    return with_progress(
        queryset.select_related("design", "partner").prefetch_related(
            Prefetch("depends_on", queryset=ProductionRun.objects.only("id"))
        )
    ).order_by(*ordering)


# ---------------------------------------------------------------- detail


def _task_prefetch() -> Prefetch:
    subtasks = Prefetch("subtasks", queryset=Task.objects.order_by("position", "created_at"))
    return Prefetch(
        "tasks",
        queryset=Task.objects.filter(parent__isnull=True)
        .order_by("position", "created_at")
        .prefetch_related(subtasks),
        to_attr="top_level_tasks",
    )


def run_detail(run_id: str, *, base: QuerySet[ProductionRun] | None = None) -> ProductionRun:
    """One run with everything a detail page shows, in a fixed number of queries."""
    queryset = base if base is not None else ProductionRun.objects.all()
    related = ProductionRun.objects.select_related("partner", "design")
    # Joined: what every detail shows. Prefetched: where the run came from (no
    # query when it was made by hand) and the runs around it. Joining all nine
    # tables in one statement cost PostgreSQL ~11 ms to plan and 1 ms to run.
    run = (
        with_progress(queryset.filter(pk=run_id))
        .select_related("design", "partner", "previous_partner", "parent")
        .prefetch_related(
            "order",
            "order_line",
            "product",
            "variant",
            _task_prefetch(),
            Prefetch("children", queryset=with_progress(related).order_by("order_group", "number")),
            Prefetch("dependents", queryset=related.order_by("number")),
            Prefetch("depends_on", queryset=related.order_by("number")),
            Prefetch(
                "parent__children", queryset=ProductionRun.objects.order_by("order_group", "number")
            ),
        )
        .first()
    )
    if run is None:
        raise NotFound()
    return run


@dataclass
class RunFamily:
    """A run and the runs around it, loaded for the admin detail in six queries.

    Every run in it has design and partner joined, `progress_*` set and
    `depends_on_run_ids` listed; `tasks` are the top-level tasks, each with
    its subtasks in `checklist`.
    """

    run: ProductionRun
    tasks: list[Task]
    parent: ProductionRun | None
    children: list[ProductionRun]
    depends_on: list[ProductionRun]
    dependents: list[ProductionRun]


def _edges(condition: Q) -> list[tuple[str, str]]:
    return list(RunDependency.objects.filter(condition).values_list("run_id", "depends_on_id"))


def run_family(run_id: str) -> RunFamily:
    """The admin detail's data: one query each for the run, its edges, the runs
    around it, their progress, their own edges and the tasks; none per row."""
    run = (
        ProductionRun.objects.select_related("design", "partner", "previous_partner")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound()
    edges = _edges(Q(run_id=run.pk) | Q(depends_on_id=run.pk))
    depends_on_ids = [target for source, target in edges if source == run.pk]
    dependent_ids = [source for source, target in edges if target == run.pk]
    around = list(
        ProductionRun.objects.select_related("design", "partner")
        .defer("snapshot", "metadata")
        .filter(
            Q(pk__in=[*depends_on_ids, *dependent_ids, run.parent_id or ""]) | Q(parent_id=run.pk)
        )
        .order_by("number")
    )
    attach_progress([run, *around])
    around_edges = _edges(Q(run_id__in=[other.pk for other in around]))
    for other in around:
        other.depends_on_run_ids = [t for s, t in around_edges if s == other.pk]
    run.depends_on_run_ids = depends_on_ids
    by_id = {other.pk: other for other in around}
    children = sorted(
        (other for other in around if other.parent_id == run.pk),
        key=lambda other: (other.order_group is None, other.order_group or 0, other.number),
    )
    tasks = list(Task.objects.filter(run_id=run.pk).order_by("position", "created_at", "id"))
    top_level = [task for task in tasks if task.parent_id is None]
    for task in top_level:
        task.checklist = [sub for sub in tasks if sub.parent_id == task.pk]
    return RunFamily(
        run=run,
        tasks=top_level,
        parent=by_id.get(run.parent_id) if run.parent_id else None,
        children=children,
        depends_on=[by_id[pk] for pk in sorted(depends_on_ids, key=lambda pk: by_id[pk].number)],
        dependents=[by_id[pk] for pk in sorted(dependent_ids, key=lambda pk: by_id[pk].number)],
    )


def related_runs_for_partner(run: ProductionRun, partner) -> dict:
    """The runs around a partner's run, with reference, role and status only.

    Uses what `run_detail` prefetched: parent, siblings (the parent's other
    parts), what this run waits for and what waits for it.
    """

    def item(other: ProductionRun) -> dict:
        return {
            "id": other.pk,
            "reference": other.reference,
            "role": other.role,
            "status": other.status,
            "is_own": other.partner_id == partner.pk,
        }

    siblings = []
    if run.parent_id:
        siblings = [item(s) for s in run.parent.children.all() if s.pk != run.pk]
    return {
        "parent": item(run.parent) if run.parent_id else None,
        "siblings": siblings,
        "depends_on": [item(d) for d in run.depends_on.all()],
        "dependents": [item(d) for d in run.dependents.all()],
    }


def run_history(run: ProductionRun):
    return run.history.select_related("actor").order_by("occurred_at", "id")
