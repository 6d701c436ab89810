"""What surrounds a run, as read objects both audiences share: its tasks, their
comments, its files, the material logged on it and its history.

The admin's builders here read everything of a run; a partner's go through
`partner_selectors`, which narrows each to what the workshop may see and then
uses the same converters (`task_view`, `comment_view`, `media_view`), so a
field shows the same way to both.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from loomworks.core.errors import NotFound
from loomworks.core.formatting import as_decimal
from loomworks.production.labels import DECLINE_REASONS, history_label
from loomworks.production.models import ConsumptionLog, MediaFile, ProductionRun, RunHistory
from loomworks.production.read_models import (
    CommentView,
    ConsumptionView,
    HistoryEntry,
    MaterialRef,
    MaterialUse,
    MediaView,
    RunRef,
    TaskView,
)
from loomworks.work.models import Task, TaskComment

# ---------------------------------------------------------------- tasks


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
        quality_check=task.quality_check,
        check_result=task.check_result,
        check_note=task.check_note,
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
        kind=media.kind,
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
        corrected_at=log.corrected_at,
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


def material_use(
    run_id: str,
    snapshot: dict,
    quantity: int,
    *,
    good: int | None = None,
    part_ids: Sequence[str] = (),
) -> tuple[MaterialUse, ...]:
    """Planned use (the snapshot's bill of materials × the run's quantity) beside what was
    logged, per material and unit: a use logged in another unit is a row of its own.

    With `good` (the good pieces delivered) each row also tells the use per good
    piece, to set beside the plan's per piece. A split run's use is its parts'
    (`part_ids`): it logs none of its own.
    """
    logged: dict[tuple[str | None, str], dict] = {}
    for row in (
        ConsumptionLog.objects.filter(run_id__in=[run_id, *part_ids])
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
                good=good,
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
                good=good,
            )
        )
    return tuple(rows)


def history_note(row: RunHistory) -> str:
    """A history row's note in the reader's language where it was made from data.

    A decline keeps its reason as a code: "No capacity: full until May" is
    written from it now, not in the language of whoever declined.
    """
    details = row.details or {}
    if row.kind == "decline" and details.get("reason") in DECLINE_REASONS:
        reason = str(DECLINE_REASONS[details["reason"]])
        notes = details.get("notes") or ""
        return f"{reason}: {notes}" if notes else reason
    return row.note


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
            note=history_note(row),
            occurred_at=row.occurred_at,
            closed_on_completion=int((row.details or {}).get("closed_on_completion") or 0),
        )
        for row in RunHistory.objects.filter(run_id=run_id).order_by("occurred_at", "id")
    )


# ---------------------------------------------------------------- a design's files


def admin_design_files(design_id: str) -> tuple[MediaView, ...]:
    """The brand's files of a design as they are now (not those taken off), oldest first;
    one query."""
    return tuple(
        media_view(media)
        for media in MediaFile.objects.filter(
            design_id=design_id, run__isnull=True, removed_at__isnull=True
        ).order_by("created_at", "id")
    )


def admin_design_file(design_id: str, file_id: str) -> MediaFile:
    """One of the design's files (not taken off), or NotFound."""
    media = MediaFile.objects.filter(
        pk=file_id, design_id=design_id, run__isnull=True, removed_at__isnull=True
    ).first()
    if media is None:
        raise NotFound(_("The design has no file with id %(id)s.") % {"id": file_id})
    return media
