"""Every read of runs that is more than a lookup, and the admin's read model.

Partner-facing reads start from `runs_visible_to(partner)` or
`tasks_visible_to(partner)`: an object outside that scope is not found, the
same as one that does not exist. A partner's read objects are built in
`partner_selectors`; the admin's here, from the pieces both share (progress,
tasks, comments, files, material use). See `read_models` for the types.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from loomworks.catalog.models import Design
from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.core.formatting import as_decimal
from loomworks.partners.models import Partner
from loomworks.production.labels import history_label
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ConsumptionLog,
    MediaFile,
    ProductionPolicy,
    ProductionRun,
    RunDependency,
    RunHistory,
    RunStatus,
)
from loomworks.production.read_models import (
    AdminRun,
    AdminRunDetail,
    CommentView,
    ConsumptionView,
    DesignRef,
    HistoryEntry,
    MaterialRef,
    MaterialUse,
    MediaView,
    PartnerRef,
    Progress,
    RunFacts,
    RunOrigin,
    RunRef,
    TaskView,
)
from loomworks.production.states import allowed_actions
from loomworks.work.models import Task, TaskComment, TaskStatus

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
    "dispatch",
    "accept",
    "start",
    "finish",
    "complete",
    "reassign",
    "edit",
    "tasks_added",
    "cancel",
)
PARTNER_COMMANDS = ("accept", "decline", "start", "finish", "complete", "media_added")

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
    """Tasks that count for progress: subtasks, and tasks without subtasks; not cancelled."""
    has_subtasks = Exists(Task.objects.filter(parent_id=OuterRef("pk")))
    return Task.objects.exclude(status=TaskStatus.CANCELLED).filter(
        Q(parent__isnull=False) | ~has_subtasks
    )


def _counted(tasks: QuerySet[Task], key: str) -> QuerySet:
    return (
        tasks.order_by()
        .values(key)
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(status=TaskStatus.COMPLETED)),
        )
        .values_list(key, "total", "completed")
    )


def progress_by_run(run_ids: Iterable[str]) -> dict[str, Progress]:
    """`Progress` of each run, in one query for any number of runs.

    A run counts its own leaf tasks and its parts' (a split run has none of
    its own after the split: its progress is its parts').
    """
    run_ids = list(dict.fromkeys(run_ids))
    if not run_ids:
        return {}
    own = _counted(_leaf_tasks().filter(run_id__in=run_ids), "run_id")
    parts = _counted(_leaf_tasks().filter(run__parent_id__in=run_ids), "run__parent_id")
    progress = dict.fromkeys(run_ids, Progress())
    for run_id, total, completed in own.union(parts, all=True):
        progress[run_id] = progress[run_id] + Progress(completed=completed, total=total)
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


@dataclass(frozen=True)
class Page:
    """One page of read objects and how many rows the whole list holds."""

    items: tuple = ()
    count: int = 0
    limit: int = 20
    offset: int = 0


# ---------------------------------------------------------------- the admin's runs


def design_ref(design) -> DesignRef:
    return DesignRef(id=design.pk, name=design.name, thumbnail_url=design.thumbnail_url)


def partner_ref(partner) -> PartnerRef | None:
    if partner is None:
        return None
    return PartnerRef(id=partner.pk, name=partner.name, handle=partner.handle)


def run_facts(run: ProductionRun, *, progress: Progress, depends_on: tuple[str, ...]) -> dict:
    """The fields of `RunFacts`, from a run with design and partner loaded."""
    return {
        "id": run.pk,
        "reference": run.reference,
        "status": run.status,
        "stage": run.stage,
        "run_type": run.run_type,
        "quantity": run.quantity,
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
        "is_late": run.is_late,
        "notes": run.notes,
        "progress": progress,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


def _admin_run(
    run: ProductionRun,
    *,
    progress: Progress,
    depends_on: tuple[str, ...],
    has_parts: bool,
    parent_reference: str | None = None,
) -> AdminRun:
    return AdminRun(
        **run_facts(run, progress=progress, depends_on=depends_on),
        previous_partner_id=run.previous_partner_id,
        has_parts=has_parts,
        parent_reference=parent_reference,
    )


def _with_parts_flag(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """`has_parts` and the parent's number, in the same SELECT (no query of their own)."""
    return queryset.annotate(
        has_parts_flag=Exists(ProductionRun.objects.filter(parent_id=OuterRef("pk"))),
        parent_number=F("parent__number"),
    )


def admin_run_queryset(filters: RunFilters) -> QuerySet[ProductionRun]:
    """The admin's runs matching `filters`, ready for `admin_run_rows` (page them first)."""
    return _with_parts_flag(run_list(filters))


