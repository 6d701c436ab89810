"""Amounts of money: read, checked, rounded to the currency's minor units, written as text.

Babel knows each currency's minor units (two for EUR, none for JPY, three for
BHD). A rate may be finer (0.125 per piece); what a ledger entry says is
rounded once, half up, to the currency's units. JSON carries amounts as
strings with exactly those decimals (`"12.50"`, `"1500"`); people read them
through `core.numbers.format_money`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_UNIT_COST, UNIT_COST_STEP, is_currency

ZERO = Decimal("0")


def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def rounded(amount: Decimal, currency: str) -> Decimal:
    """`amount` to the currency's minor units, half up (2.675 EUR → 2.68)."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def as_text(amount: Decimal | None, currency: str) -> str | None:
    """The amount as JSON carries it: "12.50" EUR, "1500" JPY; None stays None."""
    if amount is None:
        return None
    return str(rounded(amount, currency))


def rate_text(amount: Decimal, currency: str) -> str:
    """A rate with at least the currency's decimals, and its own finer ones (0.125)."""
    value = Decimal(amount).normalize()
    if value.as_tuple().exponent > -minor_units(currency):
        value = rounded(value, currency)
    return format(value, "f")


def clean_currency(value, field: str = "currency") -> str:
    code = (value or "").strip().upper() if isinstance(value, str) else ""
    if not code:
        raise InvalidInput(field, _("Give the currency, such as EUR."))
    if not is_currency(code):
        raise InvalidInput(field, _("%(code)s is not an ISO 4217 currency code.") % {"code": code})
    return code


def clean_amount(
    value,
    field: str = "amount",
    *,
    currency: str | None = None,
    positive: bool = False,
    places: int | None = None,
) -> Decimal:
    """A decimal amount from a string or Decimal (never a float): finite, in bounds.

    With `currency` and no `places`, at most the currency's minor units; with
    `places`, at most that many decimals (a rate: four).
    """
    if isinstance(value, float | bool):
        raise InvalidInput(field, _('Give the amount as a decimal string, such as "12.50".'))
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(field, _("Give the amount as a number, such as 12.50."))
    if abs(amount) >= MAX_UNIT_COST:
        raise InvalidInput(field, _("The amount is too large."))
    if amount < 0 or (positive and amount == 0):
        raise InvalidInput(
            field,
            _("Give an amount above zero.") if positive else _("Give an amount of zero or more."),
        )
    step = Decimal(1).scaleb(-places) if places is not None else None
    if step is None and currency:
        step = quantum(currency)
    step = step or UNIT_COST_STEP
    if amount != amount.quantize(step, rounding=ROUND_HALF_UP):
        decimals = -step.as_tuple().exponent
        raise InvalidInput(
            field,
            _("Give the amount with at most %(places)s decimals.") % {"places": decimals},
        )
    return amount
