"""Template helpers shared by the console and the portal: one look for statuses,
dates, progress and the stage stepper."""

import datetime

from babel.dates import format_date
from babel.numbers import get_decimal_symbol
from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from loomworks.core.formatting import amount_text
from loomworks.core.numbers import babel_locale
from loomworks.production.models import RunStatus
from loomworks.work.models import TaskStatus

register = template.Library()

STAGES = [
    ("received", gettext_lazy("Received")),
    ("accepted", gettext_lazy("Accepted")),
    ("started", gettext_lazy("Started")),
    ("finished", gettext_lazy("Finished")),
    ("completed", gettext_lazy("Completed")),
]


@register.filter
def amount(value) -> str:
    """A quantity in the reader's language: 2.5 or 2,5."""
    text = amount_text(value)
    return text.replace(".", get_decimal_symbol(babel_locale())) if text else ""


@register.filter
def get_item(mapping, key):
    """`mapping[key]` in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def status_label(status: str) -> str:
    for choices in (RunStatus, TaskStatus):
        if status in choices.values:
            return str(choices(status).label)
    return status.replace("_", " ").capitalize()


@register.inclusion_tag("web/includes/status_chip.html")
def status_chip(status: str):
    return {"status": status, "label": status_label(status)}


def _indian_date(value: datetime.date) -> str | None:
    """The date as people in India write it (Babel's medium form: 3 अप्रैल 2027,
    3 Apr 2027) when the reader is one of them, else None."""
    locale = babel_locale()
    if not locale.endswith("_IN"):
        return None
    return format_date(value, "medium", locale=locale)


@register.filter
def human_date(value) -> str:
    """3 Apr 2027."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return _indian_date(value) or date_format(value, "j M Y")


@register.filter
def human_datetime(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value)
    indian = _indian_date(local.date())
    if indian:
        return f"{indian}, {date_format(local, 'H:i')}"
    return date_format(local, "j M Y, H:i")


@register.filter
def ago(value) -> str:
    """ "2 h ago" for recent times, the date for older ones."""
    if not value:
        return ""
    seconds = (timezone.now() - value).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ngettext("%(n)d min ago", "%(n)d min ago", minutes) % {"n": minutes}
    if seconds < 86400:
        hours = int(seconds // 3600)
        return ngettext("%(n)d h ago", "%(n)d h ago", hours) % {"n": hours}
    if seconds < 7 * 86400:
        days = int(seconds // 86400)
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    return human_date(value)


@register.inclusion_tag("web/includes/progress.html")
def progress_bar(progress, label: bool = True):
    """A `read_models.Progress` (or a `{completed, total}` dict) as a bar."""
    if isinstance(progress, dict):
        completed, total = progress.get("completed", 0), progress.get("total", 0)
        closed = progress.get("closed", 0)
    else:
        completed, total, closed = progress.completed, progress.total, progress.closed
    percent = round(100 * completed / total) if total else 0
    closed_percent = round(100 * closed / total) if total else 0
    return {
        "completed": completed,
        "total": total,
        "closed": closed,
        "percent": percent,
        "closed_percent": closed_percent,
        "label": label,
    }


@register.inclusion_tag("web/includes/stepper.html")
def stepper(run):
    """Received → Accepted → Started → Finished → Completed, the run's stage marked."""
    keys = [key for key, _label in STAGES]
    current = keys.index(run.stage) if run.stage in keys else 0
    steps = [
        {
            "key": key,
            "label": label,
            "done": index < current or run.stage == "completed",
            "current": index == current,
        }
        for index, (key, label) in enumerate(STAGES)
    ]
    return {"steps": steps, "cancelled": run.status == RunStatus.CANCELLED}


@register.filter
def yesno_or_value(value) -> str:
    """A setting's value for people: "on"/"off" for a switch, the number or text otherwise."""
    if value is True:
        return _("on")
    if value is False:
        return _("off")
    return "" if value is None else str(value)
