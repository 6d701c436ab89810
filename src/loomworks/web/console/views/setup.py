"""Setting a brand up: materials, editing designs, task templates and partners.

Each view parses a form, calls one service (which checks the rules, writes and
leaves the audit row) and shows a refusal beside the field it names.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.catalog import selectors as catalog_selectors
from loomworks.catalog import services as catalog
from loomworks.catalog.models import Material
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.numbers import format_money
from loomworks.web.console.forms import apply_error
from loomworks.web.console.setup_forms import MaterialForm
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    query_url,
    render_console,
    render_not_found,
)

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
