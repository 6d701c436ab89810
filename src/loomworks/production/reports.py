"""The console's reports: work in progress, throughput per week, late runs and why.

Every figure is a GROUP BY computed by the database, one query per table,
whatever the number of runs: the pages draw and list what these selectors
return, they never count rows themselves.

A run split into parts is counted through its parts (the parent only
follows them): work in progress and throughput leave split parents out, so
no piece is counted twice. The late report keeps every run the run list's
late filter shows (`selectors.late_condition`, the reminders' definition),
so its total is the same number the dashboard and `?late=true` give.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.production.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    ProductionRun,
    RunDependency,
    RunStatus,
)
from loomworks.production.selectors import late_condition

S = RunStatus


# ---------------------------------------------------------------- shared pieces


def has_parts() -> Exists:
    """The run was split into parts (its work is counted through them)."""
    return Exists(ProductionRun.objects.filter(parent_id=OuterRef("pk")))


def split_run() -> Q:
    """A run split into parts. Approving a split takes the partner off the run,
    so only runs without a partner are looked up among the parents (one index
    probe each, instead of one for every run counted)."""
    return Q(partner__isnull=True) & has_parts()


def deadline_expression() -> Coalesce:
    """The date a run is held to: the promised date, else the due date (`ProductionRun.deadline`)."""
    return Coalesce("promised_date", "due_date")


def week_start(day: date) -> date:
    """The Monday of `day`'s week (ISO weeks, as the database truncates them)."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Figure:
    """One bar of a chart and one row of its table: how many runs, how many pieces."""

    key: str
    label: str
    runs: int = 0
    pieces: int = 0


# ---------------------------------------------------------------- work in progress

# Where an open run stands, in the order work moves.
WIP_STAGES: tuple[tuple[str, object], ...] = (
    ("review", _("Waiting for review")),
    ("approved", _("Approved, not sent")),
    ("sent", _("Waiting for acceptance")),
    ("declined", _("Declined, to reassign")),
    ("accepted", _("Accepted, not started")),
    ("started", _("Started")),
    ("finished", _("Finished, not handed over")),
)


