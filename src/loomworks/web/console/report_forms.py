"""The reports' filters: a period and a partner. A bad date is refused with a
400 that names the field; the report is then shown for the default period."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.production.reports import week_start
from loomworks.web.console.forms import DateInput

DEFAULT_WEEKS = 12
MAX_WEEKS = 156  # three years of weeks on one chart


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve weeks, this one included."""
    today = today or timezone.localdate()
    return week_start(today) - datetime.timedelta(weeks=DEFAULT_WEEKS - 1), today


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    partner_id = forms.ChoiceField(label=_("Partner"), required=False)

    def __init__(self, *args, partners=(), with_period=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_id"].choices = [("", _("Every partner"))] + [
            (partner.pk, partner.name) for partner in partners
        ]
        if not with_period:
            del self.fields["start"], self.fields["end"]

    def clean(self):
        cleaned = super().clean()
        if "start" not in self.fields:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        default_start, default_end = default_period()
        if "start" in cleaned and "end" in cleaned:
            start, end = start or default_start, end or default_end
            if start > end:
                self.add_error("end", _("Give a date on or after the start of the period."))
            elif (end - start).days > MAX_WEEKS * 7:
                self.add_error(
                    "start",
                    _("Give a period of %(weeks)d weeks or less.") % {"weeks": MAX_WEEKS},
                )
            cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def filters(self) -> dict:
        """What parsed, with the default period where none was given or it did not parse."""
        start, end = default_period()
        values = {"start": start, "end": end, "partner_id": None}
        if self.is_bound and self.is_valid():
            values.update({k: v for k, v in self.cleaned_data.items() if v not in (None, "")})
        return values
