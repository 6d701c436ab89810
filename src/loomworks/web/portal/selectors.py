"""Reads the partner portal needs beyond `production.selectors`.

Every read here starts from the partner's scope (`runs_visible_to`,
`tasks_visible_to`), so another partner's run, task, comment or file is
simply not there. Each function costs a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from loomworks.catalog.models import Material
from loomworks.partners.models import PartnerMember
from loomworks.production.models import (
    ConsumptionLog,
    MediaFile,
    ProductionRun,
    RunHistory,
    RunStatus,
    RunType,
)
from loomworks.production.selectors import (
    RunFilters,
    run_detail,
    run_list,
    runs_visible_to,
    task_visible_to,
    tasks_visible_to,
)
from loomworks.work.models import Task, TaskComment

RUNS_PER_PAGE = 20

# The chips of "My runs": which statuses each one shows.
SHOWS = {
    "open": (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS),
    "waiting": (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER),
    "in_progress": (RunStatus.IN_PROGRESS,),
    "done": (RunStatus.COMPLETED, RunStatus.CANCELLED),
}
DEFAULT_SHOW = "open"
RUN_TYPES = tuple(RunType.values)

# History kinds that put a run in the partner's hands.
SENT_KINDS = ("dispatch", "reassign")


def _scoped(partner, run_type: str | None) -> QuerySet[ProductionRun]:
    runs = runs_visible_to(partner)
    if run_type in RUN_TYPES:
        runs = runs.filter(run_type=run_type)
    return runs


def my_runs(partner, *, run_type: str | None = None, show: str = DEFAULT_SHOW):
    """The partner's runs for one tab and chip, newest first, with `sent_at` annotated.

    `sent_at` is when the run last came to the partner (sent, or reassigned
    to it), which decides the "new" marker.
    """
    base = _scoped(partner, run_type).filter(status__in=SHOWS.get(show, SHOWS[DEFAULT_SHOW]))
    sent = (
        RunHistory.objects.filter(run_id=OuterRef("pk"), kind__in=SENT_KINDS)
        .order_by()
        .values("run_id")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    return run_list(RunFilters(), base=base).annotate(sent_at=Subquery(sent)).defer("snapshot")


def my_run_counts(partner, *, run_type: str | None = None) -> dict[str, int]:
    """How many runs each chip holds, in one query."""
    counts = _scoped(partner, run_type).aggregate(
        **{show: Count("pk", filter=Q(status__in=statuses)) for show, statuses in SHOWS.items()}
    )
    return {show: counts[show] or 0 for show in SHOWS}


def is_new(run: ProductionRun, last_seen) -> bool:
    """Sent (or re-sent) to the partner since the member last looked at the list."""
    sent_at = getattr(run, "sent_at", None)
    if sent_at is None:
        return False
    if last_seen is None:
        return run.status == RunStatus.SENT_TO_PARTNER
    return sent_at > last_seen


# ---------------------------------------------------------------- the run page


def my_run(partner, run_id: str) -> ProductionRun:
    """One of the partner's runs with its tasks, related runs and progress (404 outside scope).

    `run.my_tasks` holds the top-level tasks that are the partner's own:
    tasks left on the run by a previous partner are not shown.
    """
    run = run_detail(run_id, base=runs_visible_to(partner))
    run.my_tasks = [task for task in run.top_level_tasks if task.partner_id == partner.pk]
    for task in run.my_tasks:
        task.checklist = [sub for sub in task.subtasks.all() if sub.partner_id == partner.pk]
    return run


def comments_by_task(
    partner, *, run: ProductionRun | None = None, task: Task | None = None
) -> dict[str, list[TaskComment]]:
    """Comments on the partner's tasks of `run` (or on one `task`), oldest first, by top-level task.

    A comment on a checklist item is shown in its task's thread, with the
    item it is about (`comment.about`).
    """
    tasks = tasks_visible_to(partner)
    if run is not None:
        tasks = tasks.filter(run=run)
    if task is not None:
        tasks = tasks.filter(Q(pk=task.pk) | Q(parent_id=task.pk))
    comments = (
        TaskComment.objects.filter(task__in=tasks)
        .annotate(top_task_id=Coalesce("task__parent_id", "task_id"), about_title=F("task__title"))
        .order_by("created_at", "id")
    )
    grouped: dict[str, list[TaskComment]] = defaultdict(list)
    for comment in comments:
        comment.about = comment.about_title if comment.top_task_id != comment.task_id else ""
        grouped[comment.top_task_id].append(comment)
    return grouped


def my_task(partner, task_id: str) -> Task:
    """A top-level task of the partner's with its checklist and run (for one task card)."""
    task = task_visible_to(partner, task_id)
    task = (
        tasks_visible_to(partner)
        .select_related("run")
        .prefetch_related(
            Prefetch(
                "subtasks",
                queryset=Task.objects.filter(partner=partner).order_by("position", "created_at"),
            )
        )
        .get(pk=task.pk)
    )
    task.checklist = list(task.subtasks.all())
    return task