def admin_run_rows(runs: Iterable[ProductionRun]) -> list[AdminRun]:
    """Read objects for fetched rows of `admin_run_queryset` (it selects what they need
    besides the run): two queries for any number of rows."""
    runs = list(runs)
    ids = [run.pk for run in runs]
    progress = progress_by_run(ids)
    depends_on = depends_on_ids(ids)
    return [
        _admin_run(
            run,
            progress=progress[run.pk],
            depends_on=depends_on[run.pk],
            has_parts=run.has_parts_flag,
            parent_reference=f"PR-{run.parent_number}" if run.parent_number else None,
        )
        for run in runs
    ]


def admin_run_page(filters: RunFilters, *, limit: int, offset: int) -> Page:
    queryset = admin_run_queryset(filters)
    rows = admin_run_rows(queryset[offset : offset + limit])
    return Page(items=tuple(rows), count=queryset.count(), limit=limit, offset=offset)


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


# ---------------------------------------------------------------- tasks, comments, files


def task_view(
    task: Task, *, runs: dict[str, RunRef] | None = None, subtasks: tuple[TaskView, ...] = ()
) -> TaskView:
    """One task as both audiences see it; `runs` names its run."""
    runs = runs or {}
    return TaskView(
        id=task.pk,
        title=task.title,
        description=task.description,
        status=task.status,
        priority=task.priority,
        position=task.position,
        run_id=task.run_id,
        run=runs.get(task.run_id) if task.run_id else None,
        parent_task_id=task.parent_id,
        template_id=task.template_id,
        due_date=task.due_date,
        accepted_at=task.accepted_at,
        completed_at=task.completed_at,
        created_at=task.created_at,
        subtasks=subtasks,
    )


def task_views(tasks: Iterable[Task], *, runs: dict[str, RunRef] | None = None) -> list[TaskView]:
    """Top-level tasks with their checklist items, from one list of tasks of any depth.

    Items whose task is not in the list are left out; `runs` names the run of each.
    """
    tasks = list(tasks)
    by_parent: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        if task.parent_id:
            by_parent[task.parent_id].append(task)
    return [
        task_view(
            task,
            runs=runs,
            subtasks=tuple(task_view(sub, runs=runs) for sub in by_parent.get(task.pk, ())),
        )
        for task in tasks
        if task.parent_id is None
    ]


def admin_tasks_by_id(task_ids: Sequence[str]) -> list[TaskView]:
    """Top-level tasks (as a service returned them) with their checklists, in the order
    given, in one query."""
    tasks = Task.objects.filter(Q(pk__in=task_ids) | Q(parent_id__in=task_ids)).order_by(
        "position", "created_at", "id"
    )
    views = {view.id: view for view in task_views(tasks)}
    return [views[task_id] for task_id in task_ids if task_id in views]


def run_ref(run: ProductionRun) -> RunRef:
    return RunRef(id=run.pk, reference=run.reference, status=run.status)


def comment_view(comment: TaskComment) -> CommentView:
    return CommentView(
        id=comment.pk,
        task_id=comment.task_id,
        body=comment.body,
        author_kind=comment.author_kind,
        author_name=comment.author_name,
        created_at=comment.created_at,
    )


def media_view(media: MediaFile) -> MediaView:
    return MediaView(
        id=media.pk,
        run_id=media.run_id,
        design_id=media.design_id,
        url=media.file.url,
        preview_url=media.preview_url,
        name=media.original_name,
        content_type=media.content_type,
        size=media.size,
        is_image=media.is_image,
        uploaded_by=media.uploaded_by_name,
        created_at=media.created_at,
        file_name=media.file.name,
        preview_name=media.preview.name or "",
    )


def comment_threads(comments: Iterable[TaskComment]) -> dict[str, tuple[CommentView, ...]]:
    threads: dict[str, list[CommentView]] = defaultdict(list)
    for comment in comments:
        threads[comment.task_id].append(comment_view(comment))
    return {task_id: tuple(thread) for task_id, thread in threads.items()}


def admin_run_comments(run_id: str) -> dict[str, tuple[CommentView, ...]]:
    """Every comment on the run's tasks and checklist items, oldest first, by task id."""
    return comment_threads(
        TaskComment.objects.filter(task__run_id=run_id).order_by("created_at", "id")
    )


def admin_task_comments(task_id: str) -> tuple[CommentView, ...]:
    """A task's whole conversation with its partner, oldest first."""
    comments = TaskComment.objects.filter(task_id=task_id).order_by("created_at", "id")
    return tuple(comment_view(comment) for comment in comments)


