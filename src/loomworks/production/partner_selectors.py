"""What a partner may read: its read model, always built from its scope.

Everything here starts from `runs_visible_to(partner)` or
`tasks_visible_to(partner)`, so another partner's run, task, comment, log or
file is not found — the same answer as an id that does not exist. A run the
partner sees may share a design, a parent or dependencies with other
partners' runs; those show up with reference, role and status only, and
another partner's tasks, comments, uploads and people never show up at all:
not in the API, not on the portal's pages, not through the file view.
"""

import re
from collections.abc import Iterable

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from loomworks.catalog.models import Material
from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.core.paging import Page, page_of
from loomworks.partners.models import PartnerMember
from loomworks.production.labels import history_label
from loomworks.production.models import (
    ConsumptionLog,
    MediaFile,
    ProductionPolicy,
    ProductionRun,
    RunDependency,
    RunHistory,
    RunStatus,
)
from loomworks.production.outputs import OutputFacts, output_facts, with_rework_flag
from loomworks.production.read_models import (
    CommentView,
    HistoryEntry,
    MediaView,
    PartnerDesign,
    PartnerRun,
    PartnerRunDetail,
    RelatedRun,
    RelatedRuns,
    TaskView,
)
from loomworks.production.rejections import reasons_of
from loomworks.production.run_records import (
    comment_threads,
    comment_view,
    history_note,
    media_view,
    run_ref,
    task_view,
    task_views,
)
from loomworks.production.selectors import (
    PARTNER_COMMANDS,
    RunFilters,
    depends_on_ids,
    progress_by_run,
    run_facts,
    run_list,
    runs_visible_to,
    tasks_visible_to,
)
from loomworks.production.states import allowed_actions
from loomworks.work.models import AuthorKind, Task, TaskComment

# Ids are `prefix_` + base32. Anything else cannot name a row, and some
# characters (NUL) would upset the database, so it is simply not found.
_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")

# History kinds that put a run in the partner's hands.
SENT_KINDS = ("dispatch", "reassign")


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


def _partner_run(
    run: ProductionRun, *, progress, depends_on, output: OutputFacts, sent_at=None
) -> PartnerRun:
    return PartnerRun(
        **run_facts(run, progress=progress, depends_on=depends_on, output=output),
        sent_at=sent_at,
    )


