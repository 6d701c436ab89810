"""Every limit and shared validation rule, in one place.

The API schemas, the console's and the portal's forms, the store-order intake
and the services all read these, so a quantity the API refuses is refused by
every page too, with the same bound in the message.
"""

import re
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Pieces of one run or order line: far above any real order, and below
# PostgreSQL's integer column (2 147 483 647), so no INSERT fails with a 500.
MAX_QUANTITY = 1_000_000_000

# Amounts with decimals (material logged, stock on hand, planned use per
# piece): below 10^9 with at most three decimals, what a NUMERIC(12, 3) holds.
MAX_AMOUNT = Decimal("1e9")
AMOUNT_PLACES = 3
AMOUNT_STEP = Decimal("0.001")

# Money per unit (a material's cost): up to 10^10 with four decimals, NUMERIC(14, 4).
MAX_UNIT_COST = Decimal("1e10")
UNIT_COST_STEP = Decimal("0.0001")

# Steps of one run: far more than any garment has, far less than the column holds.
MAX_ORDER_GROUP = 1000

# About two years of work: beyond it a duration is a typing slip, not a plan.
MAX_DURATION_MINUTES = 1_000_000

# How far a list may be paged; beyond it an offset is a typing slip.
MAX_OFFSET = 1_000_000_000

# Runs one bulk action may touch (the console's runs table, the API's bulk route):
# enough for a season's worth of one filter, and a request that ends in seconds.
MAX_BULK_RUNS = 1000

# A reason given for cancelling (an order, a run).
MAX_REASON = 2000

# Free text (notes, comments, descriptions).
MAX_TEXT = 10_000

# A colour as the brand writes it: `#1A2B3C`.
HEX_COLOUR_PATTERN = r"^#[0-9A-Fa-f]{6}$"
_HEX_COLOUR = re.compile(HEX_COLOUR_PATTERN)
hex_colour_validator = RegexValidator(HEX_COLOUR_PATTERN, _("Use a colour like #1A2B3C."))


def is_hex_colour(value) -> bool:
    """True for `#1A2B3C`-style colours; pages only paint a swatch for these."""
    return isinstance(value, str) and bool(_HEX_COLOUR.match(value))


def swatch(value) -> str:
    """The colour a page may paint (in a style attribute), or "" when it is not a hex colour."""
    return value if is_hex_colour(value) else ""


def is_currency(value) -> bool:
    """True for an ISO 4217 code in capitals (`EUR`, `GBP`), as pycountry lists them."""
    return (
        isinstance(value, str)
        and len(value) == 3
        and value.isupper()
        and pycountry.currencies.get(alpha_3=value) is not None
    )


def currency_validator(value) -> None:
    if not is_currency(value):
        raise ValidationError(
            _("Use a three-letter ISO 4217 currency code, such as EUR or GBP."), code="currency"
        )
