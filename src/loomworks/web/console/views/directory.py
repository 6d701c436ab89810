"""Designs, partners and task templates: the things runs are made from."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from loomworks.catalog import services as catalog
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.formatting import amount_text
from loomworks.insights.scorecards import partner_scorecard
from loomworks.money import selectors as money_selectors
from loomworks.notifications import selectors as notification_selectors
from loomworks.partners import services as partners
from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production import services as production_services
from loomworks.production.models import RunType
from loomworks.production.run_records import admin_design_files
from loomworks.production.selectors import RunFilters, admin_run_queryset, admin_run_rows
from loomworks.production.workshop_load import load_timeline
from loomworks.web.console import selectors
from loomworks.web.console.design_file_forms import DesignFilesForm
from loomworks.web.console.forms import (
    DesignForm,
    MemberAddForm,
    NewRunForm,
    PartnerCreateForm,
    TemplateForm,
    apply_error,
)
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    render_console,
    render_not_found,
)
from loomworks.web.console.views.scorecards import period_context, period_form
from loomworks.web.matrix import MatrixInput
from loomworks.work import services as work
from loomworks.work.models import TaskTemplate

DESIGNS_PER_PAGE = 30
INVITATION_SENT = gettext_lazy("An invitation to choose a password is on its way to %(email)s.")
RUNS_ON_A_PAGE = 20


# ---------------------------------------------------------------- designs


@admin_required
def design_list(request):
    q = request.GET.get("q", "")
    page = Paginator(selectors.design_list(q), DESIGNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": selectors.design_rows(page.object_list), "q": q}
    return render_console(request, "console/designs/list.html", context, section="designs")


def _design_axes(design) -> tuple[list[str], list[str]]:
    sizes = [s.size_label for s in design.size_sets.all() if s.size_label]
    colors = [c.name for c in design.colors.all() if c.name]
    return list(dict.fromkeys(sizes)), list(dict.fromkeys(colors))


def _run_matrix(design, kind: str, data=None) -> MatrixInput:
    sizes, colors = _design_axes(design)
    return MatrixInput(data, sizes=sizes, colors=colors, prefix=f"{kind}-sq")


def _new_run_forms(design, bound: NewRunForm | None = None) -> dict:
    forms = {
        RunType.SAMPLE: NewRunForm(initial={"run_type": RunType.SAMPLE, "quantity": 1}),
        RunType.PRODUCTION: NewRunForm(initial={"run_type": RunType.PRODUCTION, "quantity": 10}),
    }
    for kind, form in forms.items():
        form.matrix = _run_matrix(design, kind)
    if bound is not None:
        forms[bound.data.get("run_type")] = bound
    return forms


def render_design(request, design_id: str, *, bound_run_form=None, files_form=None, status=200):
    design = selectors.design_detail(design_id)
    if design is None:
        return render_not_found(request, _("There is no design with that id."))
    runs = admin_run_rows(selectors.runs_of_design(design)[:RUNS_ON_A_PAGE])
    forms = _new_run_forms(design, bound_run_form)
    materials = list(design.materials.all())
    for line in materials:
        line.amount = amount_text(line.planned_quantity)
    size_columns, size_rows = selectors.size_table(
        [
            {"size_label": s.size_label, "measurements": s.measurements}
            for s in design.size_sets.all()
        ],
        design.measurement_unit,
        design.measurement_points,
    )
    context = {
        "design": design,
        "materials": materials,
        "size_columns": size_columns,
        "size_rows": size_rows,
        "runs": runs,
        "run_count": design.production_runs.count(),
        "design_costs": money_selectors.design_costs(design.pk),
        "design_files": admin_design_files(design.pk),
        "files_form": files_form if files_form is not None else DesignFilesForm(),
        "sample_form": forms[RunType.SAMPLE],
        "production_form": forms[RunType.PRODUCTION],
    }
    return render_console(
        request, "console/designs/detail.html", context, section="designs", status=status
    )


@admin_required
def design_detail(request, design_id):
    return render_design(request, design_id)


@admin_required
@require_POST
def design_new_run(request, design_id):
    design = selectors.design_detail(design_id)
    if design is None:
        return render_not_found(request, _("There is no design with that id."))
    kind = request.POST.get("run_type")
    matrix = _run_matrix(
        design, kind if kind in RunType.values else RunType.PRODUCTION, request.POST
    )
    posted = request.POST
    if matrix.given() and not posted.get("quantity", "").strip() and matrix.is_valid():
        # The grid alone says how many: its total is the quantity.
        posted = posted.copy()
        posted["quantity"] = str(matrix.total())
    form = NewRunForm(posted)
    form.matrix = matrix
    if matrix.is_valid() and form.is_valid():
        data = form.cleaned_data
        try:
            result = production_services.run_create_from_design(
                design=design,
                actor=actor_for(request),
                quantity=data["quantity"],
                run_type=data["run_type"],
                due_date=data["due_date"],
                notes=data["notes"],
                size_quantities=matrix.cells(),
            )
        except InvalidInput as error:
            if matrix.takes(error.field):
                matrix.add_error(error.detail)
            else:
                apply_error(form, error)
        except Conflict as error:
            messages.error(request, error.detail)
        else:
            run = result.run
            messages.success(
                request,
                _("%(ref)s is created: a %(type)s run of %(n)d, waiting for review.")
                % {
                    "ref": run.reference,
                    "type": RunType(run.run_type).label.lower(),
                    "n": run.quantity,
                },
            )
            return redirect("console:run_detail", run_id=run.pk)
    return render_design(request, design_id, bound_run_form=form)


@admin_required
def design_create(request):
    if request.method == "POST":
        form = DesignForm(request.POST)
        if form.is_valid():
            try:
                design = catalog.design_create(actor=actor_for(request), **form.cleaned_data)
            except InvalidInput as error:
                apply_error(form, error)
            except Conflict as error:
                messages.error(request, error.detail)
            else:
                messages.success(
                    request, _("The design %(name)s is created.") % {"name": design.name}
                )
                return redirect("console:design_detail", design_id=design.pk)
    else:
        form = DesignForm()
    return render_console(request, "console/designs/new.html", {"form": form}, section="designs")


# ---------------------------------------------------------------- partners


@admin_required
def partner_list(request):
    return render_console(
        request,
        "console/partners/list.html",
        {"partners": selectors.partner_list()},
        section="partners",
    )


@admin_required
def partner_create(request):
    if request.method == "POST":
        form = PartnerCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                partner, _member = partners.partner_create(
                    actor=actor_for(request),
                    name=data["name"],
                    handle=data["handle"],
                    email=data["email"],
                    phone=data["phone"],
                    status=data["status"],
                    admin=form.owner(),
                )
            except InvalidInput as error:
                apply_error(form, error, PartnerCreateForm.SERVICE_FIELDS)
            except Conflict as error:
                messages.error(request, error.detail)
            else:
                messages.success(
                    request,
                    _("%(name)s is added, with %(email)s as its owner.")
                    % {"name": partner.name, "email": data["owner_email"]},
                )
                if not data["owner_password"]:
                    messages.info(request, INVITATION_SENT % {"email": data["owner_email"]})
                return redirect("console:partner_detail", partner_id=partner.pk)
    else:
        form = PartnerCreateForm()
    return render_console(request, "console/partners/new.html", {"form": form}, section="partners")


def _render_partner(request, partner_id: str, *, member_form=None):
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    runs_query = admin_run_queryset(RunFilters(partner_id=partner.pk))
    runs = admin_run_rows(runs_query[:RUNS_ON_A_PAGE])
    failures = notification_selectors.whatsapp_failures_by_member(partner.pk)
    members = list(selectors.partner_members(partner))
    form = period_form(request)
    scorecard = period_context(form)
    if scorecard["period"] is not None:
        scorecard["scorecard"] = partner_scorecard(partner, scorecard["period"])
    context = {
        **scorecard,
        "partner": partner,
        "members": members,
        "member_rows": [
            {"member": member, "whatsapp_failure": failures.get(member.user_id)}
            for member in members
        ],
        "runs": runs,
        "run_count": runs_query.count() if len(runs) == RUNS_ON_A_PAGE else len(runs),
        "runs_url": reverse("console:run_list") + f"?partner_id={partner.pk}",
        "member_form": member_form or MemberAddForm(),
        "balances": money_selectors.balances(partner.pk),
        "rate_count": len(money_selectors.rates_of(partner)),
        "profile": selectors.partner_profile(partner),
        "active_members": sum(1 for member in members if member.is_active),
        "load": load_timeline(today=timezone.localdate(), partner_id=partner.pk),
    }
    return render_console(
        request,
        "console/partners/detail.html",
        context,
        section="partners",
        status=200 if form.is_valid() else 422,
    )


@admin_required
def partner_detail(request, partner_id):
    return _render_partner(request, partner_id)


@admin_required
@require_POST
def member_add(request, partner_id):
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    form = MemberAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            partners.member_add(
                partner=partner,
                actor=actor_for(request),
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                password=data["password"] or None,
                language=data["language"],
            )
        except InvalidInput as error:
            apply_error(form, error)
        except Conflict as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request,
                _("%(email)s is now a member of %(partner)s.")
                % {"email": data["email"], "partner": partner.name},
            )
            if not data["password"]:
                messages.info(request, INVITATION_SENT % {"email": data["email"]})
            return redirect(reverse("console:partner_detail", args=[partner.pk]) + "#members")
    return _render_partner(request, partner_id, member_form=form)


@admin_required
@require_POST
def member_invite(request, partner_id, member_id):
    """Send a member who has not set a password yet a new invitation e-mail."""
    partner = Partner.objects.filter(pk=partner_id).first()
    member = (
        partner.members.select_related("user").filter(pk=member_id).first() if partner else None
    )
    if member is None:
        return render_not_found(request, _("There is no such member."))
    try:
        partners.member_invitation_resend(member=member, actor=actor_for(request))
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("A new invitation is on its way to %(email)s.") % {"email": member.user.email},
        )
    return redirect(reverse("console:partner_detail", args=[partner.pk]) + "#members")


@admin_required
@require_POST
def partner_status(request, partner_id):
    partner = Partner.objects.filter(pk=partner_id).first()
    if partner is None:
        return render_not_found(request, _("There is no partner with that id."))
    status = request.POST.get("status")
    if status not in (PartnerStatus.ACTIVE, PartnerStatus.INACTIVE):
        messages.error(request, _("Choose to activate or deactivate the partner."))
        return redirect("console:partner_detail", partner_id=partner.pk)
    if status == PartnerStatus.INACTIVE and request.POST.get("confirm") != "yes":
        # The page asks first (what the partner loses); without it, nothing changes.
        messages.error(request, _("Confirm that you want to deactivate the partner."))
        return redirect("console:partner_detail", partner_id=partner.pk)
    partners.partner_update(partner=partner, actor=actor_for(request), status=status)
    if status == PartnerStatus.ACTIVE:
        message = _("%(name)s is active: it can be given new work.")
    else:
        message = _(
            "%(name)s is inactive: it gets no new work and its members cannot use the portal."
        )
    messages.success(request, message % {"name": partner.name})
    return redirect("console:partner_detail", partner_id=partner.pk)


# ---------------------------------------------------------------- task templates


@admin_required
def template_list(request):
    templates = list(TaskTemplate.objects.order_by("archived", "category", "name", "id"))
    return render_console(
        request, "console/templates/list.html", {"templates": templates}, section="templates"
    )


@admin_required
def template_create(request):
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template = work.template_create(actor=actor_for(request), **form.cleaned_data)
            except InvalidInput as error:
                apply_error(form, error)
            else:
                messages.success(
                    request, _("The template %(name)s is created.") % {"name": template.name}
                )
                return redirect("console:template_list")
    else:
        form = TemplateForm()
    return render_console(
        request, "console/templates/new.html", {"form": form}, section="templates"
    )
