"""The console's forms. They parse and check what a person typed; the services
decide whether the action is allowed and do it."""

import re

from django import forms
from django.conf import settings
from django.utils.text import slugify
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from loomworks.catalog.models import Priority
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_DURATION_MINUTES, MAX_ORDER_GROUP, MAX_QUANTITY, MAX_TEXT
from loomworks.partners.models import MemberRole, PartnerStatus
from loomworks.production.models import NextStepQuantity, OverDelivery, RunStatus, RunType
from loomworks.production.selectors import RunFilters
from loomworks.production.services import Assignment
from loomworks.web.forms import PlainSelect, WholeNumberField

ORDER_CHOICES = [
    ("-created_at", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("reference", _("Reference")),
    ("-reference", _("Reference, descending")),
    ("status", _("Status")),
    ("-status", _("Status, descending")),
    ("quantity", _("Quantity")),
    ("-quantity", _("Quantity, descending")),
    ("due_date", _("Due date")),
    ("-due_date", _("Due date, descending")),
]


def apply_error(form: forms.Form, error: InvalidInput, field_map: dict | None = None) -> None:
    """Show a service's `InvalidInput` beside the field it names (or above the form)."""
    name = (field_map or {}).get(error.field, error.field)
    form.add_error(name if name in form.fields else None, error.detail)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# ---------------------------------------------------------------- runs list


class RunFilterForm(forms.Form):
    """The runs list's filters, under the API's parameter names. A value that
    does not parse is dropped rather than refused: a list is always shown."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, design or partner")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *RunStatus.choices]
    )
    partner_id = forms.ChoiceField(label=_("Partner"), required=False, widget=PlainSelect)
    run_type = forms.ChoiceField(
        label=_("Run type"), required=False, choices=[("", _("Any type")), *RunType.choices]
    )
    design_id = forms.CharField(required=False, widget=forms.HiddenInput)
    top_level = forms.BooleanField(label=_("Top-level only"), required=False)
    late = forms.BooleanField(label=_("Late only"), required=False)
    order = forms.ChoiceField(
        label=_("Sort"), required=False, choices=ORDER_CHOICES, widget=forms.HiddenInput
    )
    page = WholeNumberField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_id"].choices = [("", _("Any partner"))] + [
            (partner.pk, partner.name) for partner in partners
        ]

    def values(self) -> dict:
        """The filters that parsed, blank ones left out (none for an unbound form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        cleaned = self.cleaned_data
        return {name: value for name, value in cleaned.items() if value not in (None, "", False)}

    def filters(self) -> RunFilters:
        """The filters as the selector takes them: the runs list, its export and its bulk
        actions ("all that match") all read the runs through this."""
        values = self.values()
        return RunFilters(
            status=values.get("status"),
            partner_id=values.get("partner_id"),
            run_type=values.get("run_type"),
            design_id=values.get("design_id"),
            top_level=values.get("top_level"),
            late=values.get("late"),
            q=values.get("q"),
            order=values.get("order") or "-created_at",
        )


# ---------------------------------------------------------------- bulk actions

BULK_ACTION_CHOICES = [
    ("approve", _("Approve")),
    ("dispatch", _("Send to production")),
    ("reassign", _("Reassign to another partner")),
    ("cancel", _("Cancel")),
]
BULK_SELECTED, BULK_FILTER = "selected", "filter"


class IdListField(forms.Field):
    """Ids sent as one field repeated (`run_ids=…&run_ids=…`), blanks and repeats dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return list(dict.fromkeys(str(item).strip() for item in values if str(item).strip()))


class BulkForm(forms.Form):
    """What to do with which runs: the ticked ones, or all that match the list's filters
    (sent along as `filter-…` fields, read with `RunFilterForm(prefix="filter")`)."""

    action = forms.ChoiceField(
        label=_("With the runs"),
        choices=[("", _("Choose an action…")), *BULK_ACTION_CHOICES],
        error_messages={"required": _("Choose what to do with the runs.")},
    )
    scope = forms.ChoiceField(
        required=False,
        choices=[(BULK_SELECTED, _("The runs ticked")), (BULK_FILTER, _("All that match"))],
    )
    run_ids = IdListField(required=False)
    # How many runs the person was shown on the confirm step ("all that match" only).
    expected = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    @property
    def by_filter(self) -> bool:
        return self.cleaned_data.get("scope") == BULK_FILTER


# ---------------------------------------------------------------- approve


class AssignmentForm(forms.Form):
    partner_id = forms.ChoiceField(
        label=_("Partner"), error_messages={"required": _("Choose a partner.")}
    )
    role = forms.CharField(
        label=_("Role"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. cutting")}),
    )
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={"required": _("Give a quantity.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    order = WholeNumberField(
        label=_("Order group"),
        required=False,
        min_value=1,
        max_value=MAX_ORDER_GROUP,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "1"}),
    )
    template_ids = forms.MultipleChoiceField(
        label=_("Task templates"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, partner_choices=(), template_choices=(), key=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.key = key
        self.fields["partner_id"].choices = [("", _("Choose a partner…")), *partner_choices]
        self.fields["template_ids"].choices = list(template_choices)

    def assignment(self) -> Assignment:
        data = self.cleaned_data
        return Assignment(
            partner_id=data["partner_id"],
            quantity=data["quantity"],
            role=data["role"],
            order=data["order"],
            template_ids=list(data["template_ids"]),
        )


_SERVICE_FIELD = re.compile(r"^assignments\[(\d+)\]\.(\w+)$")


class AssignmentRows:
    """The approve form's assignment rows, added and removed in place.

    Each row has a key kept in a hidden `row` input; its fields are named
    `a<key>-<field>`. "Add assignment" and "Remove" submit the form with
    `add_row` or `remove_row=<key>`, and the page comes back with the rows
    changed and every typed value kept, with or without JavaScript.
    """

    def __init__(self, data=None, *, partners, templates, default_quantity: int):
        self.partner_choices = [(p.pk, p.name) for p in partners]
        self.template_choices = [(t.pk, t.name) for t in templates]
        self.non_field_errors: list[str] = []
        self.default_quantity = default_quantity
        keys = []
        for raw in data.getlist("row") if data is not None else []:
            if raw.isdigit() and int(raw) not in keys:
                keys.append(int(raw))
        self.editing = data is not None and ("add_row" in data or "remove_row" in data)
        self.added_key = None
        if data is not None and "add_row" in data:
            self.added_key = max(keys, default=-1) + 1
            keys.append(self.added_key)
        if data is not None and str(data.get("remove_row", "")).isdigit():
            removed = int(data["remove_row"])
            keys = [key for key in keys if key != removed]
        self.forms = [self._form(data, key) for key in keys]

    def _form(self, data, key: int) -> AssignmentForm:
        options = {
            "prefix": f"a{key}",
            "partner_choices": self.partner_choices,
            "template_choices": self.template_choices,
            "key": key,
        }
        if data is None or key == self.added_key:
            return AssignmentForm(initial={"quantity": self.default_quantity}, **options)
        if self.editing:
            # Keep what was typed without judging it yet: the person is still editing.
            prefix = f"a{key}-"
            initial = {
                "partner_id": data.get(prefix + "partner_id", ""),
                "role": data.get(prefix + "role", ""),
                "quantity": data.get(prefix + "quantity", ""),
                "order": data.get(prefix + "order", ""),
                "template_ids": data.getlist(prefix + "template_ids"),
            }
            return AssignmentForm(initial=initial, **options)
        return AssignmentForm(data, **options)

    def is_valid(self) -> bool:
        return not self.editing and all(form.is_valid() for form in self.forms)

    def assignments(self) -> list[Assignment]:
        return [form.assignment() for form in self.forms]

    def apply_error(self, error: InvalidInput) -> None:
        match = _SERVICE_FIELD.match(error.field or "")
        if match and int(match.group(1)) < len(self.forms):
            form = self.forms[int(match.group(1))]
            name = match.group(2)
            form.add_error(name if name in form.fields else None, error.detail)
        else:
            self.non_field_errors.append(error.detail)


# ---------------------------------------------------------------- dispatch and tasks


class TemplateOrderForm(forms.Form):
    """Pick templates and the order their tasks come in: a tick and a position for each."""

    template_ids = forms.MultipleChoiceField(
        label=_("Task templates"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one task template.")},
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = list(templates)
        self.fields["template_ids"].choices = [(t.pk, t.name) for t in self.templates]
        for template in self.templates:
            self.fields[f"position_{template.pk}"] = WholeNumberField(
                label=_("Position of %(name)s") % {"name": template.name},
                required=False,
                min_value=1,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def _value(self, name):
        if self.is_bound:
            return self.data.getlist(name) if name == "template_ids" else self.data.get(name, "")
        return self.initial.get(name, "")

    def rows(self) -> list[dict]:
        chosen = set(self._value("template_ids") or [])
        return [
            {
                "template": template,
                "checked": template.pk in chosen,
                "position_name": f"position_{template.pk}",
                "position": self._value(f"position_{template.pk}") or "",
                "position_errors": self.checked_errors.get(f"position_{template.pk}"),
            }
            for template in self.templates
        ]

    @property
    def checked_errors(self) -> dict:
        """The errors once the form was validated; none while it is only previewed."""
        return self._errors or {}

    def ordered_ids(self) -> list[str]:
        """The chosen templates by position; those without one keep the list's order, last."""
        chosen = set(self.cleaned_data["template_ids"])
        ranked = [
            (self.cleaned_data.get(f"position_{t.pk}") or 10**6, index, t.pk)
            for index, t in enumerate(self.templates)
            if t.pk in chosen
        ]
        return [template_id for _position, _index, template_id in sorted(ranked)]

    def preview(self) -> list:
        """The templates that would be used, in order, read leniently from what is ticked."""
        if not self.is_bound:
            chosen = list(self.initial.get("template_ids") or [])
            by_id = {t.pk: t for t in self.templates}
            return [by_id[tid] for tid in chosen if tid in by_id]
        ranked = []
        chosen = set(self.data.getlist("template_ids"))
        for index, template in enumerate(self.templates):
            if template.pk not in chosen:
                continue
            raw = self.data.get(f"position_{template.pk}", "")
            position = int(raw) if raw.isdigit() else 10**6
            ranked.append((position, index, template))
        return [template for _position, _index, template in sorted(ranked, key=lambda r: r[:2])]


class AddTasksForm(forms.Form):
    template_ids = forms.MultipleChoiceField(
        label=_("From templates"), required=False, widget=forms.CheckboxSelectMultiple
    )
    title = forms.CharField(label=_("Or a task in your own words"), required=False, max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_ids"].choices = [(t.pk, t.name) for t in templates]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("template_ids") and not (cleaned.get("title") or "").strip():
            raise forms.ValidationError(_("Choose a template or give the task a title."))
        return cleaned


# ---------------------------------------------------------------- other run actions


class ReassignForm(forms.Form):
    partner_id = forms.ChoiceField(
        label=_("New partner"), error_messages={"required": _("Choose a partner.")}
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_id"].choices = [("", _("Choose a partner…"))] + [
            (p.pk, p.name) for p in partners
        ]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Give the reason; the partner and the history will show it.")
        },
    )


class NoteForm(forms.Form):
    """Accept, start, finish or complete on the partner's behalf, with an optional note."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class EditRunForm(forms.Form):
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    run_type = forms.ChoiceField(label=_("Run type"), choices=RunType.choices)
    role = forms.CharField(label=_("Role"), required=False, max_length=100)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Reply"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write something before sending the comment.")},
    )


# ---------------------------------------------------------------- designs, partners, templates


class NewRunForm(forms.Form):
    run_type = forms.ChoiceField(choices=RunType.choices, widget=forms.HiddenInput)
    quantity = WholeNumberField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DesignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    thumbnail_url = forms.CharField(
        label=_("Thumbnail URL"), required=False, max_length=500, widget=forms.URLInput
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)


class PartnerCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    handle = forms.SlugField(
        label=_("Handle"),
        max_length=100,
        required=False,
        help_text=_(
            "A short name for links and the API: letters, digits, - and _, no spaces. "
            "Left blank, it is made from the name."
        ),
        error_messages={
            "invalid": _(
                "Use only letters, digits, hyphens (-) and underscores (_), no spaces; "
                "for example atelier-nord."
            )
        },
        # pages.js fills it in from the name as it is typed, until the admin edits it.
        widget=forms.TextInput(attrs={"data-suggest-from": "id_name", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    phone = forms.CharField(label=_("Contact phone"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("Status"), choices=PartnerStatus.choices, initial=PartnerStatus.ACTIVE
    )
    owner_email = forms.EmailField(label=_("Owner's e-mail"))
    owner_first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    owner_last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    owner_password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Leave blank to let the owner set one later."),
    )
    owner_language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Of the portal and the e-mails, the invitation first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_language"].choices = member_language_choices()

    def clean_handle(self):
        """Blank: the handle is suggested from the name, as the page does while typing."""
        handle = self.cleaned_data.get("handle") or ""
        if not handle:
            handle = slugify(self.data.get("name", ""))[:100]
        return handle

    SERVICE_FIELDS = {
        "admin.email": "owner_email",
        "admin.password": "owner_password",
        "admin.role": None,
        "admin.language": "owner_language",
    }

    def owner(self) -> dict:
        data = self.cleaned_data
        return {
            "email": data["owner_email"],
            "first_name": data["owner_first_name"],
            "last_name": data["owner_last_name"],
            "password": data["owner_password"] or None,
            "language": data["owner_language"],
        }


class MemberAddForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MANAGER
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters. Leave blank to let them set one later."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Of the portal and the e-mails, the invitation first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = member_language_choices()


def member_language_choices() -> list[tuple[str, str]]:
    """A new member's language; blank lets their browser decide (e-mails: the site's default)."""
    return [("", _("Not set"))] + [
        (code, get_language_info(code)["name_local"].capitalize())
        for code, _name in settings.LANGUAGES
    ]


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.CharField(label=_("Category"), required=False, max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    estimated_duration = WholeNumberField(
        label=_("Estimated duration (minutes)"),
        required=False,
        min_value=1,
        max_value=MAX_DURATION_MINUTES,
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item per line; each becomes a subtask."),
    )

    def clean_checklist(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data["checklist"].splitlines() if line.strip()
        ]


# ---------------------------------------------------------------- output


class DeliveryForm(forms.Form):
    """A delivery recorded for the partner: good pieces, one line of rejected pieces."""

    good = WholeNumberField(label=_("Good pieces"), min_value=0, initial=0)
    reason = forms.ChoiceField(label=_("Rejected for"), required=False, choices=())
    rejected = WholeNumberField(label=_("Rejected pieces"), required=False, min_value=1)
    reject_note = forms.CharField(label=_("What was wrong"), required=False, max_length=2000)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    final = forms.BooleanField(
        label=_("This is the last delivery: hand the run over"), required=False
    )
    shortfall_reason = forms.CharField(
        label=_("Why fewer than ordered?"), required=False, max_length=2000
    )

    def __init__(self, *args, reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *(reasons or {}).items()]

    def rejected_lines(self) -> list[dict]:
        data = self.cleaned_data
        if data.get("reason") and data.get("rejected"):
            return [
                {
                    "reason": data["reason"],
                    "quantity": data["rejected"],
                    "note": data.get("reject_note") or "",
                }
            ]
        return []


class DeliveryCorrectForm(forms.Form):
    """A correction: the good pieces and each rejected line's quantity, with the reason why."""

    good = WholeNumberField(label=_("Good pieces"), min_value=0)
    reason = forms.CharField(
        label=_("Why is it corrected?"),
        max_length=2000,
        error_messages={"required": _("Say why the delivery is corrected.")},
    )

    def __init__(self, *args, delivery=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery = delivery
        for index, line in enumerate(delivery.rejections if delivery else ()):
            self.fields[f"rejected_{index}"] = WholeNumberField(
                label=line.label, min_value=0, initial=line.quantity
            )

    def rejected_lines(self) -> list[dict]:
        lines = []
        for index, line in enumerate(self.delivery.rejections):
            quantity = self.cleaned_data.get(f"rejected_{index}")
            if quantity:
                lines.append(
                    {
                        "reason": line.reason,
                        "quantity": quantity,
                        "note": line.note,
                        "size": line.size,
                        "color": line.color,
                    }
                )
        return lines


class ReworkForm(forms.Form):
    quantity = WholeNumberField(label=_("Pieces to rework"), min_value=1)
    partner_id = forms.ChoiceField(label=_("Partner"), required=False, choices=())
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_id"].choices = [("", _("The same partner"))] + [
            (partner.pk, partner.name) for partner in partners
        ]


class ConfirmQuantityForm(forms.Form):
    quantity = WholeNumberField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)


class OutputPolicyForm(forms.Form):
    over_delivery = forms.ChoiceField(
        label=_("Pieces beyond the order"), choices=OverDelivery.choices, widget=forms.RadioSelect
    )
    next_step_quantity = forms.ChoiceField(
        label=_("When a step delivers another quantity than planned, the next step"),
        choices=NextStepQuantity.choices,
        widget=forms.RadioSelect,
    )
    complete_when_delivered = forms.BooleanField(
        label=_("Complete a run once everything ordered is delivered"), required=False
    )
    complete_when_tasks_done = forms.BooleanField(
        label=_("Complete a run once every task is done (else wait for the hand-over)"),
        required=False,
    )
    rejection_reasons = forms.CharField(
        label=_("Rejection reasons"),
        help_text=_("One per line: a code, then the label after a colon (stain: Stain)."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def reasons(self) -> list[dict]:
        lines = []
        for raw in self.cleaned_data["rejection_reasons"].splitlines():
            if not raw.strip():
                continue
            code, _sep, label = raw.partition(":")
            lines.append({"code": code.strip(), "label": label.strip()})
        return lines
