"""Reads the console needs beyond the production selectors: the dashboard's
lists, what a run page shows beside the run, and the directory pages.

Every function here runs a fixed number of queries, whatever the data.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_date, parse_datetime

from loomworks.catalog.models import Design, DesignStatus, Priority
from loomworks.core.limits import swatch
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import (
    OPEN_STATUSES,
    ConsumptionLog,
    ProductionPolicy,
    ProductionRun,
    RunHistory,
    RunStatus,
)
from loomworks.production.selectors import late_condition, with_progress
from loomworks.production.states import TRANSITIONS
from loomworks.work.models import TaskComment

DASHBOARD_LIST_LENGTH = 5


# ---------------------------------------------------------------- dashboard


def status_counts() -> list[dict]:
    """Every run status with how many runs are in it, in lifecycle order."""
    counted = dict(ProductionRun.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return [
        {"status": status, "label": label, "count": counted.get(status, 0)}
        for status, label in RunStatus.choices
    ]


def _with_history(kind: str):
    return Exists(RunHistory.objects.filter(run_id=OuterRef("pk"), kind=kind))


def runs_ready_to_dispatch() -> QuerySet[ProductionRun]:
    """Approved runs whose dependencies have all completed and that wait for someone to send them."""
    return ProductionRun.objects.filter(
        _with_history("ready_to_dispatch"), status=RunStatus.APPROVED
    )


def runs_blocked() -> QuerySet[ProductionRun]:
    """Open runs that wait for a run that was cancelled."""
    return ProductionRun.objects.filter(_with_history("blocked"), status__in=OPEN_STATUSES)


def runs_overdue() -> QuerySet[ProductionRun]:
    return ProductionRun.objects.filter(late_condition())


def needs_someone() -> list[dict]:
    """The dashboard's lists of runs that wait for a person, each with its total."""
    lists = [
        (
            "pending_review",
            ProductionRun.objects.filter(status=RunStatus.PENDING_REVIEW),
            "?status=pending_review",
        ),
        (
            "awaiting_reassignment",
            ProductionRun.objects.filter(status=RunStatus.AWAITING_REASSIGNMENT),
            "?status=awaiting_reassignment",
        ),
        ("ready_to_dispatch", runs_ready_to_dispatch(), ""),
        ("blocked", runs_blocked(), ""),
        ("overdue", runs_overdue(), "?late=true"),
    ]
    result = []
    for key, queryset, query in lists:
        runs = list(
            queryset.select_related("design", "partner").order_by("due_date", "number")[
                :DASHBOARD_LIST_LENGTH
            ]
        )
        count = len(runs)
        if count == DASHBOARD_LIST_LENGTH:
            count = queryset.count()
        result.append({"key": key, "runs": runs, "count": count, "query": query})
    return result


# ---------------------------------------------------------------- run page


def policy_config() -> dict:
    return ProductionPolicy.current().config


def available_actions(run: ProductionRun, *, has_parts: bool, policy: dict) -> set[str]:
    """The actions whose buttons the run page shows: what the state machine and
    the production policy allow from the run's status, and what its stage allows.

    The services stay the judge; this only keeps buttons off the page that
    would certainly be refused.
    """

    def allowed(action: str) -> bool:
        statuses = TRANSITIONS[action].from_statuses
        if action in policy:
            statuses = statuses & frozenset(policy[action])
        return run.status in statuses

    actions = set()
    if allowed("approve"):
        actions.add("approve")
    if allowed("cancel"):
        actions.add("cancel")
    if allowed("edit") and run.accepted_at is None:
        actions.add("edit")
    if has_parts:
        return actions
    if allowed("dispatch"):
        actions.add("dispatch")
    if allowed("reassign") and run.accepted_at is None:
        actions.add("reassign")
    if allowed("tasks_added"):
        actions.add("add_tasks")
    if run.partner_id:
        if allowed("accept"):
            actions.add("accept")
        if allowed("start") and run.accepted_at and not run.started_at:
            actions.add("start")
        if allowed("finish") and run.started_at and not run.finished_at:
            actions.add("finish")
        if allowed("complete"):
            actions.add("complete")
    return actions


def comments_by_task(run: ProductionRun) -> dict[str, list[TaskComment]]:
    """Every comment on the run's tasks and subtasks, oldest first, by task id."""
    threads: dict[str, list[TaskComment]] = defaultdict(list)
    for comment in TaskComment.objects.filter(task__run_id=run.pk).order_by("created_at", "id"):
        threads[comment.task_id].append(comment)
    return threads


def task_thread(task_id: str) -> list[TaskComment]:
    return list(TaskComment.objects.filter(task_id=task_id).order_by("created_at", "id"))


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def amount_text(value) -> str:
    """A quantity as people write it: 1.3, 104, 52.25 (at most three decimals)."""
    number = _decimal(value)
    if number is None:
        return ""
    return format(number.quantize(Decimal("0.001")).normalize(), "f")


