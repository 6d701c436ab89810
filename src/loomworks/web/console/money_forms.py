"""The console's money forms: a rate, a payment, an adjustment, a reversal, a period.

Amounts are typed the way the admin's language writes them (12,50 in French);
the services check them against the currency (its minor units) and name the
field when they refuse, which `apply_error` puts beside it.
"""

from django import forms
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

from loomworks.money.models import AdjustmentKind, RateUnit
from loomworks.web.console.forms import DateInput
from loomworks.web.forms import AmountField
from loomworks.work.models import TaskTemplate


class MoneyField(AmountField):
    """An amount of money in the person's way of writing numbers; the service checks
    its decimals against the currency."""

    def validate(self, value):
        super(forms.DecimalField, self).validate(value)


def currency_field(**kwargs) -> forms.CharField:
    kwargs.setdefault("max_length", 3)
    return forms.CharField(
        label=_("Currency"),
        initial="EUR",
        help_text=_("ISO 4217 code: EUR, GBP, INR…"),
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
        **kwargs,
    )


class RateForm(forms.Form):
    task_template = forms.ModelChoiceField(
        label=_("Task template"),
        queryset=TaskTemplate.objects.order_by("name"),
        required=False,
        empty_label=_("— none: a rate for a role —"),
    )
    role = forms.CharField(
        label=_("Role"),
        max_length=100,
        required=False,
        help_text=_("The role of the runs it applies to: cutting, sewing…"),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=RateUnit.choices)
    amount = MoneyField(label=_("Amount"))
    currency = currency_field()


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount"))
    currency = currency_field()
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput(), initial=localdate)
    method = forms.CharField(
        label=_("Method"), max_length=100, help_text=_("Bank transfer, cash, cheque…")
    )
    reference = forms.CharField(label=_("Reference"), max_length=200, required=False)


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AdjustmentKind.choices)
    amount = MoneyField(label=_("Amount"))
    currency = currency_field()
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.TextInput())


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why reverse it"), max_length=2000)


class DispatchPriceForm(forms.Form):
    """The run's price for its partner, instead of its rate card's (optional)."""

    amount = MoneyField(label=_("Price"), required=False)
    currency = currency_field(required=False)
    unit = forms.ChoiceField(
        label=_("Unit"), choices=RateUnit.choices, initial=RateUnit.PIECE, required=False
    )

    def price(self) -> dict | None:
        data = self.cleaned_data
        if data.get("amount") is None:
            return None
        return {
            "unit": data.get("unit") or RateUnit.PIECE,
            "amount": format(data["amount"], "f"),
            "currency": data.get("currency") or "",
        }
