"""Setting a brand up: materials, editing designs, task templates and partners.

Each view parses a form, calls one service (which checks the rules, writes and
leaves the audit row) and shows a refusal beside the field it names.
"""

import re
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.catalog import selectors as catalog_selectors
from loomworks.catalog import services as catalog
from loomworks.catalog.models import Material
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.numbers import format_money
from loomworks.partners import services as partners
from loomworks.partners.models import Partner, PartnerMember
from loomworks.web.console.forms import apply_error
from loomworks.web.console.setup_forms import (
    ChecklistRows,
    ColorRows,
    DesignEditForm,
    MaterialForm,
    MaterialRows,
    MeasurementRows,
    MemberEditForm,
    PartnerEditForm,
    SizeRows,
    SpecificationRows,
    TemplateEditForm,
)
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    query_url,
    render_console,
    render_not_found,
)
from loomworks.work import services as work
from loomworks.work.models import TaskTemplate

MATERIALS_PER_PAGE = 50


# ---------------------------------------------------------------- materials


@admin_required
def material_list(request):
    q = request.GET.get("q", "").strip()
    show_archived = request.GET.get("archived") == "true"
    materials = catalog_selectors.material_list(q=q, archived=None if show_archived else False)
    page = Paginator(materials, MATERIALS_PER_PAGE).get_page(request.GET.get("page"))
    for material in page:
        material.cost_text = (
            format_money(material.unit_cost, material.currency)
            if material.unit_cost is not None
            else ""
        )
    context = {
        "page": page,
        "q": q,
        "show_archived": show_archived,
        "archived_url": query_url(
            request.path, {"q": q}, archived=None if show_archived else "true"
        ),
    }
    return render_console(request, "console/materials/list.html", context, section="materials")


def _material_values(form: MaterialForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "sku": data["sku"],
        "unit": data["unit"],
        "unit_cost": data["unit_cost"],
        "currency": data["currency"],
    }


def _material_refused(form, error, material=None) -> None:
    """Beside its field: a taken SKU, or (when editing) a unit already counted in."""
    if isinstance(error, InvalidInput):
        apply_error(form, error)
        return
    taken = Material.objects.filter(sku=form.cleaned_data["sku"])
    if material is not None:
        taken = taken.exclude(pk=material.pk)
    form.add_error("sku" if taken.exists() else "unit", error.detail)


@admin_required
def material_create(request):
    form = MaterialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            material = catalog.material_create(actor=actor_for(request), **_material_values(form))
        except (InvalidInput, Conflict) as error:
            _material_refused(form, error)
        else:
            messages.success(
                request, _("The material %(name)s is added.") % {"name": material.name}
            )
            return redirect("console:material_list")
    return render_console(
        request,
        "console/materials/form.html",
        {"form": form, "material": None},
        section="materials",
    )


@admin_required
def material_edit(request, material_id):
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        return render_not_found(request, _("There is no material with that id."))
    if request.method == "POST":
        form = MaterialForm(request.POST)
        if form.is_valid():
            try:
                material = catalog.material_update(
                    material=material, actor=actor_for(request), **_material_values(form)
                )
            except (InvalidInput, Conflict) as error:
                _material_refused(form, error, material)
            else:
                messages.success(
                    request, _("The material %(name)s is saved.") % {"name": material.name}
                )
                return redirect("console:material_list")
    else:
        form = MaterialForm(
            initial={
                "name": material.name,
                "sku": material.sku,
                "unit": material.unit,
                "unit_cost": material.unit_cost,
                "currency": material.currency,
            }
        )
    context = {
        "form": form,
        "material": material,
        "unit_locked": catalog.material_unit_in_use(material),
    }
    return render_console(request, "console/materials/form.html", context, section="materials")


@admin_required
@require_POST
def material_archive(request, material_id):
    """Archive a material (it stays on the designs and logs that name it) or restore it."""
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        return render_not_found(request, _("There is no material with that id."))
    archived = request.POST.get("archived") == "true"
    catalog.material_update(material=material, actor=actor_for(request), archived=archived)
    if archived:
        message = _("%(name)s is archived: new bills of materials no longer offer it.")
    else:
        message = _("%(name)s is back in the list of materials.")
    messages.success(request, message % {"name": material.name})
    return redirect("console:material_list")


# ---------------------------------------------------------------- the design editor

# The editor's row sets: (prefix, the service's list name, the form set class).
ROW_SETS = {
    "colors": ColorRows,
    "sizes": SizeRows,
    "measurements": MeasurementRows,
    "specifications": SpecificationRows,
    "materials": MaterialRows,
}
_SERVICE_ROW = re.compile(r"^(specifications|colors|size_sets|materials)\[(\d+)\]\.(\w+)$")


