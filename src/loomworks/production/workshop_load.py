"""A workshop's load: the open runs it holds, by the date they are due.

"Open" here is the work booked with a workshop: runs assigned to it and
approved, sent to it, or in work there (`LOAD_STATUSES`). Its pieces are the
pieces still to make: the quantity less the good pieces already delivered.
A run's date is its promised date, else its due date (`ProductionRun.deadline`);
a run past it is late, as everywhere else (`selectors.late_condition`).

Both reads are GROUP BY queries over all partners at once: the dispatch and
reassign forms show every candidate's load for the price of one query.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production.models import ProductionRun, RunStatus

LOAD_STATUSES = (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS)
TIMELINE_WEEKS = 8


def booked_runs() -> QuerySet[ProductionRun]:
    """Runs that load a workshop: assigned to one and not ended (nor declined)."""
    return ProductionRun.objects.filter(status__in=LOAD_STATUSES, partner__isnull=False)


def pieces_left():
    """Pieces still to make on a run: its quantity less the good pieces delivered, never < 0."""
    return Greatest(
        F("quantity") - Coalesce("produced_quantity", Value(0)),
        Value(0),
        output_field=IntegerField(),
    )


def _deadline():
    return Coalesce("promised_date", "due_date")


@dataclass(frozen=True)
class PartnerLoad:
    """What a workshop holds now: open runs, pieces still to make, the next date, how many late."""

    partner_id: str
    runs: int = 0
    pieces: int = 0
    next_due: date | None = None
    late: int = 0


def open_load_by_partner(partner_ids, *, today: date) -> dict[str, PartnerLoad]:
    """Each partner's `PartnerLoad` (zeros without open work), in one GROUP BY query."""
    partner_ids = list(dict.fromkeys(partner_ids))
    loads = {pid: PartnerLoad(pid) for pid in partner_ids}
    if not partner_ids:
        return loads
    rows = (
        booked_runs()
        .filter(partner_id__in=partner_ids)
        .annotate(deadline_on=_deadline())
        .order_by()
        .values("partner_id")
        .annotate(
            runs=Count("pk"),
            pieces=Sum(pieces_left()),
            next_due=Min("deadline_on", filter=Q(deadline_on__gte=today)),
            late=Count("pk", filter=Q(deadline_on__lt=today)),
        )
    )
    for row in rows:
        loads[row["partner_id"]] = PartnerLoad(
            partner_id=row["partner_id"],
            runs=row["runs"],
            pieces=row["pieces"] or 0,
            next_due=row["next_due"],
            late=row["late"],
        )
    return loads


@dataclass(frozen=True)
class LoadCell:
    runs: int = 0
    pieces: int = 0
    # 0 (nothing) to 4 (the heaviest cell of the whole timeline), for shading;
    # the numbers are always written in the cell too.
    level: int = 0


@dataclass(frozen=True)
class PartnerTimeline:
    partner_id: str
    partner_name: str
    active: bool
    late: LoadCell
    weeks: tuple[LoadCell, ...]
    later: LoadCell
    undated: LoadCell
    runs: int
    pieces: int


@dataclass(frozen=True)
class LoadTimeline:
    today: date
    weeks: tuple[date, ...]  # the Monday of each week column, this week first
    partners: tuple[PartnerTimeline, ...]


def _bucket(today: date, weeks: tuple[date, ...]) -> Case:
    whens = [
        When(Q(promised_date__isnull=True, due_date__isnull=True), then=Value("none")),
        When(Q(deadline_on__lt=today), then=Value("late")),
    ]
    for index, monday in enumerate(weeks):
        whens.append(When(Q(deadline_on__lt=monday + timedelta(days=7)), then=Value(f"w{index}")))
    return Case(*whens, default=Value("later"), output_field=CharField())


def load_timeline(
    *, today: date, weeks: int = TIMELINE_WEEKS, partner_id: str | None = None
) -> LoadTimeline:
    """Every active partner's open runs and pieces by week of their date (two queries).

    Columns: late (date passed), this week and the next `weeks - 1`, later,
    and no date. A partner that is not active shows only while it still
    holds open work. With `partner_id`, that partner alone.
    """
    monday = today - timedelta(days=today.weekday())
    columns = tuple(monday + timedelta(days=7 * index) for index in range(weeks))
    runs = booked_runs()
    if partner_id:
        runs = runs.filter(partner_id=partner_id)
    rows = list(
        runs.annotate(deadline_on=_deadline())
        .annotate(bucket=_bucket(today, columns))
        .order_by()
        .values("partner_id", "bucket")
        .annotate(runs=Count("pk"), pieces=Sum(pieces_left()))
    )
    cells: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        cells.setdefault(row["partner_id"], {})[row["bucket"]] = (row["runs"], row["pieces"] or 0)
    partners = Partner.objects.all()
    if partner_id:
        partners = partners.filter(pk=partner_id)
    else:
        partners = partners.filter(Q(status=PartnerStatus.ACTIVE) | Q(pk__in=list(cells)))
    heaviest = max(
        (pieces for buckets in cells.values() for _r, pieces in buckets.values()), default=0
    )

    def cell(buckets: dict, key: str) -> LoadCell:
        runs_in, pieces = buckets.get(key, (0, 0))
        if not runs_in:
            return LoadCell()
        level = 1 + (3 * pieces) // heaviest if heaviest else 1
        return LoadCell(runs_in, pieces, min(level, 4))

    timeline = []
    for partner in partners.order_by("name", "id"):
        buckets = cells.get(partner.pk, {})
        timeline.append(
            PartnerTimeline(
                partner_id=partner.pk,
                partner_name=partner.name,
                active=partner.status == PartnerStatus.ACTIVE,
                late=cell(buckets, "late"),
                weeks=tuple(cell(buckets, f"w{index}") for index in range(weeks)),
                later=cell(buckets, "later"),
                undated=cell(buckets, "none"),
                runs=sum(r for r, _p in buckets.values()),
                pieces=sum(p for _r, p in buckets.values()),
            )
        )
    return LoadTimeline(today=today, weeks=columns, partners=tuple(timeline))
