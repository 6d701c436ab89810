"""What there is to read about money, built once for every audience.

- `run_costs`: a run's cost per currency — its partner's price (earned, or
  estimated from its output until it is), adjustments, materials logged on it —
  and per good piece; a split run adds up its parts. A constant number of
  queries for any number of runs.
- `balances`, `ledger_page`, `statement`: a partner's ledger, per currency.
  The statement's opening is what was owed before the period, its closing
  the opening plus the period's entries, so totals add up to the ledger.
- `run_price_view`: the run's price, for its admin and its partner only.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from loomworks.money.amounts import ZERO, rounded
from loomworks.money.models import CostingPolicy, EntryKind, LedgerEntry, Rate, RunPrice
from loomworks.money.services import earned_amount, paid_pieces
from loomworks.production.models import ConsumptionLog, ProductionRun, RunStatus

# ---------------------------------------------------------------- prices and rates


@dataclass(frozen=True)
class PriceView:
    unit: str
    amount: Decimal
    currency: str
    source: str
    fixed: bool
    fixed_at: datetime.datetime | None


def price_view(price: RunPrice | None, partner_id: str | None) -> PriceView | None:
    if price is None or price.partner_id != partner_id:
        return None
    return PriceView(
        unit=price.unit,
        amount=price.amount,
        currency=price.currency,
        source=price.source,
        fixed=price.fixed_at is not None,
        fixed_at=price.fixed_at,
    )


def prices_by_run(runs: Iterable[ProductionRun]) -> dict[str, PriceView | None]:
    """Each run's price for the partner holding it now (one query for all)."""
    runs = list(runs)
    prices = {
        price.run_id: price for price in RunPrice.objects.filter(run_id__in=[r.pk for r in runs])
    }
    return {run.pk: price_view(prices.get(run.pk), run.partner_id) for run in runs}


def prices_for(run_partners: dict[str, str | None]) -> dict[str, PriceView | None]:
    """The price of each run (id → the partner holding it), for that partner only."""
    prices = {
        price.run_id: price for price in RunPrice.objects.filter(run_id__in=list(run_partners))
    }
    return {pk: price_view(prices.get(pk), partner) for pk, partner in run_partners.items()}


def run_price_view(run: ProductionRun) -> PriceView | None:
    return prices_by_run([run])[run.pk]


def rates_of(partner) -> list[Rate]:
    return list(
        Rate.objects.filter(partner=partner)
        .select_related("task_template")
        .order_by("task_template__name", "role", "id")
    )


# ---------------------------------------------------------------- costs


@dataclass
class CostLine:
    currency: str
    partner: Decimal = ZERO
    adjustments: Decimal = ZERO
    materials: Decimal = ZERO
    # True while the partner's part is worked out from the price and output so far.
    estimated: bool = False

    @property
    def total(self) -> Decimal:
        return rounded(self.partner + self.adjustments + self.materials, self.currency)


@dataclass
class RunCost:
    good: int
    lines: list[CostLine] = field(default_factory=list)
    price: PriceView | None = None

    @property
    def main(self) -> CostLine | None:
        return self.lines[0] if self.lines else None

    def per_good_piece(self, line: CostLine) -> Decimal | None:
        if not self.good:
            return None
        return rounded(line.total / self.good, line.currency)


_READ_COLUMNS = (
    "pk",
    "parent_id",
    "partner_id",
    "quantity",
    "produced_quantity",
    "rejected_quantity",
    "status",
    "order_group",
    "price__partner_id",
    "price__unit",
    "price__amount",
    "price__currency",
    "price__source",
    "price__fixed_at",
)


