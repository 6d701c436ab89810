from decimal import Decimal

from babel.numbers import get_decimal_symbol
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.forms.utils import flatatt
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from loomworks.accounts import lockout
from loomworks.accounts.passwords import RESET_PATH, link_lifetime
from loomworks.core.formatting import amount_text
from loomworks.core.limits import AMOUNT_STEP, MAX_AMOUNT
from loomworks.core.numbers import AmbiguousNumber, babel_locale, parse_amount
from loomworks.insights.scorecards import DEFAULT_DAYS, Period


class LoginForm(forms.Form):
    """One form for brand admins and partner users: e-mail and password."""

    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)

    error_messages = {
        "invalid_login": _("That e-mail and password do not match. Check them and try again."),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None and lockout.locked_out(self.request):
                raise forms.ValidationError(lockout.lockout_message(), code="locked_out")
            if self.user_cache is None or not self.user_cache.is_active:
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login"
                )
        return self.cleaned_data

    def get_user(self):
        return self.user_cache


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """ "Forgot your password?": e-mail a link to the address, in its owner's language."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        # Unlike Django's default, people who never set a password (an invitation
        # they lost) get a link too: with no other way in, it is how they start.
        return get_user_model()._default_manager.filter(email__iexact=email, is_active=True)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context["user"]
        with translation.override(user.language or translation.get_language()):
            context = {
                **context,
                "reset_url": f"{settings.SITE_URL}/{RESET_PATH}/{context['uid']}/{context['token']}/",
                "login_url": f"{settings.SITE_URL}/login",
                "link_lifetime": link_lifetime(),
                "recipient_name": user.first_name or user.display_name,
            }
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """The new password, twice; checked by the project's password validators."""

    error_messages = {"password_mismatch": _("The two passwords are not the same.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password1"].help_text = _("At least 8 characters, not a common one.")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = ""


class LanguageForm(forms.Form):
    """The language a person reads Loomworks in; blank: the browser's."""

    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()


def language_choices() -> list[tuple[str, str]]:
    """Each language under its own name ("Français"), after "the browser's"."""
    return [("", _("As my browser says"))] + [
        (code, translation.get_language_info(code)["name_local"].capitalize())
        for code, _name in settings.LANGUAGES
    ]


def _bound_now(message: str, limit) -> str:
    return gettext(message) % {"limit": number_format(int(limit), force_grouping=True)}


# A bound said in words, read when the message is shown (in the reader's language
# and number format), not when the form class is made at import.
_bound = lazy(_bound_now, str)


class WholeNumberField(forms.IntegerField):
    """A whole number whose bounds are said in plain words, with the bound written as
    people read numbers ("Give 1,000,000,000 or less."), not "Ensure this value is less
    than or equal to 1000000000". Messages a form gives itself are kept."""

    def __init__(self, *args, **kwargs):
        given = kwargs.get("error_messages") or {}
        super().__init__(*args, **kwargs)
        plain = {"invalid": _("Give a whole number, like 12.")}
        if self.max_value is not None:
            plain["max_value"] = _bound(gettext_noop("Give %(limit)s or less."), self.max_value)
        if self.min_value is not None:
            plain["min_value"] = _bound(gettext_noop("Give %(limit)s or more."), self.min_value)
        self.error_messages = {
            **self.error_messages,
            **{code: text for code, text in plain.items() if code not in given},
        }


class AmountField(forms.DecimalField):
    """A quantity typed the way the person's language writes it (42,5 in French and
    Portuguese, 42.5 in English); what could be read two ways is refused with an
    example (`core.numbers`). Shared by the console's and the portal's forms.

    Too many digits is said in plain words, with the bound written as people
    read numbers, not "no more than 12 digits in total"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        too_big = _bound(
            gettext_noop("That is more than any real quantity: keep it below %(limit)s."),
            MAX_AMOUNT,
        )
        self.error_messages = {
            **self.error_messages,
            "max_digits": too_big,
            "max_whole_digits": too_big,
        }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            number = parse_amount(str(value))
        except AmbiguousNumber as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        return number

    def validate(self, value):
        super(forms.DecimalField, self).validate(value)  # required; the bounds are checked below
        if value is not None and value != value.quantize(AMOUNT_STEP):
            raise forms.ValidationError(
                _("Give the quantity with at most three decimals."), code="max_decimal_places"
            )


def amount_input(value) -> str:
    """A Decimal written back into a form field the way the person's language writes it."""
    if value in (None, ""):
        return ""
    if not isinstance(value, Decimal):
        return str(value)
    text = amount_text(value)
    return text.replace(".", get_decimal_symbol(babel_locale())) if text else ""


class PeriodForm(forms.Form):
    """A statement's period; without dates, this month up to today."""

    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )
    end = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end.replace(day=1)
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        data["start"], data["end"] = start, end
        return data


class PlainSelect(forms.Select):
    """A `<select>` of many plain options (the runs filter's 200 partners), written in
    Python: Django renders a template per option, ~20 ms for 200 of them."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class ScorecardPeriodForm(PeriodForm):
    """A scorecard's period; without dates, the last 90 days up to today."""

    def clean(self):
        data = forms.Form.clean(self)
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or Period.last_days(DEFAULT_DAYS, end=end).start
        if end < start:
            self.add_error("end", _("The period ends before it starts."))
        elif (end - start).days > 366 * 5:
            self.add_error("end", _("Ask for at most five years at a time."))
        data["start"], data["end"] = start, end
        return data

    def period(self) -> Period:
        return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])
