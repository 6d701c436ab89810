"""Forms of the partner portal. They only parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import Material
from loomworks.core.limits import AMOUNT_PLACES, MAX_TEXT
from loomworks.production.models import ConsumptionType
from loomworks.production.services import DECLINE_REASONS
from loomworks.web.forms import AmountField, WholeNumberField


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
    quantity = AmountField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=AMOUNT_PLACES,
        error_messages={"required": _("Give the quantity.")},
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


REJECTED_LINES = 3


class HandOverForm(forms.Form):
    """What is handed over: good pieces (per cell of the run's matrix when it has one),
    up to three lines of rejected pieces with their reason, a note, the reason the run
    falls short (for the last delivery), and photos. The service decides the rest."""

    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_TEXT)
    shortfall_reason = forms.CharField(
        label=_("Why fewer than ordered?"), required=False, max_length=MAX_TEXT
    )

    def __init__(self, *args, cells=(), reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = list(cells)
        piece_errors = {
            "invalid": _("Give a whole number of pieces."),
            "min_value": _("The number of pieces cannot be negative."),
        }
        if self.cells:
            for index, cell in enumerate(self.cells):
                self.fields[f"cell_{index}"] = WholeNumberField(
                    label=f"{cell.size} · {cell.color}".strip(" ·"),
                    required=False,
                    min_value=0,
                    error_messages=piece_errors,
                )
        else:
            self.fields["good"] = WholeNumberField(
                label=_("Good pieces"), required=False, min_value=0, error_messages=piece_errors
            )
        choices = [("", _("Reason")), *(reasons or {}).items()]
        for index in range(REJECTED_LINES):
            self.fields[f"reason_{index}"] = forms.ChoiceField(
                label=_("Reason"), required=False, choices=choices
            )
            self.fields[f"rejected_{index}"] = WholeNumberField(
                label=_("Rejected pieces"),
                required=False,
                min_value=1,
                error_messages={
                    "invalid": _("Give a whole number of pieces."),
                    "min_value": _("Give a number of pieces above zero."),
                },
            )
            self.fields[f"reject_note_{index}"] = forms.CharField(
                label=_("What was wrong"), required=False, max_length=MAX_TEXT
            )

    def clean(self):
        data = super().clean()
        for index in range(REJECTED_LINES):
            reason, quantity = data.get(f"reason_{index}"), data.get(f"rejected_{index}")
            if quantity and not reason:
                self.add_error(f"reason_{index}", _("Choose why these pieces were rejected."))
            if reason and not quantity:
                self.add_error(f"rejected_{index}", _("Give how many pieces."))
        return data

    def cell_rows(self):
        return [(cell, self[f"cell_{index}"]) for index, cell in enumerate(self.cells)]

    def rejected_rows(self):
        return [
            (self[f"reason_{index}"], self[f"rejected_{index}"], self[f"reject_note_{index}"])
            for index in range(REJECTED_LINES)
        ]

    def delivery(self) -> dict:
        """The service's arguments from the cleaned form."""
        data = self.cleaned_data
        if self.cells:
            size_quantities = [
                {"size": cell.size, "color": cell.color, "quantity": data.get(f"cell_{i}") or 0}
                for i, cell in enumerate(self.cells)
            ]
            good = sum(cell["quantity"] for cell in size_quantities)
            size_quantities = [cell for cell in size_quantities if cell["quantity"]]
        else:
            good, size_quantities = data.get("good") or 0, []
        self._line_indices = [
            i
            for i in range(REJECTED_LINES)
            if data.get(f"reason_{i}") and data.get(f"rejected_{i}")
        ]
        rejected = [
            {
                "reason": data[f"reason_{i}"],
                "quantity": data[f"rejected_{i}"],
                "note": data.get(f"reject_note_{i}") or "",
            }
            for i in self._line_indices
        ]
        return {
            "good": good,
            "size_quantities": size_quantities,
            "rejected": rejected,
            "note": data.get("note") or "",
            "shortfall_reason": data.get("shortfall_reason") or "",
        }

    def field_for(self, service_field: str) -> str | None:
        """The form field a service's complaint belongs beside."""
        if service_field in self.fields:
            return service_field
        if service_field == "good" and self.cells:
            return None
        if service_field.startswith("rejected[") and "]" in service_field:
            position = int(service_field[len("rejected[") : service_field.index("]")])
            used = getattr(self, "_line_indices", [])
            index = used[position] if position < len(used) else position
            name = "reject_note" if service_field.endswith(".note") else "rejected"
            if service_field.endswith(".reason"):
                name = "reason"
            candidate = f"{name}_{index}"
            return candidate if candidate in self.fields else None
        return None


class ConsumptionCorrectForm(forms.Form):
    quantity = AmountField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=AMOUNT_PLACES,
        error_messages={"required": _("Give the quantity.")},
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)