def stage_expression() -> Case:
    """An open run's stage (`WIP_STAGES`) from its status and its work dates."""
    in_progress = Q(status=S.IN_PROGRESS)
    return Case(
        When(status__in=(S.DRAFT, S.PENDING_REVIEW), then=Value("review")),
        When(status=S.APPROVED, then=Value("approved")),
        When(status=S.SENT_TO_PARTNER, then=Value("sent")),
        When(status=S.AWAITING_REASSIGNMENT, then=Value("declined")),
        When(in_progress & Q(started_at__isnull=True), then=Value("accepted")),
        When(in_progress & Q(finished_at__isnull=True), then=Value("started")),
        default=Value("finished"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class PartnerWip:
    """One partner's open runs by stage (`cells` in `WIP_STAGES` order)."""

    partner_id: str | None
    partner_name: str
    cells: tuple[Figure, ...]
    runs: int
    pieces: int


@dataclass(frozen=True)
class WorkInProgress:
    stages: tuple[Figure, ...]
    partners: tuple[PartnerWip, ...]
    runs: int
    pieces: int


def work_in_progress() -> WorkInProgress:
    """Open runs by stage, and by partner and stage: one GROUP BY query."""
    rows = (
        ProductionRun.objects.filter(status__in=OPEN_STATUSES)
        .exclude(split_run())
        .annotate(stage=stage_expression())
        .order_by()
        .values("partner_id", "partner__name", "stage")
        .annotate(runs=Count("pk"), pieces=Sum("quantity"))
    )
    by_partner: dict[str | None, dict[str, tuple[int, int]]] = defaultdict(dict)
    names: dict[str | None, str] = {}
    totals: dict[str, list[int]] = {key: [0, 0] for key, _label in WIP_STAGES}
    for row in rows:
        stage, runs, pieces = row["stage"], row["runs"], row["pieces"] or 0
        by_partner[row["partner_id"]][stage] = (runs, pieces)
        names[row["partner_id"]] = row["partner__name"] or str(_("No partner yet"))
        totals[stage][0] += runs
        totals[stage][1] += pieces
    partners = []
    for partner_id, stages in by_partner.items():
        cells = tuple(
            Figure(key, str(label), *stages.get(key, (0, 0))) for key, label in WIP_STAGES
        )
        partners.append(
            PartnerWip(
                partner_id=partner_id,
                partner_name=names[partner_id],
                cells=cells,
                runs=sum(cell.runs for cell in cells),
                pieces=sum(cell.pieces for cell in cells),
            )
        )
    # Partners by name; the runs without a partner last.
    partners.sort(key=lambda p: (p.partner_id is None, p.partner_name.casefold(), p.partner_id))
    stages = tuple(Figure(key, str(label), *totals[key]) for key, label in WIP_STAGES)
    return WorkInProgress(
        stages=stages,
        partners=tuple(partners),
        runs=sum(s.runs for s in stages),
        pieces=sum(s.pieces for s in stages),
    )


# ---------------------------------------------------------------- throughput


@dataclass(frozen=True)
class Week:
    """Runs completed in the week starting `start` (a Monday)."""

    start: date
    runs: int = 0
    pieces: int = 0  # ordered pieces of those runs
    good: int = 0  # good pieces delivered on them


@dataclass(frozen=True)
class Throughput:
    start: date
    end: date  # the last day counted
    weeks: tuple[Week, ...]
    runs: int
    pieces: int
    good: int


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def throughput_by_week(*, start: date, end: date, partner_id: str | None = None) -> Throughput:
    """Runs completed per week from `start`'s week to `end` (inclusive): one GROUP BY query.

    A week is Monday to Sunday in the brand's time zone; weeks without a
    completed run are there with zeros, so the chart's gaps are real.
    """
    first = week_start(start)
    completed = ProductionRun.objects.filter(
        status=S.COMPLETED,
        completed_at__gte=_day_start(first),
        completed_at__lt=_day_start(end + timedelta(days=1)),
    ).exclude(split_run())
    if partner_id:
        completed = completed.filter(partner_id=partner_id)
    rows = (
        completed.annotate(week=TruncWeek("completed_at"))
        .order_by()
        .values("week")
        .annotate(
            runs=Count("pk"),
            pieces=Sum("quantity"),
            good=Sum(Coalesce("produced_quantity", Value(0), output_field=IntegerField())),
        )
    )
    counted = {}
    for row in rows:
        week = row["week"]
        day = timezone.localdate(week) if isinstance(week, datetime) else week
        counted[week_start(day)] = Week(day, row["runs"], row["pieces"] or 0, row["good"] or 0)
    weeks = []
    monday = first
    while monday <= end:
        weeks.append(counted.get(monday, Week(monday)))
        monday += timedelta(days=7)
    return Throughput(
        start=first,
        end=end,
        weeks=tuple(weeks),
        runs=sum(w.runs for w in weeks),
        pieces=sum(w.pieces for w in weeks),
        good=sum(w.good for w in weeks),
    )


# ---------------------------------------------------------------- late runs and their causes

# Why a late run is late, as far as its status and records tell; the first
# that applies is its cause, so each late run has exactly one. The page's
# help text says how each is read (keep the two in step).
LATE_CAUSES: tuple[tuple[str, object], ...] = (
    ("split", _("Split: waits on its parts")),
    ("not_approved", _("Not approved yet")),
    ("blocked", _("Blocked by a run it depends on")),
    ("quantity", _("Quantity to confirm")),
    ("not_sent", _("Approved, not sent")),
    ("not_accepted", _("Waiting for acceptance")),
    ("declined", _("Declined, not reassigned")),
    ("rework", _("Rework or rejected pieces")),
    ("not_started", _("Accepted, not started")),
    ("finished", _("Finished, not handed over")),
    ("in_work", _("In work past its date")),
)


def late_cause_expression() -> Case:
    # A join on the run's own dependency rows (a correlated probe of the
    # (run, depends_on) index): written with `exclude` it became a hashed
    # subplan over every open run, a second at 1M runs.
    not_completed = [status for status in S.values if status != S.COMPLETED]
    open_dependency = RunDependency.objects.filter(
        run_id=OuterRef("pk"), depends_on__status__in=not_completed
    )
    in_progress = Q(status=S.IN_PROGRESS)
    return Case(
        When(split_run(), then=Value("split")),
        When(status__in=(S.DRAFT, S.PENDING_REVIEW), then=Value("not_approved")),
        When(Q(status=S.APPROVED) & Exists(open_dependency), then=Value("blocked")),
        When(status=S.APPROVED, proposed_quantity__isnull=False, then=Value("quantity")),
        When(status=S.APPROVED, then=Value("not_sent")),
        When(status=S.SENT_TO_PARTNER, then=Value("not_accepted")),
        When(status=S.AWAITING_REASSIGNMENT, then=Value("declined")),
        When(
            in_progress & (Q(rejected_quantity__gt=0) | Q(rework_of__isnull=False)),
            then=Value("rework"),
        ),
        When(in_progress & Q(started_at__isnull=True), then=Value("not_started")),
        When(in_progress & Q(finished_at__isnull=False), then=Value("finished")),
        default=Value("in_work"),
        output_field=CharField(),
    )


def late_runs(partner_id: str | None = None) -> QuerySet[ProductionRun]:
    """Late runs (the run list's late filter), each with its `cause` and `deadline_on`."""
    # The same runs again in the form of the `run_open_deadline` partial index
    # (open, date before today), so PostgreSQL reads only the open runs'
    # dates instead of the whole table.
    runs = ProductionRun.objects.annotate(deadline_on=deadline_expression()).filter(
        late_condition(),
        ~Q(status__in=TERMINAL_STATUSES),
        deadline_on__lt=timezone.localdate(),
    )
    if partner_id:
        runs = runs.filter(partner_id=partner_id)
    return runs.annotate(cause=late_cause_expression())


@dataclass(frozen=True)
class LateRun:
    id: str
    reference: str
    partner_name: str
    design_name: str
    status: str
    quantity: int
    deadline: date
    deadline_kind: str
    days_late: int
    cause: str
    cause_label: str


@dataclass(frozen=True)
class LateReport:
    causes: tuple[Figure, ...]
    runs: int
    pieces: int
    oldest: tuple[LateRun, ...] = field(default_factory=tuple)


LATE_LIST_LENGTH = 25


def late_report(
    *, partner_id: str | None = None, list_length: int = LATE_LIST_LENGTH
) -> LateReport:
    """Late runs counted by cause (one GROUP BY query) and the longest-late of them (one query)."""
    late = late_runs(partner_id)
    counted = {
        row["cause"]: (row["runs"], row["pieces"] or 0)
        for row in late.order_by()
        .values("cause")
        .annotate(runs=Count("pk"), pieces=Sum("quantity"))
    }
    labels = dict(LATE_CAUSES)
    causes = tuple(Figure(key, str(label), *counted.get(key, (0, 0))) for key, label in LATE_CAUSES)
    today = timezone.localdate()
    oldest = tuple(
        LateRun(
            id=run.pk,
            reference=run.reference,
            partner_name=run.partner.name if run.partner_id else "",
            design_name=run.design.name,
            status=run.status,
            quantity=run.quantity,
            deadline=run.deadline_on,
            deadline_kind=str(run.deadline_kind),
            days_late=(today - run.deadline_on).days,
            cause=run.cause,
            cause_label=str(labels.get(run.cause, run.cause)),
        )
        for run in late.select_related("design", "partner")
        .only(
            "id",
            "number",
            "status",
            "quantity",
            "promised_date",
            "due_date",
            "partner__name",
            "design__name",
        )
        .order_by("deadline_on", "number")[:list_length]
    )
    return LateReport(
        causes=causes,
        runs=sum(c.runs for c in causes),
        pieces=sum(c.pieces for c in causes),
        oldest=oldest,
    )
