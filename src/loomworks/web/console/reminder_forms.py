"""Forms of the console's reminder pages: the rules, and an admin's own notification settings."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loomworks.reminders.services import RULE_LIMITS


def _between_now(low: int, high: int) -> str:
    return gettext("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high}


# Read when the message is shown, in the reader's language: a `gettext_lazy(...) % …`
# here would be translated once, at import, in whatever language was active then.
_between = lazy(_between_now, str)


def _number(label, name: str, help_text=""):
    low, high = RULE_LIMITS[name]
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "min_value": _between(low, high),
            "max_value": _between(low, high),
            "required": _("Give a number."),
            "invalid": _("Give a whole number."),
        },
        widget=forms.NumberInput(attrs={"min": low, "max": high, "class": "input--short"}),
    )


class ReminderRulesForm(forms.Form):
    unaccepted_enabled = forms.BooleanField(
        label=_("Remind the partner of a run it has not answered"), required=False
    )
    unaccepted_hours = _number(_("Hours after sending"), "unaccepted_hours")
    escalation_enabled = forms.BooleanField(
        label=_("Tell the admins when it is still not answered"), required=False
    )
    escalation_hours = _number(
        _("More hours after the partner's reminder"),
        "escalation_hours",
        _("The admins hear after the partner's hours plus these."),
    )
    not_started_enabled = forms.BooleanField(
        label=_("Remind the partner when the date is near and work has not started"),
        required=False,
    )
    not_started_days = _number(_("Days before the date"), "not_started_days")
    late_enabled = forms.BooleanField(
        label=_("Mark runs late when their date passes, and tell the partner and the admins"),
        required=False,
    )
    stalled_enabled = forms.BooleanField(
        label=_("Nudge the partner when a run in work makes no progress"), required=False
    )
    stalled_days = _number(_("Days without progress"), "stalled_days")
    digest_hour = forms.TypedChoiceField(
        label=_("Morning digest at"),
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text=_("In each person's own time zone."),
    )


class MyNotificationsForm(forms.Form):
    email_notifications = forms.BooleanField(
        label=_("E-mail me reminders and late runs"), required=False
    )
    digest_enabled = forms.BooleanField(label=_("Send me a morning digest"), required=False)
    time_zone = forms.CharField(
        label=_("My time zone"),
        required=False,
        max_length=64,
        help_text=_("Like Europe/Lisbon. Empty: the brand's."),
    )
