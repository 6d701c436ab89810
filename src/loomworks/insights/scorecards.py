"""Partner scorecards: how each workshop did over a period, decided once for every audience.

The console shows one partner's scorecard on its page and every partner's side by
side; the portal shows a workshop its own, the same numbers. Each is computed in a
fixed number of SQL aggregates grouped by partner (five, whatever the number of
partners or runs), never run by run.

What counts, for a period of days `start`..`end` (both included, local time):

- **Accepted**: runs the partner accepted in the period, and their pieces; the lead
  time *sent → accepted* is their average from the last send to the acceptance.
- **Declined**: the partner's declines in the period (its members' decline rows on
  the run history). The *decline rate* is declined ÷ (accepted + declined): of the
  runs it answered, the share it turned down.
- **Handed over**: runs of the partner completed in the period. Over them:
  *accepted → handed over* (average from acceptance to completion); *on time*,
  completed on or before the promised date, out of those that had one; *yield*,
  good ÷ (good + rejected) pieces delivered, and the *rejection rate*, with the
  rejected pieces per reason; the *rework rate*, the share sent back for a rework
  run (one not cancelled); the *cost per piece*, what the partner earned on the
  ledger for them (earned, adjustments and reversals on those runs) per good piece,
  per currency (a run completed without deliveries counts its quantity as made,
  as the ledger does).

A rate with nothing to count is None ("—" on the page), never a division by zero.
"""

import contextlib
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from loomworks.money.amounts import rounded
from loomworks.money.models import EntryKind, LedgerEntry
from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production.models import (
    Delivery,
    ProductionPolicy,
    ProductionRun,
    RunHistory,
    RunStatus,
)
from loomworks.production.rejections import reason_label

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, *, end: datetime.date | None = None) -> "Period":
        end = end or timezone.localdate()
        earliest = datetime.date.min + datetime.timedelta(days=days - 1)
        start = end - datetime.timedelta(days=days - 1) if end >= earliest else datetime.date.min
        return cls(start=start, end=end)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """From the start of the first day to the start of the day after the last (local)."""
        zone = timezone.get_current_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        after = datetime.datetime.combine(
            min(self.end, datetime.date.max - datetime.timedelta(days=2))
            + datetime.timedelta(days=1),
            datetime.time.min,
            tzinfo=zone,
        )
        return first, after


@dataclass(frozen=True)
class RejectionCount:
    reason: str
    label: str
    pieces: int


@dataclass(frozen=True)
class CostPerPiece:
    currency: str
    amount: Decimal
    pieces: int

    @property
    def per_piece(self) -> Decimal | None:
        return rounded(self.amount / self.pieces, self.currency) if self.pieces else None