class _Row:
    """A run's figures and its price, from one values() row."""

    def __init__(self, row: dict):
        self.pk = row["pk"]
        self.parent_id = row["parent_id"]
        self.partner_id = row["partner_id"]
        self.quantity = row["quantity"]
        self.produced_quantity = row["produced_quantity"]
        self.rejected_quantity = row["rejected_quantity"]
        self._row = row
        self.step = row["order_group"] or 1
        self.price = None
        if row["price__unit"] and row["price__partner_id"] == row["partner_id"]:
            self.price = PriceView(
                unit=row["price__unit"],
                amount=row["price__amount"],
                currency=row["price__currency"],
                source=row["price__source"],
                fixed=row["price__fixed_at"] is not None,
                fixed_at=row["price__fixed_at"],
            )

    @property
    def status(self) -> str:
        return self._row["status"]

    @property
    def good(self) -> int:
        if self.produced_quantity is None:
            return self.quantity if self.status == RunStatus.COMPLETED else 0
        return self.produced_quantity


def _leaf_costs(leaves: list[_Row], *, pay_rejected: bool) -> dict[str, dict[str, CostLine]]:
    ids = [leaf.pk for leaf in leaves]
    earned: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    adjusted: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    has_earned: set[str] = set()
    for run_id, kind, subkind, currency, amount in LedgerEntry.objects.filter(
        run_id__in=ids
    ).values_list("run_id", "kind", "subkind", "currency", "amount"):
        base = subkind if kind == EntryKind.REVERSAL else kind
        if base == EntryKind.EARNED:
            earned[run_id][currency] += amount
            has_earned.add(run_id)
        elif base == EntryKind.ADJUSTMENT:
            adjusted[run_id][currency] += amount
    materials: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for run_id, quantity, cost, currency in ConsumptionLog.objects.filter(
        run_id__in=ids, material__unit_cost__isnull=False
    ).values_list("run_id", "quantity", "material__unit_cost", "material__currency"):
        materials[run_id][currency] += quantity * cost
    out: dict[str, dict[str, CostLine]] = {}
    for leaf in leaves:
        lines: dict[str, CostLine] = {}

        def line(currency, lines=lines):
            return lines.setdefault(currency, CostLine(currency=currency))

        if leaf.pk in has_earned:
            for currency, amount in earned[leaf.pk].items():
                line(currency).partner += amount
        elif leaf.price is not None:
            pieces = paid_pieces(leaf, pay_rejected=pay_rejected)
            estimate = line(leaf.price.currency)
            estimate.partner += earned_amount(leaf.price, pieces)
            estimate.estimated = leaf.status != RunStatus.COMPLETED
        for currency, amount in adjusted[leaf.pk].items():
            line(currency).adjustments += amount
        for currency, amount in materials[leaf.pk].items():
            line(currency).materials += rounded(amount, currency)
        out[leaf.pk] = lines
    return out


def run_costs(run_ids: Iterable[str]) -> dict[str, RunCost]:
    """The cost of each run, per currency (the partner's price's first), and its price:
    four queries for any number of runs.

    A split run's cost is its parts' added up; its good pieces are those of its
    last step's parts (cancelled parts left out).
    """
    run_ids = list(dict.fromkeys(run_ids))
    if not run_ids:
        return {}
    rows: dict[str, _Row] = {}
    parts_of: dict[str, list[_Row]] = defaultdict(list)
    for values in ProductionRun.objects.filter(
        Q(pk__in=run_ids) | (Q(parent_id__in=run_ids) & ~Q(status=RunStatus.CANCELLED))
    ).values(*_READ_COLUMNS):
        row = _Row(values)
        if row.pk in run_ids:
            rows[row.pk] = row
        if row.parent_id in run_ids and row.status != RunStatus.CANCELLED:
            parts_of[row.parent_id].append(row)
    leaves = {row.pk: row for row in rows.values() if row.pk not in parts_of}
    leaves.update({part.pk: part for parts in parts_of.values() for part in parts})
    pay_rejected = CostingPolicy.objects.filter(pk=1).values_list("pay_rejected", flat=True).first()
    leaf_lines = _leaf_costs(list(leaves.values()), pay_rejected=bool(pay_rejected))
    result = {}
    for pk in run_ids:
        row = rows.get(pk)
        if row is None:
            continue
        if pk in parts_of:
            merged: dict[str, CostLine] = {}
            for part in parts_of[pk]:
                for currency, line in leaf_lines.get(part.pk, {}).items():
                    into = merged.setdefault(currency, CostLine(currency=currency))
                    into.partner += line.partner
                    into.adjustments += line.adjustments
                    into.materials += line.materials
                    into.estimated = into.estimated or line.estimated
            last = max(part.step for part in parts_of[pk])
            good = sum(part.good for part in parts_of[pk] if part.step == last)
            lines = merged
        else:
            lines = leaf_lines.get(pk, {})
            good = row.good
        # The partner's price's currency first, then the others by code.
        first = row.price.currency if row.price else None
        ordered = sorted(
            lines.values(),
            key=lambda line, first=first: (
                line.currency != first,
                line.partner == 0,
                line.currency,
            ),
        )
        result[pk] = RunCost(good=good, lines=ordered, price=row.price)
    return result