def _with_sent_at(queryset: QuerySet[ProductionRun]) -> QuerySet[ProductionRun]:
    """When each run last came to its partner (sent, or reassigned to it)."""
    sent = (
        RunHistory.objects.filter(run_id=OuterRef("pk"), kind__in=SENT_KINDS)
        .order_by()
        .values("run_id")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    return with_rework_flag(queryset.annotate(sent_at=Subquery(sent)))


def _partner_runs(partner, filters: RunFilters) -> QuerySet[ProductionRun]:
    """The partner's runs, newest first, filtered (what a partner may filter on)."""
    scoped = RunFilters(
        status=filters.status,
        statuses=filters.statuses,
        run_type=filters.run_type,
        design_id=filters.design_id,
        q=filters.q,
        order="-created_at",
    )
    return run_list(scoped, base=runs_visible_to(partner))


def partner_run_queryset(
    partner, filters: RunFilters, *, matching: QuerySet[ProductionRun] | None = None
) -> QuerySet[ProductionRun]:
    """The partner's runs, newest first, filtered; turn a page into `partner_run_rows`.
    `matching`: `_partner_runs` when the caller has it already, to count from."""
    runs = _partner_runs(partner, filters) if matching is None else matching
    return _with_sent_at(runs).defer("snapshot")


def partner_run_rows(runs: Iterable[ProductionRun]) -> list[PartnerRun]:
    """Read objects for fetched rows of `partner_run_queryset` (or `partner_run_view`):
    two queries for any number of rows, and up to three more for their output when
    some have deliveries or reworks. A partner's run never has parts."""
    runs = list(runs)
    ids = [run.pk for run in runs]
    progress = progress_by_run(ids)
    depends_on = depends_on_ids(ids)
    outputs = output_facts(runs, has_parts={})
    return [
        _partner_run(
            run,
            progress=progress[run.pk],
            depends_on=depends_on[run.pk],
            output=outputs[run.pk],
            sent_at=run.sent_at,
        )
        for run in runs
    ]


def partner_run_page(
    partner, filters: RunFilters, *, limit: int, offset: int = 0, cursor: str | None = None
) -> Page:
    """A page of the partner's runs (`core.paging`: capped total, keyset `cursor`)."""
    matching = _partner_runs(partner, filters)
    return page_of(
        partner_run_queryset(partner, filters, matching=matching),
        limit=limit,
        offset=offset,
        cursor=cursor,
        rows=partner_run_rows,
        count_from=matching,
    )


def partner_run_view(run: ProductionRun) -> PartnerRun:
    """One run a partner service just acted on, as the partner sees it."""
    run = _with_sent_at(ProductionRun.objects.select_related("design", "partner")).get(pk=run.pk)
    return partner_run_rows([run])[0]


# ---------------------------------------------------------------- files


def media_visible_to(partner) -> QuerySet[MediaFile]:
    """Files a partner may see: the brand's files of the designs of its runs, and the
    files on its own runs uploaded by the brand or by its own members (never another
    workshop's: a run declined by one workshop and given to another keeps the first
    one's photos out of sight)."""
    own_runs = runs_visible_to(partner)
    by_brand_or_own_members = Q(
        uploaded_by__membership__isnull=True, uploaded_by__isnull=False
    ) | Q(uploaded_by__membership__partner=partner)
    brand_design_files = Q(run__isnull=True, design_id__in=own_runs.values("design_id"))
    return MediaFile.objects.filter(
        brand_design_files | (Q(run__in=own_runs.values("pk")) & by_brand_or_own_members)
    ).order_by("created_at", "id")


def partner_media_file(partner, name: str) -> MediaFile | None:
    """The stored file (or its preview) `name`, when the partner's read model lists it."""
    return media_visible_to(partner).filter(Q(file=name) | Q(preview=name)).first()


# ---------------------------------------------------------------- the run page


def _edges_of(run: ProductionRun) -> list[tuple[str, str]]:
    """`(run_id, depends_on_id)` of every dependency the run is in, either end."""
    return list(
        RunDependency.objects.filter(Q(run_id=run.pk) | Q(depends_on_id=run.pk)).values_list(
            "run_id", "depends_on_id"
        )
    )


def _related(run: ProductionRun, partner, edges: list[tuple[str, str]]) -> RelatedRuns:
    """Parent, siblings, dependencies and dependents: reference, role and status only."""
    depends_on = [target for source, target in edges if source == run.pk]
    dependents = [source for source, target in edges if target == run.pk]
    condition = Q(pk__in=[*depends_on, *dependents, run.rework_of_id or ""]) | Q(
        rework_of_id=run.pk
    )
    if run.parent_id:
        condition |= Q(pk=run.parent_id) | Q(parent_id=run.parent_id)
    around = list(
        ProductionRun.objects.filter(condition)
        .exclude(pk=run.pk)
        .only(
            "id",
            "number",
            "role",
            "status",
            "partner_id",
            "parent_id",
            "order_group",
            "rework_of_id",
        )
        .order_by("order_group", "number")
    )

    def item(other: ProductionRun) -> RelatedRun:
        return RelatedRun(
            id=other.pk,
            reference=other.reference,
            role=other.role,
            status=other.status,
            is_own=other.partner_id == partner.pk,
        )

    by_id = {other.pk: other for other in around}

    def pick(ids) -> tuple[RelatedRun, ...]:
        return tuple(
            item(other)
            for other in sorted((by_id[pk] for pk in ids if pk in by_id), key=lambda o: o.number)
        )

    return RelatedRuns(
        parent=item(by_id[run.parent_id]) if run.parent_id in by_id else None,
        siblings=tuple(
            item(other) for other in around if run.parent_id and other.parent_id == run.parent_id
        ),
        depends_on=pick(depends_on),
        dependents=pick(dependents),
        rework_of=item(by_id[run.rework_of_id]) if run.rework_of_id in by_id else None,
        reworks=tuple(item(other) for other in around if other.rework_of_id == run.pk),
    )


def partner_run_detail(partner, run_id: str) -> PartnerRunDetail:
    """One of the partner's runs with what its page and the API detail show, in a fixed
    number of queries. Only the partner's own tasks (a run declined by another workshop
    keeps that workshop's cancelled tasks) and the files it may see."""
    run = (
        _with_sent_at(runs_visible_to(partner).select_related("design", "partner"))
        .filter(pk=_checked_id(run_id))
        .first()
    )
    if run is None:
        raise NotFound()
    progress = progress_by_run([run.pk])[run.pk]
    edges = _edges_of(run)
    view = _partner_run(
        run,
        progress=progress,
        depends_on=tuple(target for source, target in edges if source == run.pk),
        output=output_facts([run], has_parts={})[run.pk],
        sent_at=run.sent_at,
    )
    tasks = Task.objects.filter(run_id=run.pk, partner=partner).order_by(
        "position", "created_at", "id"
    )
    files = [
        media_view(media)
        for media in media_visible_to(partner).filter(Q(run=run) | Q(design_id=run.design_id))
    ]
    named_files = _named_files(run.snapshot or {}, files)
    named = {m.id for m in named_files}
    # A split run has no partner (its parts have), so a partner's run never has parts.
    checks = allowed_actions(run, Actor(kind=Actor.PARTNER, partner_id=partner.pk), has_parts=False)
    allowed = {check.action for check in checks if check.allowed}
    return PartnerRunDetail(
        run=view,
        design=_design(
            run,
            media=tuple(
                m
                for m in files
                if m.design_id == run.design_id and (m.run_id is not None or m.id in named)
            ),
            files=named_files,
        ),
        snapshot=run.snapshot or {},
        tasks=tuple(task_views(tasks, runs={run.pk: run_ref(run)})),
        media=tuple(m for m in files if m.run_id == run.pk),
        related=_related(run, partner, edges),
        actions=tuple(action for action in PARTNER_COMMANDS if action in allowed),
    )


def _named_files(snapshot: dict, files: list[MediaView]) -> tuple[MediaView, ...]:
    """The brand's design files the run's snapshot names, in its order (a file the
    brand took off the design later stays; one added later is not the run's)."""
    by_id = {m.id: m for m in files if m.run_id is None}
    named = [f.get("id") for f in snapshot.get("files") or () if isinstance(f, dict)]
    return tuple(by_id[file_id] for file_id in named if file_id in by_id)


def _design(
    run: ProductionRun, *, media: tuple[MediaView, ...], files: tuple[MediaView, ...] = ()
) -> PartnerDesign:
    """What the partner was asked to make: the run's snapshot of the design (later
    edits to the design do not change it), the live design's basics where the
    snapshot lacks them."""
    snapshot = run.snapshot or {}
    taken = snapshot.get("design") or {}
    design = run.design
    return PartnerDesign(
        id=design.pk,
        name=taken.get("name") or design.name,
        description=taken.get("description", design.description) or "",
        thumbnail_url=taken.get("thumbnail_url", design.thumbnail_url) or "",
        tags=tuple(taken.get("tags") or ()),
        notes=taken.get("notes") or "",
        specifications=tuple(snapshot.get("specifications") or ()),
        colors=tuple(snapshot.get("colors") or ()),
        size_sets=tuple(snapshot.get("size_sets") or ()),
        materials=tuple(snapshot.get("materials") or ()),
        media=media,
        measurement_unit=taken.get("measurement_unit") or "",
        measurement_points=tuple(snapshot.get("measurement_points") or ()),
        files=files,
    )


# ---------------------------------------------------------------- comments and history


def _comments_for(partner) -> QuerySet[TaskComment]:
    """Comments a partner may read: on its own tasks, by the brand or by its own members.

    A task handed over from another workshop keeps that workshop's comments
    (bodies and names) out of sight.
    """
    return TaskComment.objects.filter(task__in=tasks_visible_to(partner)).filter(
        Q(author_kind=AuthorKind.ADMIN) | Q(author__membership__partner=partner)
    )


def partner_run_comments(partner, run_id: str) -> dict[str, tuple[CommentView, ...]]:
    """The comments the partner may read on its tasks of a run, oldest first, by task id."""
    return comment_threads(
        _comments_for(partner).filter(task__run_id=run_id).order_by("created_at", "id")
    )


def partner_task_comments(partner, task_id: str) -> tuple[CommentView, ...]:
    """One task's conversation as the partner sees it, oldest first."""
    comments = _comments_for(partner).filter(task_id=task_id).order_by("created_at", "id")
    return tuple(comment_view(comment) for comment in comments)


def partner_thread_comments(partner, task_id: str) -> tuple[CommentView, ...]:
    """A task's conversation and its checklist items', as the partner sees them, oldest first."""
    comments = (
        _comments_for(partner)
        .filter(Q(task_id=task_id) | Q(task__parent_id=task_id))
        .order_by("created_at", "id")
    )
    return tuple(comment_view(comment) for comment in comments)


def partner_run_timeline(partner, run_id: str) -> tuple[HistoryEntry, ...]:
    """The run's history; another workshop's steps show without its people or notes."""
    own = set(PartnerMember.objects.filter(partner=partner).values_list("user_id", flat=True))
    entries = []
    for row in RunHistory.objects.filter(run_id=run_id).order_by("occurred_at", "id"):
        other = row.actor_kind == Actor.PARTNER and row.actor_id not in own
        entries.append(
            HistoryEntry(
                kind=row.kind,
                label=history_label(row.kind, partner=True),
                from_status=row.from_status,
                to_status=row.to_status,
                actor_kind=row.actor_kind,
                actor_name="" if other else row.actor_name,
                note="" if other else history_note(row),
                occurred_at=row.occurred_at,
                other_workshop=other,
                closed_on_completion=int((row.details or {}).get("closed_on_completion") or 0),
            )
        )
    return tuple(entries)


# ---------------------------------------------------------------- materials and output


def partner_consumption_log(partner, run: ProductionRun, log_id: str) -> ConsumptionLog:
    """A material entry on the partner's run; 404 for another run's or another's."""
    log = (
        ConsumptionLog.objects.select_related("material", "run", "logged_by__membership")
        .filter(pk=_checked_id(log_id), run=run, run__partner=partner)
        .first()
    )
    if log is None:
        raise NotFound()
    return log


def rejection_reasons() -> dict[str, str]:
    """The reasons a piece may be rejected for, code → label, as the brand set them."""
    return reasons_of(ProductionPolicy.current().rejection_reasons)


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


def assigned_tasks(
    partner, *, status: str | None = None, run_id: str | None = None
) -> QuerySet[Task]:
    """The partner's top-level tasks: newest runs first, then by position. Turn a page
    into read objects with `partner_task_rows`."""
    tasks = tasks_visible_to(partner).filter(parent__isnull=True)
    if status:
        tasks = tasks.filter(status=status)
    if run_id:
        tasks = tasks.filter(run_id=run_id)
    return tasks.select_related("run").order_by(
        F("run__created_at").desc(nulls_last=True), "run_id", "position", "created_at", "id"
    )


def partner_task_rows(partner, tasks: Iterable[Task]) -> list[TaskView]:
    """Read objects for fetched top-level tasks (run joined), each with the partner's own
    checklist items: one query for any number of tasks."""
    tasks = list(tasks)
    items = Task.objects.filter(
        parent_id__in=[task.pk for task in tasks], partner=partner
    ).order_by("position", "created_at", "id")
    runs = {task.run_id: run_ref(task.run) for task in tasks if task.run_id}
    return task_views([*tasks, *items], runs=runs)


def partner_task_page(
    partner, *, status: str | None, run_id: str | None, limit: int, offset: int
) -> Page:
    """A page of the partner's tasks, by offset (their order starts with the run's date,
    a column of another table: no keyset cursor), with the capped total."""
    return page_of(
        assigned_tasks(partner, status=status, run_id=run_id),
        limit=limit,
        offset=offset,
        rows=lambda tasks: partner_task_rows(partner, tasks),
    )


def assigned_task(partner, task_id: str) -> Task:
    """One of the partner's tasks (a top-level task or a checklist item), for an action."""
    task = tasks_visible_to(partner).select_related("run").filter(pk=_checked_id(task_id)).first()
    if task is None:
        raise NotFound()
    return task


def partner_task(partner, task_id: str) -> TaskView:
    """One of the partner's tasks as it sees it; a top-level task with its own checklist."""
    task = assigned_task(partner, task_id)
    if task.parent_id is None:
        return partner_task_rows(partner, [task])[0]
    return subtask_view(task)


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


def subtask_view(subtask: Task) -> TaskView:
    """A checklist item as the partner sees it, its run named."""
    runs = {subtask.run_id: run_ref(subtask.run)} if subtask.run_id else {}
    return task_view(subtask, runs=runs)


def run_declined_by(partner, run_id: str) -> ProductionRun | None:
    """The run this partner turned down and no longer holds (so a repeated decline can say so).

    Only the partner that declined it last, while nobody else has it in hand:
    what the brand did with it next is not the partner's to read.
    """
    run = (
        ProductionRun.objects.filter(pk=_checked_id(run_id), previous_partner_id=partner.pk)
        .exclude(partner_id=partner.pk)
        .first()
    )
    if run is None or run.status != RunStatus.AWAITING_REASSIGNMENT:
        return None
    return run


def already_declined(run: ProductionRun) -> str:
    return _("You declined %(ref)s already; the brand is finding another workshop.") % {
        "ref": run.reference
    }
