"""Dates written for people, in the reader's language (Babel's locale data).

Django's "M" capitalises the month ("Déc"), which French and Portuguese do
not do mid-sentence; Babel writes "8 déc. 2026", "8 dez. 2026", "8 Dec 2026".
"""

import datetime

from babel.dates import format_date, format_datetime
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