@dataclass(frozen=True)
class DesignCost:
    currency: str
    latest: Decimal | None
    latest_run_id: str | None
    average: Decimal | None
    runs: int


def design_costs(design_id: str) -> list[DesignCost]:
    """Cost per good piece of a design's completed runs: the latest run's, and the average
    (all their costs over all their good pieces), per currency."""
    completed = list(
        ProductionRun.objects.filter(
            design_id=design_id, parent__isnull=True, status=RunStatus.COMPLETED
        )
        .order_by("-completed_at", "-number")
        .values_list("pk", flat=True)
    )
    costs = run_costs(completed)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    pieces: dict[str, int] = defaultdict(int)
    counted: dict[str, int] = defaultdict(int)
    latest: dict[str, tuple[Decimal | None, str]] = {}
    for pk in completed:
        cost = costs.get(pk)
        if cost is None:
            continue
        for line in cost.lines:
            totals[line.currency] += line.total
            pieces[line.currency] += cost.good
            counted[line.currency] += 1
            latest.setdefault(line.currency, (cost.per_good_piece(line), pk))
    return [
        DesignCost(
            currency=currency,
            latest=latest[currency][0],
            latest_run_id=latest[currency][1],
            average=rounded(totals[currency] / pieces[currency], currency)
            if pieces[currency]
            else None,
            runs=counted[currency],
        )
        for currency in sorted(totals, key=lambda c: -counted[c])
    ]


# ---------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class EntryView:
    id: str
    occurred_on: datetime.date
    kind: str
    subkind: str
    amount: Decimal
    currency: str
    description: str
    run_id: str | None
    run_reference: str
    reversal_of_id: str | None
    reversed: bool
    details: dict
    actor_name: str
    created_at: datetime.datetime


_ENTRY_FIELDS = (
    "pk",
    "occurred_on",
    "kind",
    "subkind",
    "amount",
    "currency",
    "description",
    "run_id",
    "run__number",
    "reversal_of_id",
    "reversed_by__id",
    "details",
    "actor_name",
    "created_at",
)


def _entry_view(row: dict) -> EntryView:
    return EntryView(
        id=row["pk"],
        occurred_on=row["occurred_on"],
        kind=row["kind"],
        subkind=row["subkind"],
        amount=rounded(row["amount"], row["currency"]),
        currency=row["currency"],
        description=row["description"],
        run_id=row["run_id"],
        run_reference=f"PR-{row['run__number']}" if row["run__number"] else "",
        reversal_of_id=row["reversal_of_id"],
        reversed=row["reversed_by__id"] is not None,
        details=row["details"] or {},
        actor_name=row["actor_name"],
        created_at=row["created_at"],
    )


_KIND_LABELS = {
    "earned": _("Earned"),
    "adjustment": _("Adjustment"),
    "payment": _("Payment"),
    "reversal": _("Reversal"),
    "bonus": _("bonus"),
    "deduction": _("deduction"),
}


