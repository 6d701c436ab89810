"""Bringing designs, materials, bills of materials and partners in from a spreadsheet.

Upload → preview (every row's problems, what would be created and updated;
nothing written) → confirm (checked again from the kept upload, written all or
nothing by `core.imports`). The pages only parse and show.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loomworks.core.errors import InvalidInput, NotFound
from loomworks.core.imports import (
    IMPORT_KINDS,
    ImportPlan,
    ImportRefused,
    import_confirm,
    import_kind,
    import_plan,
    import_stage,
    import_staged,
)
from loomworks.core.tables import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, read_table, template_csv
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    render_console,
    render_not_found,
)

# Where each kind's records are listed, and the console section it belongs to.
KIND_PAGES = {
    "designs": ("console:design_list", "designs"),
    "design-materials": ("console:design_list", "designs"),
    "materials": ("console:material_list", "materials"),
    "partners": ("console:partner_list", "partners"),
}


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        help_text=gettext_lazy("A .csv (UTF-8, commas or semicolons) or an .xlsx file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def _kind_or_none(name: str):
    try:
        return import_kind(name)
    except NotFound:
        return None


@admin_required
def import_index(request):
    kinds = [IMPORT_KINDS[name] for name in KIND_PAGES if name in IMPORT_KINDS]
    return render_console(
        request,
        "console/imports/index.html",
        {"kinds": kinds, "max_rows": MAX_IMPORT_ROWS},
        section="",
    )


@admin_required
def import_template(request, kind):
    kind = _kind_or_none(kind)
    if kind is None:
        return render_not_found(request, _("There is no import of that kind."))
    response = HttpResponse(
        template_csv(list(kind.columns)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="loomworks-{kind.name}.csv"'
    return response


def _render_kind(request, kind, *, form, plan=None, staged=None, status=200):
    list_url, section = KIND_PAGES.get(kind.name, ("console:dashboard", ""))
    return render_console(
        request,
        "console/imports/kind.html",
        {
            "kind": kind,
            "form": form,
            "plan": plan,
            "staged": staged,
            "list_url": list_url,
            "max_rows": MAX_IMPORT_ROWS,
            "max_megabytes": MAX_IMPORT_BYTES // (1024 * 1024),
        },
        section=section,
        status=status,
    )


@admin_required
def import_upload(request, kind):
    kind = _kind_or_none(kind)
    if kind is None:
        return render_not_found(request, _("There is no import of that kind."))
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _render_kind(request, kind, form=form)
    if not form.is_valid():
        return _render_kind(request, kind, form=form, status=422)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        form.add_error(
            "file",
            _("The file is larger than %(size)d MB; split it into smaller files.")
            % {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
        )
        return _render_kind(request, kind, form=form, status=422)
    try:
        table = read_table(upload.read(), upload.name)
    except InvalidInput as error:
        form.add_error("file", error.detail)
        return _render_kind(request, kind, form=form, status=422)
    plan = import_plan(kind=kind, table=table)
    if plan.errors:
        return _render_kind(request, kind, form=form, plan=plan, status=422)
    staged = import_stage(kind=kind, table=table, user=request.user, filename=upload.name)
    return _render_kind(request, kind, form=ImportUploadForm(), plan=plan, staged=staged)


@admin_required
@require_POST
def import_apply(request, kind):
    kind = _kind_or_none(kind)
    if kind is None:
        return render_not_found(request, _("There is no import of that kind."))
    staged = import_staged(token=request.POST.get("token", ""), user=request.user, kind=kind)
    if staged is None:
        messages.error(
            request, _("This preview has expired or was imported already; upload the file again.")
        )
        return redirect("console:import_upload", kind=kind.name)
    try:
        plan = import_confirm(staged=staged, actor=actor_for(request))
    except ImportRefused as refused:
        messages.error(request, refused.detail)
        form = ImportUploadForm()
        return _render_kind(
            request,
            kind,
            form=form,
            plan=ImportPlan(kind=kind.name, errors=refused.errors),
            status=422,
        )
    except NotFound as error:
        messages.error(request, error.detail)
        return redirect("console:import_upload", kind=kind.name)
    messages.success(
        request,
        _(
            "Imported from %(file)s: %(created)d added, %(updated)d updated, %(unchanged)d unchanged."
        )
        % {
            "file": staged.filename,
            "created": len(plan.to_create),
            "updated": len(plan.to_update),
            "unchanged": len(plan.unchanged),
        },
    )
    return redirect(KIND_PAGES.get(kind.name, ("console:dashboard", ""))[0])