def _design_initial(design) -> dict:
    """What the editor shows of a design: the main fields and one list of rows per set."""
    sizes = list(design.size_sets.all())
    points: list[str] = list(design.measurement_points or [])
    for size in sizes:
        for key in size.measurements or {}:
            if key not in points:
                points.append(key)
    return {
        "main": {
            "name": design.name,
            "description": design.description,
            "tags": ", ".join(str(tag) for tag in design.tags or []),
            "status": design.status,
            "priority": design.priority,
            "target_date": design.target_date,
            "thumbnail_url": design.thumbnail_url,
            "notes": design.notes,
            "measurement_unit": design.measurement_unit,
        },
        "colors": [
            {"name": c.name, "hex_code": c.hex_code, "usage_notes": c.usage_notes}
            for c in design.colors.all()
        ],
        "sizes": [{"size_label": size.size_label} for size in sizes],
        "measurements": [
            {
                "point": point,
                **{
                    f"v{index}": (size.measurements or {}).get(point)
                    for index, size in enumerate(sizes)
                },
            }
            for point in points
        ],
        "specifications": [
            {
                "title": spec.title,
                "category": spec.category,
                "details": spec.details,
                "measurements": spec.measurements or None,
            }
            for spec in design.specifications.all()
        ],
        "materials": [
            {
                "material_id": line.material_id or "",
                "planned_quantity": line.planned_quantity,
                "name": "" if line.material_id else line.name,
                "unit": "" if line.material_id else line.unit,
            }
            for line in design.materials.all()
        ],
    }


def _bom_materials(design) -> list[Material]:
    """Materials a bill-of-materials line may name: those in use, and any already on it."""
    listed = [line.material_id for line in design.materials.all() if line.material_id]
    return list(
        Material.objects.filter(Q(archived=False) | Q(pk__in=listed)).order_by("name", "id")
    )


def _editor_forms(design, data=None) -> tuple[DesignEditForm, dict]:
    initial = _design_initial(design)
    size_labels = [row["size_label"] for row in initial["sizes"]]
    options = {
        "measurements": {"sizes": size_labels},
        "materials": {"materials": _bom_materials(design)},
    }
    main = DesignEditForm(data, initial=initial["main"])
    row_sets = {
        prefix: formset(
            data, initial=initial[prefix], prefix=prefix, form_kwargs=options.get(prefix, {})
        )
        for prefix, formset in ROW_SETS.items()
    }
    return main, row_sets


def _kept(formset) -> list:
    """The rows of a valid form set that stay: filled in and not marked for removal."""
    return [
        form
        for form in formset.forms
        if form.cleaned_data
        and not form.cleaned_data.get("DELETE")
        and (form.has_changed() or not form.empty_permitted)
    ]


def _design_changes(main, row_sets) -> tuple[dict, dict]:
    """The service's arguments, and which form each listed row came from (for errors)."""
    fields = dict(main.cleaned_data)
    sources: dict[str, list] = {}
    colors = _kept(row_sets["colors"])
    sources["colors"] = colors
    fields["colors"] = [
        {key: form.cleaned_data[key] for key in ("name", "hex_code", "usage_notes")}
        for form in colors
    ]
    points = _kept(row_sets["measurements"])
    size_forms = _kept(row_sets["sizes"])
    sizes_shown = row_sets["sizes"].initial_form_count()
    sources["size_sets"] = size_forms
    fields["size_sets"] = []
    for form in size_forms:
        column = row_sets["sizes"].forms.index(form)
        measurements = {}
        if column < sizes_shown:
            for point in points:
                value = point.cleaned_data.get(f"v{column}")
                if value is not None:
                    measurements[point.cleaned_data["point"]] = _number_text(value)
        fields["size_sets"].append(
            {"size_label": form.cleaned_data["size_label"], "measurements": measurements}
        )
    specs = _kept(row_sets["specifications"])
    sources["specifications"] = specs
    fields["specifications"] = [
        {
            "title": form.cleaned_data["title"],
            "category": form.cleaned_data["category"],
            "details": form.cleaned_data["details"],
            "measurements": form.cleaned_data.get("measurements") or {},
        }
        for form in specs
    ]
    lines = _kept(row_sets["materials"])
    sources["materials"] = lines
    fields["materials"] = [
        {
            "material_id": form.cleaned_data["material_id"] or None,
            "name": form.cleaned_data["name"],
            "unit": "" if form.cleaned_data["material_id"] else form.cleaned_data["unit"],
            "planned_quantity": form.cleaned_data["planned_quantity"],
        }
        for form in lines
    ]
    return fields, sources


def _number_text(value: Decimal) -> str:
    """52.50 → "52.5", 100 → "100": a measurement as people write it."""
    return format(value.normalize(), "f")


