"""The console's forms for connections and orders. They parse what a person typed;
the services in `loomworks.integrations` and `loomworks.orders` check and do the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import Design
from loomworks.core.limits import MAX_REASON
from loomworks.integrations.events import WEBHOOK_EVENTS
from loomworks.integrations.models import StoreKind
from loomworks.integrations.scopes import SCOPES

# Where a service's field name differs from the form's.
FIELD_NAMES = {"design_id": "design"}


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Which program uses it, so you know what breaks if you revoke it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=[(name, f"{name}: {label}") for name, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/loomworks-events"}),
        help_text=_("A public https address; each event is POSTed to it as JSON, signed."),
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, f"{name}: {label}") for name, label in WEBHOOK_EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event to receive.")},
    )


class StoreForm(forms.Form):
    kind = forms.ChoiceField(label=_("Store"), choices=StoreKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    secret = forms.CharField(
        label=_("Secret"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Shopify: the app's client secret (required). Medusa: leave it empty to have "
            "one made, or paste the one your subscriber signs with."
        ),
    )


class StoreRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)


class StoreSecretForm(forms.Form):
    secret = forms.CharField(
        label=_("New secret"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Shopify: paste the app's new client secret. Medusa: leave it empty to have one "
            "made. The old secret stops working at once."
        ),
    )


class SkuMappingForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=100)
    design = forms.ModelChoiceField(
        label=_("Design"),
        queryset=Design.objects.order_by("name", "id"),
        required=False,
        empty_label=_("Choose a design"),
    )
    size = forms.CharField(label=_("Size"), max_length=50, required=False)
    color = forms.CharField(label=_("Colour"), max_length=100, required=False)
    skip = forms.BooleanField(
        label=_("Not made by us (gift cards, shipping…): leave these lines out"), required=False
    )


class OrderCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
