"""What the money routes accept and return: rates, prices, costs, the ledger, statements.

Amounts travel as strings with the currency's minor units (`"12.50"` EUR,
`"1500"` JPY), each beside its `currency`; a rate or a price may carry up to
four decimals (`"0.125"`). The services check amounts and currencies and
answer 422 naming the field, so the schemas only bound their length.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, WithJsonSchema

from loomworks.api.admin_schemas import AdminOffsetPage, ExportFormat, Id, required, text
from loomworks.api.schemas import CostOut, Input, Out, PriceOut  # noqa: F401
from loomworks.money import selectors
from loomworks.money.amounts import as_text, rate_text
from loomworks.money.selectors import CostLine, CurrencyStatement, EntryView, PriceView, RunCost

AmountText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["12.50"]}),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=3),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"]}),
]
Unit = Literal["piece", "run"]

# ---------------------------------------------------------------- input


class PriceIn(Input):
    unit: Unit
    amount: AmountText = Field(description="per piece or per run, up to four decimals")
    currency: CurrencyCode


class RateIn(Input):
    task_template_id: Id | None = Field(None, description="a rate for this task template…")
    role: text(100) | None = Field(None, description="…or for this role (cutting, sewing…)")
    unit: Unit
    amount: AmountText = Field(description="per piece or per run, up to four decimals")
    currency: CurrencyCode


class PaymentIn(Input):
    amount: AmountText = Field(description="in the currency's minor units at most")
    currency: CurrencyCode
    paid_on: date
    method: required(100) = Field(description="bank transfer, cash…")
    reference: text(200) = ""


class AdjustmentIn(Input):
    kind: Literal["bonus", "deduction"]
    amount: AmountText
    currency: CurrencyCode
    reason: required(2000)
    run_id: Id | None = Field(None, description="the partner's run it concerns, if any")


class ReverseIn(Input):
    reason: required(2000)


class CostingPolicyIn(Input):
    pay_rejected: bool


class StatementQuery(Schema):
    start: date | None = Field(
        None, alias="from", description="first day of the period (YYYY-MM-DD); default: the 1st"
    )
    end: date | None = Field(
        None, alias="to", description="last day of the period, included; default: today"
    )


class LedgerQuery(AdminOffsetPage):
    pass


class StatementExportQuery(StatementQuery, ExportFormat):
    pass


# ---------------------------------------------------------------- output


class MoneyOut(Out):
    amount: str
    currency: str


class RateOut(Out):
    id: str
    partner_id: str
    task_template_id: str | None
    task_template_name: str | None
    role: str
    unit: str
    amount: str
    currency: str
    updated_at: datetime


class RateEnvelope(Out):
    rate: RateOut


class RateList(Out):
    rates: list[RateOut]


class EntryOut(Out):
    id: str
    occurred_on: date
    kind: str = Field(description="earned, adjustment, payment or reversal")
    subkind: str = Field(description="bonus or deduction; for a reversal, the kind it reverses")
    amount: str = Field(description="positive: owed to the partner; negative: paid or deducted")
    currency: str
    description: str
    run_id: str | None
    run_reference: str
    reversal_of: str | None
    reversed: bool
    details: dict[str, Any]
    recorded_by: str
    created_at: datetime


class EntryEnvelope(Out):
    entry: EntryOut


class LedgerOut(Out):
    entries: list[EntryOut]
    balances: list[MoneyOut] = Field(description="what the brand owes now, per currency")
    count: int
    limit: int
    offset: int


class PaymentOut(Out):
    id: str
    partner_id: str
    amount: str
    currency: str
    paid_on: date
    method: str
    reference: str
    recorded_by: str
    created_at: datetime


class PaymentEnvelope(Out):
    payment: PaymentOut
    balances: list[MoneyOut]


class CurrencyStatementOut(Out):
    currency: str
    opening: str
    earned: str
    adjustments: str
    payments: str
    reversals: str
    closing: str
    entries: list[EntryOut]


class StatementOut(Out):
    partner_id: str
    from_: date = Field(alias="from")
    to: date
    opening: list[MoneyOut] = Field(description="owed before the period, per currency")
    entries: list[EntryOut] = Field(description="the period's entries, oldest first")
    closing: list[MoneyOut] = Field(description="opening + the period's entries, per currency")
    currencies: list[CurrencyStatementOut]


class StatementEnvelope(Out):
    statement: StatementOut


class CostingPolicyOut(Out):
    pay_rejected: bool


# ---------------------------------------------------------------- serialisers


def money_out(amount, currency: str) -> dict:
    return {"amount": as_text(amount, currency), "currency": currency}


def price_out(price: PriceView | None) -> dict | None:
    if price is None:
        return None
    return {
        "unit": price.unit,
        "amount": rate_text(price.amount, price.currency),
        "currency": price.currency,
        "source": price.source,
        "fixed": price.fixed,
        "fixed_at": price.fixed_at,
    }


def cost_line_out(cost: RunCost, line: CostLine) -> dict:
    per_piece = cost.per_good_piece(line)
    return {
        "partner": as_text(line.partner, line.currency),
        "adjustments": as_text(line.adjustments, line.currency),
        "materials": as_text(line.materials, line.currency),
        "total": as_text(line.total, line.currency),
        "per_good_piece": as_text(per_piece, line.currency),
        "currency": line.currency,
        "estimated": line.estimated,
    }


def rate_out(rate) -> dict:
    return {
        "id": rate.pk,
        "partner_id": rate.partner_id,
        "task_template_id": rate.task_template_id,
        "task_template_name": rate.task_template.name if rate.task_template_id else None,
        "role": rate.role,
        "unit": rate.unit,
        "amount": rate_text(rate.amount, rate.currency),
        "currency": rate.currency,
        "updated_at": rate.updated_at,
    }


def entry_out(entry: EntryView) -> dict:
    return {
        "id": entry.id,
        "occurred_on": entry.occurred_on,
        "kind": entry.kind,
        "subkind": entry.subkind,
        "amount": as_text(entry.amount, entry.currency),
        "currency": entry.currency,
        "description": entry.description,
        "run_id": entry.run_id,
        "run_reference": entry.run_reference,
        "reversal_of": entry.reversal_of_id,
        "reversed": entry.reversed,
        "details": entry.details,
        "recorded_by": entry.actor_name,
        "created_at": entry.created_at,
    }


def balances_out(balances: dict) -> list[dict]:
    return [money_out(amount, currency) for currency, amount in balances.items()]


def payment_out(payment) -> dict:
    return {
        "id": payment.pk,
        "partner_id": payment.partner_id,
        "amount": as_text(payment.amount, payment.currency),
        "currency": payment.currency,
        "paid_on": payment.paid_on,
        "method": payment.method,
        "reference": payment.reference,
        "recorded_by": payment.recorded_by_name,
        "created_at": payment.created_at,
    }


def _currency_out(part: CurrencyStatement) -> dict:
    return {
        "currency": part.currency,
        "opening": as_text(part.opening, part.currency),
        "earned": as_text(part.earned, part.currency),
        "adjustments": as_text(part.adjustments, part.currency),
        "payments": as_text(part.payments, part.currency),
        "reversals": as_text(part.reversals, part.currency),
        "closing": as_text(part.closing, part.currency),
        "entries": [entry_out(entry) for entry in part.entries],
    }


def statement_out(statement) -> dict:
    entries = sorted(
        (entry for part in statement.currencies for entry in part.entries),
        key=lambda entry: (entry.occurred_on, entry.created_at, entry.id),
    )
    return {
        "partner_id": statement.partner_id,
        "from": statement.start,
        "to": statement.end,
        "opening": [money_out(part.opening, part.currency) for part in statement.currencies],
        "entries": [entry_out(entry) for entry in entries],
        "closing": [money_out(part.closing, part.currency) for part in statement.currencies],
        "currencies": [_currency_out(part) for part in statement.currencies],
    }


def attach_admin_money(runs: list[dict]) -> list[dict]:
    """Each admin run object gets its `price`, `cost` and `costs` (four queries for all)."""
    costs = selectors.run_costs([run["id"] for run in runs])
    for run in runs:
        cost = costs.get(run["id"])
        lines = [cost_line_out(cost, line) for line in cost.lines] if cost else []
        run["price"] = price_out(cost.price) if cost else None
        run["cost"] = lines[0] if lines else None
        run["costs"] = lines
    return runs


def attach_partner_prices(runs: list[dict], partner_id: str) -> list[dict]:
    """Each of the partner's run objects gets its own price (none for a run it no longer
    holds: another partner's price is never shown). One query for all."""
    prices = selectors.prices_for({run["id"]: run["partner_id"] for run in runs})
    for run in runs:
        run["price"] = price_out(prices.get(run["id"])) if run["partner_id"] == partner_id else None
    return runs