def material_use(run: ProductionRun) -> list[dict]:
    """Planned use (the snapshot's bill of materials × the run's quantity) beside
    what the partner logged, per material, with the difference (used − planned)."""
    logged: dict[str, dict] = {}
    for row in (
        ConsumptionLog.objects.filter(run_id=run.pk)
        .values("material_id", "material__name", "material__sku", "material__unit")
        .annotate(total=Sum("quantity"))
        .order_by("material__name")
    ):
        logged[row["material_id"]] = row

    rows = []
    for line in run.snapshot.get("materials") or []:
        per_piece = _decimal(line.get("planned_quantity"))
        planned = per_piece * run.quantity if per_piece is not None else None
        used_row = logged.pop(line.get("material_id"), None) if line.get("material_id") else None
        used = used_row["total"] if used_row else None
        difference = used - planned if planned is not None and used is not None else None
        rows.append(
            {
                "name": line.get("name") or "",
                "sku": line.get("sku") or "",
                "unit": line.get("unit") or "",
                "per_piece": amount_text(per_piece),
                "planned": amount_text(planned),
                "used": amount_text(used),
                "difference": difference,
                "difference_text": (
                    ("+" if difference > 0 else "") + amount_text(difference)
                    if difference is not None
                    else ""
                ),
            }
        )
    for row in logged.values():
        rows.append(
            {
                "name": row["material__name"],
                "sku": row["material__sku"],
                "unit": row["material__unit"],
                "per_piece": "",
                "planned": "",
                "used": amount_text(row["total"]),
                "difference": None,
                "difference_text": "",
                "unplanned": True,
            }
        )
    return rows


def size_table(sizes: list[dict]) -> tuple[list[str], list[dict]]:
    """Sizes as a table: one row per size, one column per measurement any size has."""
    keys: list[str] = []
    for size in sizes:
        for key in size.get("measurements") or {}:
            if key not in keys:
                keys.append(key)
    rows = [
        {
            "label": size.get("size_label", ""),
            "values": [(size.get("measurements") or {}).get(key, "") for key in keys],
        }
        for size in sizes
    ]
    return [key.replace("_", " ") for key in keys], rows


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else (value or "")


def snapshot_view(snapshot: dict) -> dict:
    """The snapshot shaped for the page: sizes as a table with one column per measurement."""
    size_columns, size_rows = size_table(snapshot.get("size_sets") or [])
    taken_at = snapshot.get("taken_at")
    design = snapshot.get("design") or {}
    target_date = design.get("target_date")
    return {
        "design_status": _label(DesignStatus, design.get("status")),
        "priority": _label(Priority, design.get("priority")),
        "target_date": parse_date(target_date) if isinstance(target_date, str) else None,
        "taken_at": parse_datetime(taken_at) if isinstance(taken_at, str) else None,
        "design": design,
        "specifications": snapshot.get("specifications") or [],
        "colors": [
            {
                **color,
                "swatch": swatch(color.get("hex_code")),
            }
            for color in snapshot.get("colors") or []
        ],
        "size_columns": size_columns,
        "size_rows": size_rows,
        "materials": [
            {**line, "per_piece": amount_text(line.get("planned_quantity"))}
            for line in snapshot.get("materials") or []
        ],
        "provenance": snapshot.get("provenance") or {},
    }


# ---------------------------------------------------------------- directory pages


def design_list(q: str = "") -> QuerySet[Design]:
    designs = Design.objects.annotate(
        run_count=Count("production_runs", distinct=True),
        open_run_count=Count(
            "production_runs",
            filter=Q(production_runs__status__in=OPEN_STATUSES),
            distinct=True,
        ),
    ).order_by("name", "id")
    if q.strip():
        designs = designs.filter(name__icontains=q.strip())
    return designs


def design_detail(design_id: str) -> Design | None:
    return (
        Design.objects.filter(pk=design_id)
        .prefetch_related("specifications", "colors", "size_sets", "materials__material")
        .first()
    )


def partner_list() -> QuerySet[Partner]:
    open_runs = ProductionRun.objects.filter(
        partner_id=OuterRef("pk"), status__in=OPEN_STATUSES
    ).order_by()
    return Partner.objects.annotate(
        member_count=Count("members", distinct=True),
        open_run_count=_subquery_count(open_runs),
    ).order_by("name", "id")


def _subquery_count(queryset):
    counted = queryset.values("partner_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def partner_members(partner: Partner) -> QuerySet[PartnerMember]:
    return partner.members.select_related("user").order_by("created_at", "id")


def runs_of_design(design: Design) -> QuerySet[ProductionRun]:
    return with_progress(
        ProductionRun.objects.filter(design=design).select_related("partner", "parent")
    ).order_by("-created_at", "-id")
