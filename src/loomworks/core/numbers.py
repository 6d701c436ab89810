"""Numbers as people type them: in their own language's way, or refused when unclear.

A workshop in Porto types 42,5 for forty-two and a half; one in Leeds types
42.5. Both mean the same, and each is read in the language the person uses
(Babel's number rules, strict). What could mean two things is refused with an
example of how to write it, never guessed: "1,234.5" in French, or "1.234"
where the decimal mark is a comma (a thousand and some, or one and a bit?).

Where people write numbers the Indian way (Hindi, or English in India) the
digits group in lakhs and crores: 1,50,000.50, ₹ in front. The region comes
from the language when it names one ("en-IN"), else from the country of the
workshop the reader belongs to (`region_override`, set by the partner portal
and by whatever writes to a workshop's people).
"""

import contextlib
import contextvars
import functools
import re
from decimal import Decimal

from babel import localedata
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Our languages → Babel's locales ("pt" is European Portuguese here, Hindi is India's).
BABEL_LOCALES = {"en": "en", "fr": "fr_FR", "pt": "pt_PT", "hi": "hi_IN"}

# The country (ISO 3166 alpha-2) of the workshop the reader belongs to, if any.
_region: contextvars.ContextVar[str] = contextvars.ContextVar("loomworks_region", default="")

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


class AmbiguousNumber(ValueError):
    """The text is not a number in the person's language, or could be read two ways."""


@contextlib.contextmanager
def region_override(country: str | None):
    """Within the block, numbers are written as people in `country` write them
    in the active language: "IN" turns English into en_IN (1,50,000.50)."""
    token = _region.set((country or "").strip().upper())
    try:
        yield
    finally:
        _region.reset(token)


def babel_locale(language: str | None = None, country: str | None = None) -> str:
    """Babel's locale for `language` (the active one by default) in `country`
    (the language's own region, else the reader's workshop's, else none): en → "en",
    en-IN or en in India → "en_IN", hi → "hi_IN". A language Babel does not know
    in that country keeps its usual locale.
    """
    code, _sep, own_region = (language or get_language() or "en").replace("_", "-").partition("-")
    code = code.lower()
    region = (own_region or country or _region.get()).upper()
    if code not in BABEL_LOCALES:
        return "en"
    if region and localedata.exists(f"{code}_{region}"):
        return f"{code}_{region}"
    return BABEL_LOCALES[code]


def format_money(
    amount: Decimal,
    currency: str,
    language: str | None = None,
    country: str | None = None,
    *,
    finer: bool = False,
) -> str:
    """`amount` of `currency` as people reading `language` write it: "€12.50",
    "12,50 €", "₹1,50,000.50". Always the currency's own minor units (two for
    EUR and INR, none for JPY); Babel's locale data decides the symbol, the
    grouping and the order. With `finer`, a rate's own extra decimals are kept
    ("€0.125" a piece).
    """
    locale = babel_locale(language, country)
    if finer:
        return format_currency(
            Decimal(amount).normalize(), currency, locale=locale, decimal_quantization=False
        )
    return format_currency(amount, currency, locale=locale)


def example(language: str | None = None, country: str | None = None) -> str:
    """How forty-two and a half is written in the language: 42.5 or 42,5."""
    return f"42{get_decimal_symbol(babel_locale(language, country))}5"


def parse_amount(text: str, language: str | None = None, country: str | None = None) -> Decimal:
    """`text` read as a number in `language` (the active one by default).

    Spaces between digit groups are taken as the language's group mark. A
    text using both marks the wrong way round, a group mark where a decimal
    one is meant, or a dot followed by exactly three digits where the decimal
    mark is a comma, raises AmbiguousNumber with a message saying how to write it.
    """
    locale = babel_locale(language, country)
    decimal_mark = get_decimal_symbol(locale)
    group_mark = get_group_symbol(locale)
    value = _SPACES.sub(group_mark, (text or "").strip())
    hint = _("Write the number like %(example)s.") % {"example": example(language, country)}
    if not value or re.search(r"[^\d.,\u00a0\u202f+-]", value):
        raise AmbiguousNumber(hint)
    if decimal_mark == "," and re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", value):
        raise AmbiguousNumber(
            _("%(text)s could be read two ways; write it like %(example)s.")
            % {"text": text.strip(), "example": example(language, country)}
        )
    try:
        number = parse_decimal(value, locale=locale, strict=True)
    except NumberFormatError:
        raise AmbiguousNumber(hint) from None
    if not number.is_finite():
        raise AmbiguousNumber(hint)
    return number


def format_share(value: Decimal, language: str | None = None, country: str | None = None) -> str:
    """A share (0.8333…) as a percentage to a tenth in the reader's language: "83.3%",
    "83,3 %"; a whole one without its tenth ("50%")."""
    return _share_text(Decimal(value).quantize(Decimal("0.0001")), babel_locale(language, country))


@functools.lru_cache(maxsize=4096)
def _share_text(value: Decimal, locale: str) -> str:
    # Babel parses the pattern and the locale on every call: a table of shares reuses them.
    return format_percent(value, format="#,##0.#%", locale=locale)