def member_user_ids(partner) -> set[int]:
    """The users who act for the partner (to tell its own history rows from others')."""
    return set(PartnerMember.objects.filter(partner=partner).values_list("user_id", flat=True))


def run_timeline(run: ProductionRun) -> list[RunHistory]:
    return list(run.history.order_by("occurred_at", "id"))


@dataclass
class MaterialUse:
    name: str
    unit: str
    planned: Decimal | None
    used: Decimal

    @property
    def difference(self) -> Decimal | None:
        return None if self.planned is None else self.used - self.planned

    @property
    def planned_text(self) -> str:
        return quantity_text(self.planned) if self.planned is not None else ""

    @property
    def used_text(self) -> str:
        return quantity_text(self.used)

    @property
    def is_over(self) -> bool:
        return self.planned is not None and self.used > self.planned

    @property
    def remaining_text(self) -> str:
        """How much is left of the plan, or how far over it the use went."""
        difference = self.difference
        return "" if difference is None else quantity_text(abs(difference))

    @property
    def percent(self) -> int:
        if not self.planned:
            return 0
        return min(100, round(100 * self.used / self.planned))


def quantity_text(value: Decimal) -> str:
    """2.500 → "2.5", 15 → "15": no trailing zeros, no exponent."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0))


def material_use(run: ProductionRun) -> list[MaterialUse]:
    """Planned (the snapshot's bill of materials × quantity) beside what was logged, per material."""
    used: dict[tuple[str, str], Decimal] = {}
    names: dict[str, str] = {}
    for row in (
        ConsumptionLog.objects.filter(run=run)
        .values("material_id", "unit", "material__name")
        .annotate(total=Sum("quantity"))
        .order_by("material__name", "unit")
    ):
        used[(row["material_id"], row["unit"])] = row["total"]
        names[row["material_id"]] = row["material__name"]
    rows = []
    for line in run.snapshot.get("materials", []):
        key = (line.get("material_id"), line.get("unit") or "")
        planned = _decimal(line.get("planned_quantity")) * run.quantity
        rows.append(
            MaterialUse(
                name=line.get("name") or "",
                unit=key[1],
                planned=planned,
                used=used.pop(key, Decimal("0")),
            )
        )
    for (material_id, unit), total in used.items():
        rows.append(MaterialUse(name=names[material_id], unit=unit, planned=None, used=total))
    return rows


def recent_consumption(run: ProductionRun, limit: int = 20) -> list[ConsumptionLog]:
    logs = list(
        ConsumptionLog.objects.filter(run=run)
        .select_related("material")
        .order_by("-consumed_at", "-id")[:limit]
    )
    for log in logs:
        log.quantity_text = quantity_text(log.quantity)
    return logs


def material_choices(run: ProductionRun) -> QuerySet[Material]:
    """Every material; the page puts the design's own first."""
    return Material.objects.order_by("name")


def run_media(run: ProductionRun) -> list[MediaFile]:
    """Files of this run and the brand's files of its design (not other runs' uploads)."""
    return list(
        MediaFile.objects.filter(
            Q(run=run) | Q(run__isnull=True, design_id=run.design_id)
        ).order_by("created_at", "id")
    )


def media_visible_to(partner, name: str) -> MediaFile | None:
    """The stored file (or preview) `name` when it belongs to one of the partner's runs or
    their designs."""
    runs = runs_visible_to(partner)
    return (
        MediaFile.objects.filter(Q(file=name) | Q(preview=name))
        .filter(Q(run__in=runs) | Q(run__isnull=True, design_id__in=runs.values("design_id")))
        .first()
    )
