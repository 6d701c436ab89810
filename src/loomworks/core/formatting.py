"""How numbers are written for people, the same on every page."""

from decimal import Decimal, InvalidOperation

from loomworks.core.limits import AMOUNT_STEP


def as_decimal(value) -> Decimal | None:
    """A number from the database, a snapshot or a form as a Decimal; None when it is none."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def amount_text(value) -> str:
    """A quantity as people write it: 1.3, 104, 52.25 (at most three decimals, no exponent)."""
    number = as_decimal(value)
    if number is None:
        return ""
    text = format(number.quantize(AMOUNT_STEP).normalize(), "f")
    return "0" if text in ("-0", "") else text
