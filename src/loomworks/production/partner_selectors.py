"""What a partner may read, beyond its scopes in `selectors`.

Everything here starts from `runs_visible_to(partner)` or
`tasks_visible_to(partner)`, so another partner's run, task, comment, log or
file is not found — the same answer as an id that does not exist. A run the
partner sees may share a design, a parent or dependencies with other
partners' runs; those show up with reference, role and status only, and
another partner's tasks, comments and uploads never show up at all.
"""

import re

from django.db.models import F, Prefetch, Q, QuerySet

from loomworks.catalog.models import Material
from loomworks.core.errors import NotFound
from loomworks.production.models import ConsumptionLog, MediaFile, ProductionRun
from loomworks.production.selectors import (
    RunFilters,
    run_detail,
    run_list,
    runs_visible_to,
    tasks_visible_to,
)
from loomworks.work.models import AuthorKind, Task, TaskComment

# Ids are `prefix_` + base32. Anything else cannot name a row, and some
# characters (NUL) would upset the database, so it is simply not found.
_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def _checked_id(value: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise NotFound()
    return value


# ---------------------------------------------------------------- runs


def partner_run(partner, run_id: str) -> ProductionRun:
    """The partner's run, for an action; 404 outside its scope."""
    run = runs_visible_to(partner).filter(pk=_checked_id(run_id)).first()
    if run is None:
        raise NotFound()
    return run


def partner_run_list(partner, filters: RunFilters) -> QuerySet[ProductionRun]:
    """The partner's runs, newest first, design joined and progress annotated."""
    scoped = RunFilters(
        status=filters.status,
        run_type=filters.run_type,
        design_id=filters.design_id,
        q=filters.q,
        order="-created_at",
    )
    return run_list(scoped, base=runs_visible_to(partner))


def partner_run_detail(partner, run_id: str) -> ProductionRun:
    """One of the partner's runs with what its page shows, in a fixed number of queries.

    Sets `top_level_tasks` to the partner's own tasks only (a run that was
    declined by another workshop keeps that workshop's cancelled tasks),
    `run_media` to the files on this run and `design_media` to the design's
    files this partner may see.
    """
    run = run_detail(_checked_id(run_id), base=runs_visible_to(partner))
    own_tasks = []
    for task in run.top_level_tasks:
        if task.partner_id != partner.pk:
            continue
        task.own_subtasks = [sub for sub in task.subtasks.all() if sub.partner_id == partner.pk]
        own_tasks.append(task)
    run.top_level_tasks = own_tasks
    media = list(media_visible_to(partner).filter(Q(run=run) | Q(design_id=run.design_id)))
    run.run_media = [item for item in media if item.run_id == run.pk]
    run.design_media = [item for item in media if item.design_id == run.design_id]
    return run


def media_visible_to(partner) -> QuerySet[MediaFile]:
    """Files a partner may see: the brand's design files, and files on its own runs
    uploaded by the brand or by its own members (never another workshop's)."""
    own_runs = runs_visible_to(partner).values("pk")
    by_brand_or_own_members = Q(
        uploaded_by__membership__isnull=True, uploaded_by__isnull=False
    ) | Q(uploaded_by__membership__partner=partner)
    return MediaFile.objects.filter(
        Q(run__isnull=True) | (Q(run__in=own_runs) & by_brand_or_own_members)
    ).order_by("created_at", "id")


def consumption_logs_of(run: ProductionRun) -> QuerySet[ConsumptionLog]:
    """The material logged on one run (the caller has scoped the run), newest first."""
    return run.consumption_logs.select_related("material").order_by("-consumed_at", "-id")


def material_by_id(material_id: str) -> Material | None:
    if not isinstance(material_id, str) or not _ID.fullmatch(material_id):
        return None
    return Material.objects.filter(pk=material_id).first()


def materials_list(q: str | None = None) -> QuerySet[Material]:
    materials = Material.objects.order_by("name", "sku")
    if q and q.strip():
        q = q.strip()
        materials = materials.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    return materials


# ---------------------------------------------------------------- tasks


def _with_subtasks(tasks: QuerySet[Task], partner) -> QuerySet[Task]:
    subtasks = Task.objects.filter(partner=partner).order_by("position", "created_at")
    return tasks.select_related("run").prefetch_related(
        Prefetch("subtasks", queryset=subtasks, to_attr="own_subtasks")
    )


def assigned_tasks(
    partner, *, status: str | None = None, run_id: str | None = None
) -> QuerySet[Task]:
    """The partner's top-level tasks with their checklists: newest runs first, then by position."""
    tasks = tasks_visible_to(partner).filter(parent__isnull=True)
    if status:
        tasks = tasks.filter(status=status)
    if run_id:
        tasks = tasks.filter(run_id=run_id)
    return _with_subtasks(tasks, partner).order_by(
        F("run__created_at").desc(nulls_last=True), "run_id", "position", "created_at", "id"
    )


def assigned_task(partner, task_id: str) -> Task:
    """One of the partner's tasks (a top-level task or a checklist item) with its checklist."""
    task = (
        _with_subtasks(tasks_visible_to(partner), partner).filter(pk=_checked_id(task_id)).first()
    )
    if task is None:
        raise NotFound()
    return task


def assigned_subtask(partner, task: Task, subtask_id: str) -> Task:
    """A checklist item of `task`; an item of any other task is not found."""
    subtask = (
        tasks_visible_to(partner)
        .select_related("run")
        .filter(pk=_checked_id(subtask_id), parent_id=task.pk)
        .first()
    )
    if subtask is None:
        raise NotFound()
    return subtask


def task_comments_for_partner(partner, task: Task) -> QuerySet[TaskComment]:
    """A task's conversation as the partner sees it, oldest first: the brand's
    comments and its own members'. A task handed over from another workshop
    keeps that workshop's comments out of sight."""
    return (
        TaskComment.objects.filter(task=task)
        .filter(Q(author_kind=AuthorKind.ADMIN) | Q(author__membership__partner=partner))
        .order_by("created_at", "id")
    )
