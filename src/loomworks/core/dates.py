"""Dates written for people, in the reader's language (Babel's locale data).

Django's "M" capitalises the month ("Déc"), which French and Portuguese do
not do mid-sentence; Babel writes "8 déc. 2026", "8 dez. 2026", "8 Dec 2026".
"""

import datetime
import functools

from babel.dates import format_date, format_datetime
from babel.units import format_unit
from django.utils import timezone

from loomworks.core.numbers import babel_locale


def format_day(value: datetime.date | datetime.datetime, language: str | None = None) -> str:
    """8 Dec 2026 · 8 déc. 2026 · 8 dez. 2026 (a moment is first put in the local time zone)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return format_date(value, "d MMM y", locale=babel_locale(language))


def format_moment(value: datetime.datetime, language: str | None = None) -> str:
    """8 Dec 2026, 14:05 in the local time zone."""
    local = timezone.localtime(value)
    return format_datetime(
        local, "d MMM y, HH:mm", tzinfo=local.tzinfo, locale=babel_locale(language)
    )


def format_lead_time(value: datetime.timedelta, language: str | None = None) -> str:
    """A lead time as a person reads it: "40 minutes" under an hour, "28 hours" under
    two days, then days to a tenth ("4.5 days", "4,5 jours"), in the reader's language."""
    hours = max(value.total_seconds(), 0) / 3600
    if hours < 1:
        amount, unit = round(hours * 60), "duration-minute"
    elif hours < 48:
        amount, unit = round(hours), "duration-hour"
    else:
        days = round(hours / 24, 1)
        amount, unit = (int(days) if days == int(days) else days), "duration-day"
    return _unit_text(amount, unit, babel_locale(language))


@functools.lru_cache(maxsize=4096)
def _unit_text(amount, unit: str, locale: str) -> str:
    text = format_unit(amount, unit, length="long", locale=locale)
    if unit in text:  # a locale without the long name (Portuguese days): the short one
        text = format_unit(amount, unit, length="short", locale=locale)
    return text
