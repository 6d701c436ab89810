"""The console's set-up forms: materials, the design editor, task templates,
partners and their members. They parse what a person typed; the services
(catalog, work, partners) check the rules, write, and leave the audit row."""

import pycountry
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import DesignStatus, MaterialUnit, MeasurementUnit, Priority
from loomworks.catalog.services import MAX_MEASUREMENT_KEY_LENGTH
from loomworks.core.limits import MAX_DURATION_MINUTES, MAX_UNIT_COST, hex_colour_validator
from loomworks.partners.models import MemberRole, PartnerRole
from loomworks.partners.services import MAX_ADDRESS_LENGTH
from loomworks.web.console.forms import DateInput, member_language_choices
from loomworks.web.forms import WholeNumberField
from loomworks.work.services import MAX_CHECKLIST_ITEM_LENGTH, MAX_CHECKLIST_ITEMS

# Rows of one kind a design may have in the editor (the API allows as many).
MAX_ROWS = 200


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


# ---------------------------------------------------------------- the design editor


class DesignEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=2000,
        help_text=_("Season, collection… separated by commas."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. SS27, Coastal")}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=DesignStatus.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    thumbnail_url = forms.CharField(
        label=_("Thumbnail URL"), required=False, max_length=500, widget=forms.URLInput
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measurement_unit = forms.ChoiceField(
        label=_("Measurements in"), choices=MeasurementUnit.choices
    )

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class ColorRow(forms.Form):
    name = forms.CharField(label=_("Colour"), max_length=100)
    hex_code = forms.CharField(
        label=_("Hex"),
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "#1A2B3C", "size": 8}),
    )
    usage_notes = forms.CharField(
        label=_("Where it is used"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. body, collar")}),
    )

    def clean_hex_code(self) -> str:
        value = self.cleaned_data["hex_code"].strip().upper()
        if not value.startswith("#"):
            value = "#" + value
        try:
            hex_colour_validator(value)
        except ValidationError:
            raise ValidationError(_("Use a colour like #1A2B3C.")) from None
        return value


class SizeRow(forms.Form):
    size_label = forms.CharField(
        label=_("Size"), max_length=50, widget=forms.TextInput(attrs={"size": 6})
    )


class MeasurementRow(forms.Form):
    """One point of measure (chest, length…) and its value in each of the design's sizes."""

    point = forms.CharField(
        label=_("Point of measure"),
        max_length=MAX_MEASUREMENT_KEY_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. chest width")}),
    )

    def __init__(self, *args, sizes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sizes = list(sizes)
        for index, label in enumerate(self.sizes):
            self.fields[f"v{index}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=0,
                max_digits=8,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "size": 5}),
            )

    def value_fields(self):
        return [self[f"v{index}"] for index in range(len(self.sizes))]


class SpecificationRow(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.CharField(label=_("Category"), required=False, max_length=100)
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Measurements a specification line carries (from the API): kept as they are.
    measurements = forms.JSONField(required=False, widget=forms.HiddenInput)


class MaterialRow(forms.Form):
    material_id = forms.ChoiceField(label=_("Material"))
    planned_quantity = forms.DecimalField(
        label=_("Quantity per piece"),
        min_value=0,
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "size": 6}),
    )
    # A line written by name only (through the API, with no material): kept as it is.
    name = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    unit = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material_id"].choices = [("", _("Choose a material…"))] + [
            (material.pk, f"{material.name} ({material.sku}) · {material.unit}")
            for material in materials
        ]
        self.units = {material.pk: material.unit for material in materials}
        if self.initial.get("name") and not self.initial.get("material_id"):
            self.fields["material_id"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("material_id") and not data.get("name"):
            self.add_error("material_id", _("Choose a material."))
        return data


def _unique_rows(field: str, message):
    """A formset check: no two kept rows share a value of `field`."""

    class UniqueRows(forms.BaseFormSet):
        def clean(self):
            seen = set()
            for form in self.forms:
                if not form.has_changed() and form.empty_permitted:
                    continue
                if self.can_delete and self._should_delete_form(form):
                    continue
                value = (form.cleaned_data or {}).get(field)
                if value is None:
                    continue
                key = str(value).strip().casefold()
                if key in seen:
                    form.add_error(field, message)
                seen.add(key)

    return UniqueRows


ColorRows = forms.formset_factory(
    ColorRow,
    formset=_unique_rows("name", _("This colour is listed twice.")),
    extra=0,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
)
SizeRows = forms.formset_factory(
    SizeRow,
    formset=_unique_rows("size_label", _("This size is listed twice.")),
    extra=0,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
)
MeasurementRows = forms.formset_factory(
    MeasurementRow,
    formset=_unique_rows("point", _("This point of measure is listed twice.")),
    extra=0,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
)
SpecificationRows = forms.formset_factory(
    SpecificationRow, extra=0, can_delete=True, max_num=MAX_ROWS, validate_max=True
)
MaterialRows = forms.formset_factory(
    MaterialRow, extra=0, can_delete=True, max_num=MAX_ROWS, validate_max=True
)


# ---------------------------------------------------------------- task templates


class TemplateEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.CharField(label=_("Category"), required=False, max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    estimated_duration = WholeNumberField(
        label=_("Estimated duration (minutes)"),
        required=False,
        min_value=0,
        max_value=MAX_DURATION_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ChecklistItemRow(forms.Form):
    text = forms.CharField(label=_("Checklist item"), max_length=MAX_CHECKLIST_ITEM_LENGTH)


ChecklistRows = forms.formset_factory(
    ChecklistItemRow,
    extra=0,
    can_delete=True,
    max_num=MAX_CHECKLIST_ITEMS,
    validate_max=True,
)


# ---------------------------------------------------------------- partners and members


def country_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Not set")),
        *sorted(
            ((country.alpha_2, country.name) for country in pycountry.countries),
            key=lambda choice: choice[1],
        ),
    ]


def spoken_language_choices() -> list[tuple[str, str]]:
    return sorted(
        (
            (language.alpha_2, language.name)
            for language in pycountry.languages
            if hasattr(language, "alpha_2")
        ),
        key=lambda choice: choice[1],
    )


class PartnerEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    phone = forms.CharField(label=_("Contact phone"), required=False, max_length=50)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=MAX_ADDRESS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose more than one."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Work it can take on"),
        required=False,
        choices=PartnerRole.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        self.fields["languages"].choices = spoken_language_choices()


class MemberEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Of the portal and the e-mails."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = member_language_choices()