def _show_refusal(error: InvalidInput, main, sources: dict) -> None:
    match = _SERVICE_ROW.match(error.field or "")
    if match:
        kind, index, field = match.group(1), int(match.group(2)), match.group(3)
        rows = sources.get(kind, [])
        if index < len(rows):
            form = rows[index]
            if kind == "size_sets" and field == "measurements":
                form.add_error(None, error.detail)
            else:
                form.add_error(field if field in form.fields else None, error.detail)
            return
    apply_error(main, error)


def _render_editor(request, design, main, row_sets):
    context = {
        "design": design,
        "form": main,
        **{f"{prefix}_rows": formset for prefix, formset in row_sets.items()},
        "size_labels": [form.initial.get("size_label", "") for form in row_sets["sizes"]][
            : row_sets["sizes"].initial_form_count()
        ],
        "has_errors": main.errors or any(not formset.is_valid() for formset in row_sets.values()),
    }
    return render_console(request, "console/designs/edit.html", context, section="designs")


def _with_a_row_added(data, prefix: str):
    """The posted data with one more (empty) row in the set `prefix`."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    total = data.get(key, "0")
    data[key] = str(int(total) + 1 if total.isdigit() else 1)
    return data


@admin_required
def design_edit(request, design_id):
    """Edit everything a design is: its fields, colours, sizes and measurement table,
    specification lines and bill of materials. One save, one audited change."""
    design = catalog_selectors.design_get_or_none(design_id)
    if design is None:
        return render_not_found(request, _("There is no design with that id."))
    if request.method != "POST":
        main, row_sets = _editor_forms(design)
        return _render_editor(request, design, main, row_sets)
    adding = request.POST.get("add_row")
    if adding in ROW_SETS:
        # Still editing: the same page with every typed value and one more row.
        main, row_sets = _editor_forms(design, _with_a_row_added(request.POST, adding))
        return _render_editor(request, design, main, row_sets)
    main, row_sets = _editor_forms(design, request.POST)
    if main.is_valid() and all(formset.is_valid() for formset in row_sets.values()):
        fields, sources = _design_changes(main, row_sets)
        try:
            catalog.design_update(design=design, actor=actor_for(request), **fields)
        except InvalidInput as error:
            _show_refusal(error, main, sources)
        else:
            messages.success(request, _("The design %(name)s is saved.") % {"name": fields["name"]})
            return redirect("console:design_detail", design_id=design.pk)
    return _render_editor(request, design, main, row_sets)


# ---------------------------------------------------------------- task templates

_MOVE = re.compile(r"^(up|down):(\d+)$")


def _checklist_moved(data, move: str):
    """The posted data with one checklist row swapped with its neighbour."""
    match = _MOVE.match(move or "")
    if not match:
        return data
    total = data.get("checklist-TOTAL_FORMS", "0")
    total = int(total) if total.isdigit() else 0
    index = int(match.group(2))
    other = index - 1 if match.group(1) == "up" else index + 1
    if not (0 <= index < total and 0 <= other < total):
        return data
    data = data.copy()
    for name in ("text", "DELETE"):
        a, b = f"checklist-{index}-{name}", f"checklist-{other}-{name}"
        value_a, value_b = data.get(a), data.get(b)
        for key, value in ((a, value_b), (b, value_a)):
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
    return data


def _template_forms(template, data=None):
    main = TemplateEditForm(
        data,
        initial={
            "name": template.name,
            "category": template.category,
            "description": template.description,
            "priority": template.priority,
            "estimated_duration": template.estimated_duration,
        },
    )
    checklist = ChecklistRows(
        data, initial=[{"text": item} for item in template.checklist or []], prefix="checklist"
    )
    return main, checklist


def _render_template_editor(request, template, main, checklist):
    context = {
        "template": template,
        "form": main,
        "checklist_rows": checklist,
        "in_use": work.template_in_use(template),
    }
    return render_console(request, "console/templates/edit.html", context, section="templates")


@admin_required
def template_edit(request, template_id):
    """A template's fields and its checklist: items added, removed and moved up or down."""
    template = TaskTemplate.objects.filter(pk=template_id).first()
    if template is None:
        return render_not_found(request, _("There is no task template with that id."))
    if request.method != "POST":
        return _render_template_editor(request, template, *_template_forms(template))
    if request.POST.get("add_row") == "checklist":
        data = _with_a_row_added(request.POST, "checklist")
        return _render_template_editor(request, template, *_template_forms(template, data))
    if request.POST.get("move"):
        data = _checklist_moved(request.POST, request.POST["move"])
        return _render_template_editor(request, template, *_template_forms(template, data))
    main, checklist = _template_forms(template, request.POST)
    if main.is_valid() and checklist.is_valid():
        items = [form.cleaned_data["text"] for form in _kept(checklist)]
        try:
            template = work.template_update(
                template=template, actor=actor_for(request), checklist=items, **main.cleaned_data
            )
        except InvalidInput as error:
            match = re.match(r"^checklist\[(\d+)\]$", error.field or "")
            kept = _kept(checklist)
            if match and int(match.group(1)) < len(kept):
                kept[int(match.group(1))].add_error("text", error.detail)
            else:
                apply_error(main, error)
        else:
            messages.success(
                request, _("The template %(name)s is saved.") % {"name": template.name}
            )
            return redirect("console:template_list")
    return _render_template_editor(request, template, main, checklist)