def entry_kind_label(entry: EntryView) -> str:
    """A ledger entry's kind for people: "Earned", "Adjustment (bonus)", "Reversal"."""
    label = _KIND_LABELS.get(entry.kind, entry.kind)
    if entry.kind == EntryKind.ADJUSTMENT and entry.subkind in _KIND_LABELS:
        return f"{label} ({_KIND_LABELS[entry.subkind]})"
    return str(label)


def ledger_stream(partner_id: str, *, batch: int = 2000) -> Iterator[EntryView]:
    """The partner's whole ledger, oldest first, read through a server-side cursor
    `batch` rows at a time (one query, however long the ledger)."""
    rows = (
        LedgerEntry.objects.filter(partner_id=partner_id)
        .order_by("occurred_on", "created_at", "id")
        .values(*_ENTRY_FIELDS)
    )
    for row in rows.iterator(chunk_size=batch):
        yield _entry_view(row)


def balances(partner_id: str) -> dict[str, Decimal]:
    """What the brand owes the partner now, per currency (one query)."""
    return {
        row["currency"]: rounded(row["total"], row["currency"])
        for row in LedgerEntry.objects.filter(partner_id=partner_id)
        .order_by("currency")
        .values("currency")
        .annotate(total=Sum("amount"))
    }


def ledger_page(partner_id: str, *, limit: int, offset: int) -> tuple[list[EntryView], int]:
    """The partner's entries, newest first (two queries)."""
    entries = LedgerEntry.objects.filter(partner_id=partner_id)
    count = entries.count()
    rows = entries.order_by("-occurred_on", "-created_at", "-id").values(*_ENTRY_FIELDS)[
        offset : offset + limit
    ]
    return [_entry_view(row) for row in rows], count


@dataclass
class CurrencyStatement:
    currency: str
    opening: Decimal = ZERO
    entries: list[EntryView] = field(default_factory=list)
    earned: Decimal = ZERO
    adjustments: Decimal = ZERO
    payments: Decimal = ZERO
    reversals: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.earned + self.adjustments + self.payments + self.reversals


@dataclass
class Statement:
    partner_id: str
    start: datetime.date
    end: datetime.date
    currencies: list[CurrencyStatement]


def statement(partner_id: str, *, start: datetime.date, end: datetime.date) -> Statement:
    """The partner's statement for `start`–`end` (both included), per currency: two queries,
    whatever the number of entries."""
    by_currency: dict[str, CurrencyStatement] = {}

    def of(currency: str) -> CurrencyStatement:
        return by_currency.setdefault(currency, CurrencyStatement(currency=currency))

    for row in (
        LedgerEntry.objects.filter(partner_id=partner_id, occurred_on__lt=start)
        .order_by("currency")
        .values("currency")
        .annotate(total=Sum("amount"))
    ):
        of(row["currency"]).opening = rounded(row["total"], row["currency"])
    for row in (
        LedgerEntry.objects.filter(
            partner_id=partner_id, occurred_on__gte=start, occurred_on__lte=end
        )
        .order_by("occurred_on", "created_at", "id")
        .values(*_ENTRY_FIELDS)
    ):
        entry = _entry_view(row)
        current = of(entry.currency)
        current.entries.append(entry)
        if entry.kind == EntryKind.EARNED:
            current.earned += entry.amount
        elif entry.kind == EntryKind.ADJUSTMENT:
            current.adjustments += entry.amount
        elif entry.kind == EntryKind.PAYMENT:
            current.payments += entry.amount
        else:
            current.reversals += entry.amount
    return Statement(
        partner_id=partner_id,
        start=start,
        end=end,
        currencies=[by_currency[c] for c in sorted(by_currency)],
    )


def ledger_entries(partner_id: str, entry_ids: Iterable[str]) -> list[EntryView]:
    """Some of the partner's entries by id (one query)."""
    rows = LedgerEntry.objects.filter(partner_id=partner_id, pk__in=list(entry_ids)).values(
        *_ENTRY_FIELDS
    )
    return [_entry_view(row) for row in rows]
