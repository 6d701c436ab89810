"""The console's set-up forms: materials, the design editor, task templates,
partners and their members. They parse what a person typed; the services
(catalog, work, partners) check the rules, write, and leave the audit row."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import MaterialUnit
from loomworks.core.limits import MAX_UNIT_COST


class MaterialForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sku = forms.CharField(label=_("SKU"), max_length=100)
    unit = forms.ChoiceField(
        label=_("Unit"),
        choices=MaterialUnit.choices,
        help_text=_("Designs, plans and what workshops log all count in this unit."),
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"),
        required=False,
        min_value=0,
        max_value=MAX_UNIT_COST - 1,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("Three letters, such as EUR; needed with a cost."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()