def _share(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _average(total: datetime.timedelta | None, count: int) -> datetime.timedelta | None:
    return total / count if total is not None and count else None


@dataclass(frozen=True)
class Scorecard:
    partner_id: str
    partner_name: str
    period: Period
    accepted_runs: int = 0
    accepted_pieces: int = 0
    declined_runs: int = 0
    handed_over_runs: int = 0
    handed_over_pieces: int = 0
    good_pieces: int = 0
    rejected_pieces: int = 0
    with_promise: int = 0
    on_time: int = 0
    reworked_runs: int = 0
    sent_to_accepted: datetime.timedelta | None = None
    accepted_to_handed_over: datetime.timedelta | None = None
    rejections: tuple[RejectionCount, ...] = ()
    costs: tuple[CostPerPiece, ...] = field(default=())

    @property
    def decline_rate(self) -> Decimal | None:
        return _share(self.declined_runs, self.accepted_runs + self.declined_runs)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _share(self.on_time, self.with_promise)

    @property
    def yield_rate(self) -> Decimal | None:
        return _share(self.good_pieces, self.good_pieces + self.rejected_pieces)

    @property
    def rejection_rate(self) -> Decimal | None:
        return _share(self.rejected_pieces, self.good_pieces + self.rejected_pieces)

    @property
    def rework_rate(self) -> Decimal | None:
        return _share(self.reworked_runs, self.handed_over_runs)

    @property
    def has_numbers(self) -> bool:
        return bool(self.accepted_runs or self.declined_runs or self.handed_over_runs)


# ---------------------------------------------------------------- the aggregates


def _between(later: str, earlier: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def _run_numbers(period: Period, partner_id: str | None) -> dict[str, dict]:
    """Two queries over the runs, per partner: the runs accepted in the period, and the
    runs handed over in it (each cohort read through its own index)."""
    first, after = period.bounds()
    runs = ProductionRun.objects.filter(partner_id__isnull=False).order_by()
    if partner_id is not None:
        runs = runs.filter(partner_id=partner_id)
    sent = Q(last_sent_at__isnull=False)
    accepted = (
        runs.filter(accepted_at__gte=first, accepted_at__lt=after)
        .values("partner_id")
        .annotate(
            accepted_runs=Count("pk"),
            accepted_pieces=Sum("quantity"),
            sent_leads=Count("pk", filter=sent),
            sent_lead_total=Sum(_between("accepted_at", "last_sent_at"), filter=sent),
        )
    )
    live_rework = ProductionRun.objects.filter(rework_of_id=OuterRef("pk")).exclude(
        status=RunStatus.CANCELLED
    )
    delivered = Q(produced_quantity__isnull=False)
    was_accepted = Q(accepted_at__isnull=False)
    handed_over = (
        runs.filter(status=RunStatus.COMPLETED, completed_at__gte=first, completed_at__lt=after)
        .annotate(completed_on=TruncDate("completed_at"), reworked=Exists(live_rework))
        .values("partner_id")
        .annotate(
            handed_over_runs=Count("pk"),
            handed_over_pieces=Sum(Coalesce("produced_quantity", "quantity")),
            good_pieces=Sum("produced_quantity"),
            rejected_pieces=Sum("rejected_quantity", filter=delivered),
            with_promise=Count("pk", filter=Q(promised_date__isnull=False)),
            on_time=Count("pk", filter=Q(completed_on__lte=F("promised_date"))),
            reworked_runs=Count("pk", filter=Q(reworked=True)),
            work_leads=Count("pk", filter=was_accepted),
            work_lead_total=Sum(_between("completed_at", "accepted_at"), filter=was_accepted),
        )
    )
    numbers: dict[str, dict] = defaultdict(dict)
    for rows in (accepted, handed_over):
        for row in rows:
            numbers[row.pop("partner_id")].update(row)
    return numbers


def _declines(period: Period, partner_id: str | None) -> dict[str, int]:
    """One query over the history: declines in the period, by the decliner's partner."""
    first, after = period.bounds()
    rows = RunHistory.objects.filter(
        kind="decline",
        occurred_at__gte=first,
        occurred_at__lt=after,
        actor__membership__isnull=False,
    )
    if partner_id is not None:
        rows = rows.filter(actor__membership__partner_id=partner_id)
    return dict(
        rows.order_by()
        .values_list("actor__membership__partner_id")
        .annotate(count=Count("pk"))
        .values_list("actor__membership__partner_id", "count")
    )


def _rejections(period: Period, partner_id: str | None) -> dict[str, dict[str, int]]:
    """One query over the deliveries of the handed-over runs: rejected pieces per reason."""
    first, after = period.bounds()
    run_table = ProductionRun._meta.db_table
    delivery_table = Delivery._meta.db_table
    if connection.vendor == "postgresql":
        # Rejections are always a list (services.output writes them); anything else reads
        # as none, without a filter whose selectivity the planner cannot estimate.
        lines = (
            "jsonb_array_elements(CASE WHEN jsonb_typeof(d.rejections) = 'array'"
            " THEN d.rejections ELSE '[]'::jsonb END) AS line(value)"
        )
        reason = "line.value ->> 'reason'"
        quantity = "COALESCE((line.value ->> 'quantity')::bigint, 0)"
    else:
        lines = (
            "json_each(CASE WHEN json_type(d.rejections) = 'array'"
            " THEN d.rejections ELSE '[]' END) AS line"
        )
        reason = "json_extract(line.value, '$.reason')"
        quantity = "COALESCE(CAST(json_extract(line.value, '$.quantity') AS INTEGER), 0)"
    params: list = [RunStatus.COMPLETED, first, after]
    only = ""
    if partner_id is not None:
        only = " AND r.partner_id = %s"
        params.append(partner_id)
    sql = (
        f"SELECT r.partner_id, {reason} AS reason, SUM({quantity}) AS pieces"
        f" FROM {run_table} r JOIN {delivery_table} d ON d.run_id = r.id, {lines}"
        " WHERE r.status = %s AND r.completed_at >= %s AND r.completed_at < %s"
        f" AND r.partner_id IS NOT NULL AND d.rejected > 0{only}"
        " GROUP BY r.partner_id, reason"
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for partner, code, pieces in cursor.fetchall():
            if pieces:
                found[partner][code or ""] = int(pieces)
    return found


def _costs(period: Period, partner_id: str | None) -> dict[str, list[CostPerPiece]]:
    """One query over the ledger: what each partner earned on its handed-over runs, per
    currency, and the good pieces of the runs that earned it (each run counted once)."""
    first, after = period.bounds()
    params: list = [EntryKind.PAYMENT, RunStatus.COMPLETED, first, after]
    only = ""
    if partner_id is not None:
        only = " AND l.partner_id = %s"
        params.append(partner_id)
    sql = (
        "SELECT partner_id, currency, SUM(amount), SUM(pieces) FROM ("
        " SELECT l.partner_id AS partner_id, l.currency AS currency, SUM(l.amount) AS amount,"
        " MAX(COALESCE(r.produced_quantity, r.quantity)) AS pieces"
        f" FROM {LedgerEntry._meta.db_table} l JOIN {ProductionRun._meta.db_table} r"
        " ON r.id = l.run_id"
        " WHERE l.kind <> %s AND r.status = %s AND r.completed_at >= %s AND r.completed_at < %s"
        f"{only} GROUP BY l.partner_id, l.currency, r.id"
        ") per_run GROUP BY partner_id, currency ORDER BY partner_id, currency"
    )
    found: dict[str, list[CostPerPiece]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for partner, currency, amount, pieces in cursor.fetchall():
            found[partner].append(
                CostPerPiece(
                    currency=currency,
                    amount=Decimal(str(amount or 0)),
                    pieces=int(pieces or 0),
                )
            )
    return found


def _card(
    partner_id: str, name: str, period: Period, numbers, declines, rejections, costs, reasons
):
    row = numbers.get(partner_id) or {}
    count = row.get
    return Scorecard(
        partner_id=partner_id,
        partner_name=name,
        period=period,
        accepted_runs=count("accepted_runs") or 0,
        accepted_pieces=count("accepted_pieces") or 0,
        declined_runs=declines.get(partner_id, 0),
        handed_over_runs=count("handed_over_runs") or 0,
        handed_over_pieces=count("handed_over_pieces") or 0,
        good_pieces=count("good_pieces") or 0,
        rejected_pieces=count("rejected_pieces") or 0,
        with_promise=count("with_promise") or 0,
        on_time=count("on_time") or 0,
        reworked_runs=count("reworked_runs") or 0,
        sent_to_accepted=_average(count("sent_lead_total"), count("sent_leads") or 0),
        accepted_to_handed_over=_average(count("work_lead_total"), count("work_leads") or 0),
        rejections=tuple(
            sorted(
                (
                    RejectionCount(reason=code, label=reason_label(code, reasons), pieces=pieces)
                    for code, pieces in rejections.get(partner_id, {}).items()
                ),
                key=lambda line: (-line.pieces, line.label),
            )
        ),
        costs=tuple(costs.get(partner_id, ())),
    )


@contextlib.contextmanager
def _aggregating():
    """The scorecard's queries in one transaction, without PostgreSQL's JIT: on a million
    runs it spends seconds compiling these aggregates for a few hundred ms of work."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _reasons():
    return ProductionPolicy.objects.filter(pk=1).values_list("rejection_reasons", flat=True).first()


def partner_scorecard(partner: Partner, period: Period) -> Scorecard:
    """One partner's scorecard (six queries). The portal calls it with the member's own
    partner only: nothing here reads another partner's rows."""
    with _aggregating():
        numbers = _run_numbers(period, partner.pk)
        declines = _declines(period, partner.pk)
        rejections = _rejections(period, partner.pk)
        costs = _costs(period, partner.pk)
    return _card(partner.pk, partner.name, period, numbers, declines, rejections, costs, _reasons())


SORTS = {
    "name": lambda card: card.partner_name.casefold(),
    "accepted": lambda card: card.accepted_runs,
    "handed_over": lambda card: card.handed_over_runs,
    "sent_to_accepted": lambda card: card.sent_to_accepted,
    "accepted_to_handed_over": lambda card: card.accepted_to_handed_over,
    "on_time": lambda card: card.on_time_rate,
    "decline": lambda card: card.decline_rate,
    "yield": lambda card: card.yield_rate,
    "rework": lambda card: card.rework_rate,
}


def scorecards(period: Period, *, sort: str = "name", descending: bool = False) -> list[Scorecard]:
    """Every partner's scorecard side by side (seven queries whatever their number): the
    active partners, and inactive ones that have numbers in the period. Sorted by one
    of `SORTS`; a partner with nothing to compute in that column comes last."""
    with _aggregating():
        numbers = _run_numbers(period, None)
        declines = _declines(period, None)
        rejections = _rejections(period, None)
        costs = _costs(period, None)
    reasons = _reasons()
    cards = [
        _card(pk, name, period, numbers, declines, rejections, costs, reasons)
        for pk, name, status in Partner.objects.order_by("name", "pk").values_list(
            "pk", "name", "status"
        )
        if status == PartnerStatus.ACTIVE or pk in numbers or pk in declines
    ]
    key = SORTS.get(sort, SORTS["name"])
    known = [card for card in cards if key(card) is not None]
    unknown = [card for card in cards if key(card) is None]
    known.sort(key=key, reverse=descending)
    return known + unknown
