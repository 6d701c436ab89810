"""The brand's files of a design, on the design page: upload (several at once, one kind
for them all) and take off. The checks and the audit row are the service's
(`production.services.design_files`); a refusal is shown beside the field it names."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.core.errors import InvalidInput, NotFound
from loomworks.production import services
from loomworks.production.run_records import admin_design_file
from loomworks.web.console import selectors
from loomworks.web.console.design_file_forms import DesignFilesForm
from loomworks.web.console.views.common import actor_for, admin_required, render_not_found
from loomworks.web.console.views.directory import render_design


@admin_required
@require_POST
def design_files_upload(request, design_id):
    design = selectors.design_detail(design_id)
    if design is None:
        return render_not_found(request, _("There is no design with that id."))
    form = DesignFilesForm(request.POST)
    files = request.FILES.getlist("files")
    if form.is_valid():
        try:
            created = services.design_files_add(
                design=design, actor=actor_for(request), files=files, kind=form.cleaned_data["kind"]
            )
        except InvalidInput as error:
            if error.field == "files":
                form.files_error = error.detail
            else:
                form.add_error("kind" if error.field == "kind" else None, error.detail)
        else:
            messages.success(
                request,
                _("Added to %(design)s: %(names)s.")
                % {"design": design.name, "names": ", ".join(m.original_name for m in created)},
            )
            return redirect(reverse("console:design_detail", args=[design_id]) + "#files")
    return render_design(request, design_id, files_form=form, status=422)


@admin_required
@require_POST
def design_file_remove(request, design_id, file_id):
    design = selectors.design_detail(design_id)
    if design is None:
        return render_not_found(request, _("There is no design with that id."))
    try:
        media = admin_design_file(design_id, file_id)
    except NotFound:
        return render_not_found(request, _("The design has no such file."))
    services.design_file_remove(media=media, actor=actor_for(request))
    messages.success(
        request,
        _("%(name)s is taken off the design; runs made before keep it.")
        % {"name": media.original_name},
    )
    return redirect(reverse("console:design_detail", args=[design_id]) + "#files")