@admin_required
@require_POST
def template_remove(request, template_id):
    """Delete a template no run used; archive one that runs used (their tasks keep it)."""
    template = TaskTemplate.objects.filter(pk=template_id).first()
    if template is None:
        return render_not_found(request, _("There is no task template with that id."))
    if request.POST.get("archived") == "false":
        work.template_update(template=template, actor=actor_for(request), archived=False)
        messages.success(
            request,
            _("%(name)s is back: it is offered for new dispatches again.")
            % {"name": template.name},
        )
        return redirect("console:template_list")
    outcome = work.template_remove(template=template, actor=actor_for(request))
    if outcome == "archived":
        message = _(
            "%(name)s is archived, not deleted: runs use it. "
            "It is no longer offered for new dispatches."
        )
    else:
        message = _("%(name)s is deleted.")
    messages.success(request, message % {"name": template.name})
    return redirect("console:template_list")


# ---------------------------------------------------------------- partners and members


def _partner_or_none(partner_id: str) -> Partner | None:
    return Partner.objects.filter(pk=partner_id).first()


@admin_required
def partner_edit(request, partner_id):
    """A partner's name, contact, address, country, languages and the work it takes on."""
    partner = _partner_or_none(partner_id)
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    if request.method == "POST":
        form = PartnerEditForm(request.POST)
        if form.is_valid():
            try:
                partner = partners.partner_update(
                    partner=partner, actor=actor_for(request), **form.cleaned_data
                )
            except InvalidInput as error:
                apply_error(form, error, {"languages[0]": "languages", "roles[0]": "roles"})
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": partner.name})
                return redirect("console:partner_detail", partner_id=partner.pk)
    else:
        form = PartnerEditForm(
            initial={
                "name": partner.name,
                "contact_name": partner.contact_name,
                "email": partner.email,
                "phone": partner.phone,
                "address": partner.address,
                "country": partner.country,
                "languages": partner.languages,
                "roles": partner.roles,
            }
        )
    return render_console(
        request,
        "console/partners/edit.html",
        {"partner": partner, "form": form},
        section="partners",
    )


def _member_or_none(partner: Partner | None, member_id: str) -> PartnerMember | None:
    if partner is None:
        return None
    return partner.members.select_related("user").filter(pk=member_id).first()


def _members_anchor(partner) -> str:
    return reverse("console:partner_detail", args=[partner.pk]) + "#members"


@admin_required
def member_edit(request, partner_id, member_id):
    """A member's name, role and language."""
    partner = _partner_or_none(partner_id)
    member = _member_or_none(partner, member_id)
    if member is None:
        return render_not_found(request, _("There is no such member."))
    if request.method == "POST":
        form = MemberEditForm(request.POST)
        if form.is_valid():
            try:
                partners.member_update(member=member, actor=actor_for(request), **form.cleaned_data)
            except InvalidInput as error:
                apply_error(form, error)
            except Conflict as error:
                form.add_error("role", error.detail)
            else:
                messages.success(
                    request,
                    _("%(email)s is saved.") % {"email": member.user.email},
                )
                return redirect(_members_anchor(partner))
    else:
        user = member.user
        form = MemberEditForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "role": member.role,
                "language": user.language,
            }
        )
    return render_console(
        request,
        "console/partners/member_edit.html",
        {"partner": partner, "member": member, "form": form},
        section="partners",
    )


@admin_required
@require_POST
def member_active(request, partner_id, member_id):
    """Switch a member off (after the page's confirmation) or on again."""
    partner = _partner_or_none(partner_id)
    member = _member_or_none(partner, member_id)
    if member is None:
        return render_not_found(request, _("There is no such member."))
    active = request.POST.get("is_active") == "true"
    if not active and request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm that you want to deactivate this member."))
        return redirect(_members_anchor(partner))
    try:
        partners.member_update(member=member, actor=actor_for(request), is_active=active)
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        if active:
            message = _(
                "%(email)s is active again. They sign in as before; API tokens revoked "
                "earlier stay revoked."
            )
        else:
            message = _("%(email)s is deactivated: they can no longer use the portal or the API.")
        messages.success(request, message % {"email": member.user.email})
    return redirect(_members_anchor(partner))
