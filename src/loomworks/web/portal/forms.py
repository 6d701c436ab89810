"""Forms of the partner portal. They only parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import Material
from loomworks.core.limits import AMOUNT_PLACES, MAX_TEXT
from loomworks.production.models import ConsumptionType
from loomworks.production.services import DECLINE_REASONS


class AcceptForm(forms.Form):
    promised_date = forms.DateField(
        label=_("Date you promise to finish"),
        required=False,
        error_messages={"invalid": _("Give a date like 2027-04-03.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you declining?"),
        choices=[("", _("Choose a reason"))] + [(k, v) for k, v in DECLINE_REASONS.items()],
        error_messages={
            "required": _("Choose a reason."),
            "invalid_choice": _("Choose one of the reasons."),
        },
    )
    notes = forms.CharField(
        label=_("Anything the brand should know"), required=False, max_length=2000
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=MAX_TEXT,
        error_messages={"required": _("Write something before sending the comment.")},
    )


class ConsumptionForm(forms.Form):
    material = forms.ModelChoiceField(
        label=_("Material"),
        queryset=Material.objects.all(),
        error_messages={
            "required": _("Choose the material."),
            "invalid_choice": _("Choose a material from the list."),
        },
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=AMOUNT_PLACES,
        error_messages={
            "required": _("Give the quantity."),
            "invalid": _("The quantity must be a number."),
        },
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=20)
    consumption_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Same as the run")), *ConsumptionType.choices],
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity is not None and quantity <= 0:
            raise forms.ValidationError(_("The quantity must be above zero."))
        return quantity


class EmailSettingsForm(forms.Form):
    email_notifications = forms.BooleanField(required=False)


class ReachSettingsForm(forms.Form):
    """How a member is reached besides the notices page: WhatsApp, the digest, their time zone."""

    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=30)
    whatsapp_consent = forms.BooleanField(
        label=_("Send me WhatsApp messages about my workshop's runs"), required=False
    )
    digest_enabled = forms.BooleanField(label=_("Send me a morning digest"), required=False)
    time_zone = forms.CharField(label=_("My time zone"), required=False, max_length=64)