def admin_run_media(run_id: str) -> tuple[MediaView, ...]:
    """Every file on the run, whoever uploaded it."""
    files = MediaFile.objects.filter(run_id=run_id).order_by("created_at", "id")
    return tuple(media_view(media) for media in files)


def consumption_view(log: ConsumptionLog) -> ConsumptionView:
    return ConsumptionView(
        id=log.pk,
        material=MaterialRef(id=log.material.pk, sku=log.material.sku, name=log.material.name),
        quantity=log.quantity,
        unit=log.unit,
        consumption_type=log.consumption_type,
        notes=log.notes,
        logged_by=log.logged_by_name,
        consumed_at=log.consumed_at,
    )


def run_consumption(run_id: str, *, limit: int | None = None) -> tuple[ConsumptionView, ...]:
    """The material logged on a run (the caller has scoped the run), newest first."""
    logs = (
        ConsumptionLog.objects.filter(run_id=run_id)
        .select_related("material")
        .order_by("-consumed_at", "-id")
    )
    if limit is not None:
        logs = logs[:limit]
    return tuple(consumption_view(log) for log in logs)


def material_use(run_id: str, snapshot: dict, quantity: int) -> tuple[MaterialUse, ...]:
    """Planned use (the snapshot's bill of materials × the run's quantity) beside what was
    logged, per material and unit: a use logged in another unit is a row of its own."""
    logged: dict[tuple[str | None, str], dict] = {}
    for row in (
        ConsumptionLog.objects.filter(run_id=run_id)
        .values("material_id", "unit", "material__name", "material__sku")
        .annotate(total=Sum("quantity"))
        .order_by("material__name", "unit")
    ):
        logged[(row["material_id"], row["unit"])] = row
    rows = []
    for line in snapshot.get("materials") or []:
        if not isinstance(line, dict):
            continue
        unit = line.get("unit") or ""
        per_piece = as_decimal(line.get("planned_quantity"))
        material_id = line.get("material_id")
        used = logged.pop((material_id, unit), None) if material_id else None
        rows.append(
            MaterialUse(
                name=line.get("name") or "",
                sku=line.get("sku") or "",
                unit=unit,
                per_piece=per_piece,
                planned=per_piece * quantity if per_piece is not None else None,
                used=used["total"] if used else None,
            )
        )
    for (_material_id, unit), row in logged.items():
        rows.append(
            MaterialUse(
                name=row["material__name"],
                sku=row["material__sku"],
                unit=unit,
                per_piece=None,
                planned=None,
                used=row["total"],
            )
        )
    return tuple(rows)


def run_history(run: ProductionRun):
    return run.history.select_related("actor").order_by("occurred_at", "id")


def admin_run_history(run_id: str) -> tuple[HistoryEntry, ...]:
    """The run's whole history, oldest first, with the brand's labels."""
    return tuple(
        HistoryEntry(
            kind=row.kind,
            label=history_label(row.kind),
            from_status=row.from_status,
            to_status=row.to_status,
            actor_kind=row.actor_kind,
            actor_name=row.actor_name or str(row.get_actor_kind_display()),
            note=row.note,
            occurred_at=row.occurred_at,
        )
        for row in RunHistory.objects.filter(run_id=run_id).order_by("occurred_at", "id")
    )


# ---------------------------------------------------------------- the admin's run page


def _number(run: AdminRun) -> int:
    return int(run.reference.removeprefix("PR-"))


def admin_run_detail(run_id: str) -> AdminRunDetail:
    """One run with everything its admin page and the API detail show, in six queries:
    the run (with the production policy), its edges, the runs around it, their
    progress, their edges and the tasks; a seventh, where it came from, only for a
    run made from a store order."""
    # The policy that narrows admin actions comes with the run, in the same SELECT.
    policy = ProductionPolicy.objects.filter(pk=1).values("config")[:1]
    run = (
        _with_parts_flag(ProductionRun.objects.select_related("design", "partner"))
        .select_related("previous_partner")
        .annotate(policy_config=Subquery(policy, output_field=JSONField()))
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
    around_condition = Q(pk__in=[*waits_for, *dependent_ids, run.parent_id or ""]) | Q(
        parent_id=run.pk
    )
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
    views = {
        other.pk: _admin_run(
            other,
            progress=progress[other.pk],
            depends_on=around_edges[other.pk],
            has_parts=other.has_parts_flag,
        )
        for other in around
    }
    this = _admin_run(
        run,
        progress=progress[run.pk],
        depends_on=tuple(waits_for),
        has_parts=run.has_parts_flag,
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
