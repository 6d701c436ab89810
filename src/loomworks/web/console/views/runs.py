"""Production runs: the list, the run page, and every action on a run.

Each action is a form POST that calls one service and redirects back with a
flash message. Input the service refuses comes back beside its field with
the typed values kept; an action the run's state does not allow comes back
as a flash with the service's reason.
"""

import json
from dataclasses import dataclass, field

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import push_url

from loomworks.catalog.models import Design
from loomworks.core.errors import Conflict, InvalidInput, NotFound, TransitionNotAllowed
from loomworks.core.paging import CappedPaginator
from loomworks.money import selectors as money_selectors
from loomworks.money import services as money_services
from loomworks.money.models import CostingPolicy
from loomworks.notifications import services as notification_services
from loomworks.partners.models import Partner, PartnerStatus
from loomworks.production import services
from loomworks.production.exports import (
    consumption_export,
    deliveries_export,
    history_export,
    runs_export,
)
from loomworks.production.job_sheet import job_sheet
from loomworks.production.models import Delivery, ProductionPolicy, ProductionRun, RunStatus
from loomworks.production.read_models import CommentView, TaskView
from loomworks.production.rejections import reasons_of
from loomworks.production.run_records import (
    admin_run_comments,
    admin_run_history,
    admin_run_media,
    admin_task_comments,
    material_use,
    task_view,
)
from loomworks.production.selectors import (
    admin_actions,
    admin_run,
    admin_run_detail,
    admin_run_queryset,
    admin_run_rows,
    last_decline,
    part_steps,
    reassign_candidates,
    templates_sent_before,
)
from loomworks.production.selectors import run_list as runs_matching
from loomworks.production.size_matrix import axes
from loomworks.production.workshop_load import open_load_by_partner
from loomworks.web.console import selectors
from loomworks.web.console.forms import (
    AddTasksForm,
    AssignmentRows,
    CancelForm,
    CommentForm,
    ConfirmQuantityForm,
    DeliveryCorrectForm,
    DeliveryForm,
    EditRunForm,
    NoteForm,
    OutputPolicyForm,
    ReassignForm,
    ReworkForm,
    RunFilterForm,
    TemplateOrderForm,
    apply_error,
)
from loomworks.web.console.load_text import load_text
from loomworks.web.console.money_forms import DispatchPriceForm
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    query_url,
    render_console,
    render_not_found,
    wants_partial,
)
from loomworks.web.exports import download, export_links
from loomworks.web.job_sheet import sheet_context
from loomworks.web.matrix import MatrixInput, matrix_table
from loomworks.work.models import Task, TaskTemplate

RUNS_PER_PAGE = 20

# Sortable columns: the `order` value each sorts by, and which way it sorts first.
SORTABLE = {
    "reference": "reference",
    "status": "status",
    "quantity": "quantity",
    "due_date": "due_date",
    "created_at": "-created_at",
}

COLUMNS = [
    ("reference", gettext_lazy("Reference")),
    ("design", gettext_lazy("Design")),
    ("partner", gettext_lazy("Partner")),
    ("status", gettext_lazy("Status")),
    ("run_type", gettext_lazy("Type")),
    ("quantity", gettext_lazy("Quantity")),
    ("progress", gettext_lazy("Progress")),
    ("due_date", gettext_lazy("Due")),
    ("created_at", gettext_lazy("Created")),
]


def _run(run_id: str) -> ProductionRun | None:
    return ProductionRun.objects.select_related("design", "partner").filter(pk=run_id).first()


def _run_missing(request):
    return render_not_found(request, _("There is no production run with that id."))


def _detail_url(run: ProductionRun, anchor: str = "") -> str:
    url = reverse("console:run_detail", args=[run.pk])
    return f"{url}#{anchor}" if anchor else url


def _actions_for(run: ProductionRun) -> tuple[str, ...]:
    """What an admin may do with the run now (the domain decides: `states.allowed_actions`)."""
    return admin_actions(run, has_parts=ProductionRun.objects.filter(parent_id=run.pk).exists())


def _not_now(request, run: ProductionRun, what: str):
    """Someone opened an action page the run's status does not allow (an old tab, a bookmark)."""
    messages.info(
        request,
        _("%(ref)s is %(status)s; it cannot be %(what)s now.")
        % {"ref": run.reference, "status": RunStatus(run.status).label.lower(), "what": what},
    )
    return redirect(_detail_url(run))


def _refused(request, run: ProductionRun, error: Conflict):
    messages.error(request, error.detail)
    return redirect(_detail_url(run))


def _active_partners():
    return list(Partner.objects.filter(status=PartnerStatus.ACTIVE).order_by("name", "id"))


def _templates():
    return list(TaskTemplate.objects.filter(archived=False).order_by("name", "id"))


# ---------------------------------------------------------------- list


@admin_required
def run_list(request):
    form = _filter_form(request)
    values = form.values()
    page_number = values.pop("page", None)
    path = reverse("console:run_list")
    params = {key: values[key] for key in RunFilterForm.base_fields if key in values}
    if params.get("order") == "-created_at":
        params.pop("order")

    if not wants_partial(request) and request.GET:
        canonical = query_url(path, params, page=page_number if page_number != 1 else None)
        if canonical != request.get_full_path():
            return redirect(canonical)

    filters = form.filters()
    # The total is exact up to the cap, then estimated (`page.paginator.total_is_estimate`).
    matching = runs_matching(filters)
    page = CappedPaginator(
        admin_run_queryset(filters, matching=matching), RUNS_PER_PAGE, count_from=matching
    ).get_page(page_number)
    rows = admin_run_rows(page.object_list)

    order = filters.order
    columns = []
    for key, label in COLUMNS:
        column = {"key": key, "label": label, "url": None, "sort": None}
        if key in SORTABLE:
            ascending, descending = key, f"-{key}"
            if order == ascending:
                column["sort"], next_order = "ascending", descending
            elif order == descending:
                column["sort"], next_order = "descending", ascending
            else:
                next_order = SORTABLE[key]
            column["url"] = query_url(
                path, params, order=None if next_order == "-created_at" else next_order
            )
        columns.append(column)

    design_name = None
    if params.get("design_id"):
        design_name = (
            Design.objects.filter(pk=params["design_id"]).values_list("name", flat=True).first()
        )
    filtered = any(key != "order" for key in params)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "columns": columns,
        "order": order,
        "filtered": filtered,
        "design_name": design_name,
        "list_url": path,
        # Carried by the bulk action form, for "all that match these filters".
        "bulk_filter": [(key, "true" if value is True else value) for key, value in params.items()],
        "without_design_url": query_url(path, params, design_id=None, page=None),
        "export_links": export_links(
            query_url(reverse("console:run_list_export"), params, page=None)
        ),
        "page_urls": {
            "previous": query_url(path, params, page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next": query_url(path, params, page=page.next_page_number())
            if page.has_next()
            else None,
        },
    }
    if wants_partial(request):
        context["oob"] = True
        response = render_console(
            request, "console/runs/_results.html", context, section="runs", partial=True
        )
        return push_url(response, query_url(path, params, page=page_number))
    return render_console(request, "console/runs/list.html", context, section="runs")


# ---------------------------------------------------------------- exports


def _filter_form(request) -> RunFilterForm:
    partners = list(Partner.objects.order_by("name", "id").only("id", "name"))
    return RunFilterForm(request.GET or None, partners=partners)


@admin_required
def run_list_export(request):
    """The runs list as filtered and sorted on the page, every row, as CSV or XLSX."""
    return download(request, runs_export(_filter_form(request).filters()))


@admin_required
def run_records_export(request, run_id, records):
    """A run's history, material use or deliveries, as CSV or XLSX."""
    try:
        run = admin_run(run_id)
    except NotFound:
        return _run_missing(request)
    return download(request, RUN_RECORD_EXPORTS[records](run))


RUN_RECORD_EXPORTS = {
    "history": history_export,
    "consumption": consumption_export,
    "deliveries": deliveries_export,
}


def run_export_links(run_id: str) -> dict[str, list[dict]]:
    """The Export menus of the run page, by the records they export."""
    return {
        records: export_links(reverse("console:run_records_export", args=[run_id, records]))
        for records in RUN_RECORD_EXPORTS
    }


# ---------------------------------------------------------------- detail


@dataclass
class TaskPanel:
    """A task on the run page: the task, its conversation, and the reply form."""

    task: TaskView
    thread: tuple[CommentView, ...]
    comment_form: CommentForm
    checklist: list["TaskPanel"] = field(default_factory=list)

    @property
    def pk(self) -> str:
        return self.task.id

    @property
    def title(self) -> str:
        return self.task.title

    @property
    def status(self) -> str:
        return self.task.status

    @property
    def description(self) -> str:
        return self.task.description


def _panel(task: TaskView, threads: dict, comment_forms: dict) -> TaskPanel:
    return TaskPanel(
        task=task,
        thread=threads.get(task.id, ()),
        comment_form=comment_forms.get(task.id) or CommentForm(),
        checklist=[_panel(sub, threads, comment_forms) for sub in task.subtasks],
    )


def _detail_context(request, run_id: str, *, comment_forms=None) -> dict:
    """Everything the run page shows, from the admin's read model (404 when unknown)."""
    detail = admin_run_detail(run_id)
    run = detail.run
    threads = admin_run_comments(run.id)
    sizes, colors = axes(detail.snapshot)
    return {
        "detail": detail,
        "run": run,
        "matrix": matrix_table(run.size_quantities, sizes=sizes, colors=colors),
        "parent": detail.parent,
        "actions": detail.actions,
        "progress": run.progress,
        "tasks": [_panel(task, threads, comment_forms or {}) for task in detail.tasks],
        "children": detail.children,
        "steps": part_steps(detail.children),
        "siblings": detail.siblings,
        "depends_on": detail.depends_on,
        "dependents": detail.dependents,
        "history": admin_run_history(run.id),
        "export_links": run_export_links(run.id),
        "materials": material_use(
            run.id,
            detail.snapshot,
            run.quantity,
            good=run.output.good if run.output.delivered else None,
            part_ids=[child.id for child in detail.children],
        ),
        "output": run.output,
        "cost": money_selectors.run_costs([run.id]).get(run.id),
        "deliveries": run.deliveries,
        "delivery_form": DeliveryForm(reasons=_reasons()),
        "correct_forms": [
            (delivery, DeliveryCorrectForm(delivery=delivery, initial={"good": delivery.good}))
            for delivery in run.deliveries
        ],
        "rework_form": ReworkForm(
            partners=_active_partners(), initial={"quantity": detail.rejected_left_to_rework}
        )
        if "rework" in detail.actions
        else None,
        "confirm_form": ConfirmQuantityForm(initial={"quantity": run.proposed_quantity})
        if "quantity_confirmed" in detail.actions
        else None,
        "media": admin_run_media(run.id),
        "snapshot": selectors.snapshot_view(detail.snapshot),
        "raw_snapshot": json.dumps(detail.snapshot, indent=2, ensure_ascii=False, sort_keys=True),
        "cancel_form": CancelForm(),
    }


def _render_detail(request, run_id: str, *, comment_forms=None, status: int = 200):
    try:
        context = _detail_context(request, run_id, comment_forms=comment_forms)
    except NotFound:
        return _run_missing(request)
    return render_console(
        request, "console/runs/detail.html", context, section="runs", status=status
    )


@admin_required
def run_detail(request, run_id):
    # Opening the run is reading what the feed said about it.
    notification_services.notifications_read_for(user=request.user, run_id=run_id)
    return _render_detail(request, run_id)


@admin_required
def run_sheet(request, run_id):
    """The printable job sheet (A4): what the workshop needs at the bench."""
    try:
        detail = admin_run_detail(run_id)
    except NotFound:
        return _run_missing(request)
    sheet = job_sheet(run=detail.run, snapshot=detail.snapshot, tasks=detail.tasks)
    context = sheet_context(sheet, audience="admin")
    context["back_url"] = reverse("console:run_detail", args=[run_id])
    return render(request, "web/job_sheet.html", context)


# ---------------------------------------------------------------- approve


def _approved_message(result: services.ApproveResult, partner_names: dict) -> str:
    run = result.run
    if not result.children:
        return _("%(ref)s is approved.") % {"ref": run.reference}
    parts = ", ".join(
        f"{child.reference} ({partner_names.get(child.partner_id, '—')})"
        for child in result.children
    )
    return ngettext(
        "%(ref)s is approved and split into %(n)d part: %(parts)s.",
        "%(ref)s is approved and split into %(n)d parts: %(parts)s.",
        len(result.children),
    ) % {"ref": run.reference, "n": len(result.children), "parts": parts}


@admin_required
def run_approve(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    partners, templates = _active_partners(), _templates()
    options = {"partners": partners, "templates": templates, "default_quantity": run.quantity}
    sizes, colors = axes(run.snapshot)
    matrix_options = {"sizes": sizes, "colors": colors, "initial": run.size_quantities}
    if request.method == "POST":
        rows = AssignmentRows(request.POST, **options)
        matrix = MatrixInput(request.POST, **matrix_options)
        if not rows.editing and matrix.is_valid() and rows.is_valid():
            try:
                result = services.run_approve(
                    run=run,
                    actor=actor_for(request),
                    assignments=rows.assignments(),
                    size_quantities=matrix.cells() if matrix.enabled else None,
                )
            except InvalidInput as error:
                if matrix.takes(error.field):
                    matrix.add_error(error.detail)
                else:
                    rows.apply_error(error)
            except TransitionNotAllowed as error:
                return _refused(request, run, error)
            except Conflict as error:
                messages.error(request, error.detail)
            else:
                names = {partner.pk: partner.name for partner in partners}
                messages.success(request, _approved_message(result, names))
                for problem in result.dispatch_errors:
                    messages.warning(
                        request,
                        _("%(ref)s could not be sent yet: %(detail)s")
                        % {"ref": problem["reference"], "detail": problem["detail"]},
                    )
                return redirect(_detail_url(run))
    else:
        if "approve" not in _actions_for(run):
            return _not_now(request, run, _("approved"))
        rows = AssignmentRows(None, **options)
        matrix = MatrixInput(None, **matrix_options)
    context = {
        "run": run,
        "rows": rows,
        "matrix": matrix,
        "partners": partners,
        "templates": templates,
        "partner_loads": _partner_loads(partners),
    }
    return render_console(request, "console/runs/approve.html", context, section="runs")


def _partner_loads(partners) -> list[tuple]:
    """Each partner with its open load in words, for the forms that choose one (one query)."""
    loads = open_load_by_partner([p.pk for p in partners], today=timezone.localdate())
    return [(partner, load_text(loads[partner.pk])) for partner in partners]


# ---------------------------------------------------------------- dispatch and tasks


def _dispatch_context(run: ProductionRun, form: TemplateOrderForm) -> dict:
    return {
        "run": run,
        "form": form,
        "rows": form.rows(),
        "preview": form.preview(),
        "waiting_for": list(run.depends_on.exclude(status=RunStatus.COMPLETED).order_by("number")),
    }


@admin_required
def run_dispatch(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    templates = _templates()
    price_form = None
    if request.method == "POST" and "preview" in request.POST:
        # "Update the list" without JavaScript: show the tasks, send nothing.
        form = TemplateOrderForm(request.POST, templates=templates)
    elif request.method == "POST":
        form = TemplateOrderForm(request.POST, templates=templates)
        price_form = DispatchPriceForm(request.POST, prefix="price")
        if form.is_valid() and price_form.is_valid():
            try:
                result = money_services.run_dispatch_priced(
                    run=run,
                    template_ids=form.ordered_ids(),
                    actor=actor_for(request),
                    price=price_form.price(),
                )
            except InvalidInput as error:
                if error.field.startswith("price."):
                    apply_error(price_form, InvalidInput(error.field[6:], error.detail))
                else:
                    apply_error(form, error)
            except Conflict as error:
                return _refused(request, run, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(ref)s is sent to %(partner)s with %(n)d task.",
                        "%(ref)s is sent to %(partner)s with %(n)d tasks.",
                        len(result.tasks),
                    )
                    % {
                        "ref": run.reference,
                        "partner": result.run.partner.name,
                        "n": len(result.tasks),
                    },
                )
                return redirect(_detail_url(run))
    elif "preview" in request.GET:
        form = TemplateOrderForm(request.GET, templates=templates)
        if wants_partial(request):
            return render_console(
                request,
                "console/runs/_dispatch_preview.html",
                {"preview": form.preview()},
                section="runs",
                partial=True,
            )
    else:
        if "dispatch" not in _actions_for(run):
            return _not_now(request, run, _("sent to production"))
        planned = [tid for tid in run.planned_template_ids if tid]
        initial = {"template_ids": planned}
        initial.update({f"position_{tid}": index + 1 for index, tid in enumerate(planned)})
        form = TemplateOrderForm(initial=initial, templates=templates)
    context = _dispatch_context(run, form)
    context["price_form"] = price_form or DispatchPriceForm(prefix="price")
    context["rate"] = money_services.rate_for_run(run)
    if run.partner_id:
        load = open_load_by_partner([run.partner_id], today=timezone.localdate())[run.partner_id]
        context["partner_load"] = load_text(load)
    return render_console(request, "console/runs/dispatch.html", context, section="runs")


@admin_required
def run_add_tasks(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    templates = _templates()
    if request.method == "POST":
        form = AddTasksForm(request.POST, templates=templates)
        if form.is_valid():
            try:
                tasks = services.run_add_tasks(
                    run=run,
                    actor=actor_for(request),
                    template_ids=form.cleaned_data["template_ids"],
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            except InvalidInput as error:
                apply_error(form, error)
            except Conflict as error:
                return _refused(request, run, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d task added to %(ref)s.", "%(n)d tasks added to %(ref)s.", len(tasks)
                    )
                    % {"n": len(tasks), "ref": run.reference},
                )
                return redirect(_detail_url(run, "tasks"))
    else:
        if "tasks_added" not in _actions_for(run):
            return _not_now(request, run, _("given more tasks"))
        form = AddTasksForm(templates=templates)
    context = {"run": run, "form": form, "templates": templates}
    return render_console(request, "console/runs/add_tasks.html", context, section="runs")


# ---------------------------------------------------------------- reassign, edit, cancel


@admin_required
def run_reassign(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    candidates = reassign_candidates()
    partners = [c.partner for c in candidates]
    sent_before = templates_sent_before(run)
    if request.method == "POST":
        form = ReassignForm(request.POST, partners=partners)
        if form.is_valid():
            partner = next(p for p in partners if p.pk == form.cleaned_data["partner_id"])
            and_send = "and_send" in request.POST and bool(sent_before)
            try:
                if and_send:
                    result = services.run_reassign_and_dispatch(
                        run=run,
                        partner=partner,
                        actor=actor_for(request),
                        note=form.cleaned_data["note"],
                        template_ids=sent_before,
                    )
                    updated = result.run
                else:
                    updated = services.run_reassign(
                        run=run,
                        partner=partner,
                        actor=actor_for(request),
                        note=form.cleaned_data["note"],
                    )
            except InvalidInput as error:
                apply_error(form, error)
            except Conflict as error:
                return _refused(request, run, error)
            else:
                if and_send:
                    message = ngettext(
                        "%(ref)s is sent to %(partner)s with %(n)d task.",
                        "%(ref)s is sent to %(partner)s with %(n)d tasks.",
                        len(result.tasks),
                    ) % {"ref": run.reference, "partner": partner.name, "n": len(result.tasks)}
                else:
                    message = _("%(ref)s is now with %(partner)s.") % {
                        "ref": run.reference,
                        "partner": partner.name,
                    }
                    if updated.status == RunStatus.APPROVED:
                        message = f"{message} {_('Send it to production next.')}"
                messages.success(request, message)
                return redirect(_detail_url(run))
    else:
        if "reassign" not in _actions_for(run):
            return _not_now(request, run, _("reassigned"))
        # No partner is chosen for the admin: one click must not send a
        # declined run straight back to the workshop that turned it down.
        form = ReassignForm(partners=partners)
    previous = None
    if run.previous_partner_id:
        previous = Partner.objects.filter(pk=run.previous_partner_id).first()
    can_send = run.status in (RunStatus.APPROVED, RunStatus.AWAITING_REASSIGNMENT)
    context = {
        "run": run,
        "form": form,
        "previous_partner": previous,
        "decline": last_decline(run),
        "candidates": candidates,
        "chosen": form["partner_id"].value() or "",
        "send_templates": (
            list(TaskTemplate.objects.filter(pk__in=sent_before).order_by("name"))
            if can_send
            else []
        ),
    }
    return render_console(request, "console/runs/reassign.html", context, section="runs")


@admin_required
def run_edit(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    initial = {
        "quantity": run.quantity,
        "run_type": run.run_type,
        "role": run.role,
        "due_date": run.due_date,
        "notes": run.notes,
    }
    sizes, colors = axes(run.snapshot)
    matrix_options = {"sizes": sizes, "colors": colors, "initial": run.size_quantities}
    if request.method == "POST":
        form = EditRunForm(request.POST, initial=initial)
        matrix = MatrixInput(request.POST, **matrix_options)
        if matrix.is_valid() and form.is_valid():
            changes = form.changes()
            cells = [cell for cell in matrix.cells() if cell["quantity"]]
            if matrix.enabled and cells != list(run.size_quantities or []):
                changes["size_quantities"] = cells
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect(_detail_url(run))
            try:
                services.run_update(run=run, actor=actor_for(request), **changes)
            except InvalidInput as error:
                if matrix.takes(error.field):
                    matrix.add_error(error.detail)
                else:
                    apply_error(form, error)
            except Conflict as error:
                return _refused(request, run, error)
            else:
                messages.success(request, _("%(ref)s is updated.") % {"ref": run.reference})
                return redirect(_detail_url(run))
    else:
        if "edit" not in _actions_for(run):
            return _not_now(request, run, _("edited"))
        form = EditRunForm(initial=initial)
        matrix = MatrixInput(None, **matrix_options)
    return render_console(
        request,
        "console/runs/edit.html",
        {"run": run, "form": form, "matrix": matrix},
        section="runs",
    )


@admin_required
def run_cancel(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                result = services.run_cancel(
                    run=run, actor=actor_for(request), reason=form.cleaned_data["reason"]
                )
            except Conflict as error:
                return _refused(request, run, error)
            message = _("%(ref)s is cancelled.") % {"ref": run.reference}
            if result.cancelled_children:
                message = ngettext(
                    "%(ref)s is cancelled, with %(n)d open part.",
                    "%(ref)s is cancelled, with %(n)d open parts.",
                    len(result.cancelled_children),
                ) % {"ref": run.reference, "n": len(result.cancelled_children)}
            messages.success(request, message)
            return redirect(_detail_url(run, "history"))
    else:
        if "cancel" not in _actions_for(run):
            return _not_now(request, run, _("cancelled"))
        form = CancelForm()
    return render_console(
        request, "console/runs/cancel.html", {"run": run, "form": form}, section="runs"
    )


# ---------------------------------------------------------------- on the partner's behalf

LIFECYCLE = {
    "accept": (services.run_accept, gettext_lazy("%(ref)s is accepted on %(partner)s's behalf.")),
    "start": (services.run_start, gettext_lazy("%(ref)s is started.")),
    "finish": (services.run_finish, gettext_lazy("%(ref)s is marked finished.")),
    "complete": (services.run_complete, gettext_lazy("%(ref)s is completed.")),
}


@admin_required
@require_POST
def run_lifecycle(request, run_id, action):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    service, message = LIFECYCLE[action]
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(run=run, actor=actor_for(request), note=note)
    except InvalidInput as error:
        messages.error(request, error.detail)
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        partner = run.partner.name if run.partner else _("the partner")
        messages.success(request, str(message) % {"ref": run.reference, "partner": partner})
    return redirect(_detail_url(run))


# ---------------------------------------------------------------- output and rework


def _reasons() -> dict[str, str]:
    return reasons_of(ProductionPolicy.current().rejection_reasons)


def _flash_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@admin_required
@require_POST
def run_deliver(request, run_id):
    """A delivery recorded for the partner (handed over at the door, by phone)."""
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    form = DeliveryForm(request.POST, reasons=_reasons())
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_detail_url(run, "output"))
    try:
        result = services.delivery_record(
            run=run,
            actor=actor_for(request),
            good=form.cleaned_data["good"],
            rejected=form.rejected_lines(),
            note=form.cleaned_data["note"],
            final=form.cleaned_data["final"],
            shortfall_reason=form.cleaned_data["shortfall_reason"],
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
    else:
        message = _("Delivery recorded on %(ref)s.")
        if result.completed:
            message = _("%(ref)s is handed over and completed.")
        messages.success(request, message % {"ref": run.reference})
    return redirect(_detail_url(run, "output"))


@admin_required
@require_POST
def delivery_correct(request, run_id, delivery_id):
    delivery = Delivery.objects.filter(pk=delivery_id, run_id=run_id).select_related("run").first()
    if delivery is None:
        return render_not_found(request, _("There is no such delivery on this run."))
    view = next((d for d in admin_run_detail(run_id).run.deliveries if d.id == delivery.pk), None)
    form = DeliveryCorrectForm(request.POST, delivery=view)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_detail_url(delivery.run, "output"))
    try:
        services.delivery_correct(
            delivery=delivery,
            actor=actor_for(request),
            reason=form.cleaned_data["reason"],
            good=form.cleaned_data["good"],
            rejected=form.rejected_lines(),
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("Delivery %(n)s of %(ref)s is corrected.")
            % {"n": delivery.number, "ref": delivery.run.reference},
        )
    return redirect(_detail_url(delivery.run, "output"))


@admin_required
@require_POST
def run_rework(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    partners = _active_partners()
    form = ReworkForm(request.POST, partners=partners)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_detail_url(run, "output"))
    partner = next((p for p in partners if p.pk == form.cleaned_data["partner_id"]), None)
    try:
        rework = services.run_rework(
            run=run,
            actor=actor_for(request),
            quantity=form.cleaned_data["quantity"],
            partner=partner,
            note=form.cleaned_data["note"],
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
        return redirect(_detail_url(run, "output"))
    messages.success(
        request,
        _("%(new)s remakes %(n)s rejected pieces of %(ref)s. Send it to production next.")
        % {"new": rework.reference, "n": rework.quantity, "ref": run.reference},
    )
    return redirect(_detail_url(rework))


@admin_required
@require_POST
def run_confirm_quantity(request, run_id):
    run = _run(run_id)
    if run is None:
        return _run_missing(request)
    form = ConfirmQuantityForm(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return redirect(_detail_url(run))
    try:
        confirmed = services.run_quantity_confirm(
            run=run, actor=actor_for(request), quantity=form.cleaned_data["quantity"]
        )
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.detail)
    else:
        message = _("%(ref)s will make %(n)s pieces.") % {
            "ref": run.reference,
            "n": confirmed.quantity,
        }
        if confirmed.status == RunStatus.SENT_TO_PARTNER:
            message = f"{message} {_('It is sent to its partner.')}"
        messages.success(request, message)
    return redirect(_detail_url(run))


@admin_required
def output_policy(request):
    """How output is handled: over-delivery, completion, the next step, rejection reasons."""
    policy = ProductionPolicy.current()
    reasons_text = "\n".join(
        f"{code}: {label}" for code, label in reasons_of(policy.rejection_reasons).items()
    )
    initial = {
        "over_delivery": policy.over_delivery,
        "next_step_quantity": policy.next_step_quantity,
        "complete_when_delivered": policy.complete_when_delivered,
        "complete_when_tasks_done": policy.complete_when_tasks_done,
        "rejection_reasons": reasons_text,
    }
    if request.method == "POST":
        form = OutputPolicyForm(request.POST, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.output_policy_update(
                    actor=actor_for(request),
                    over_delivery=data["over_delivery"],
                    next_step_quantity=data["next_step_quantity"],
                    complete_when_delivered=data["complete_when_delivered"],
                    complete_when_tasks_done=data["complete_when_tasks_done"],
                    rejection_reasons=form.reasons(),
                )
            except InvalidInput as error:
                form.add_error(
                    "rejection_reasons" if error.field.startswith("rejection") else None,
                    error.detail,
                )
            else:
                messages.success(request, _("The output settings are saved."))
                return redirect("console:output_policy")
    else:
        form = OutputPolicyForm(initial=initial)
    context = {"form": form, "pay_rejected": CostingPolicy.current().pay_rejected}
    return render_console(request, "console/output_policy.html", context, section="runs")


# ---------------------------------------------------------------- comments


@admin_required
@require_POST
def task_comment(request, run_id, task_id):
    task = Task.objects.select_related("run").filter(pk=task_id, run_id=run_id).first()
    if task is None:
        return render_not_found(request, _("There is no such task on this run."))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.task_comment_add(
                task=task, actor=actor_for(request), body=form.cleaned_data["body"]
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            if wants_partial(request):
                return _render_thread(request, task, CommentForm(), sent=True)
            messages.success(
                request, _("Your comment is added to “%(task)s”.") % {"task": task.title}
            )
            return redirect(_detail_url(task.run, f"task-{task.pk}"))
    if wants_partial(request):
        # 200, so htmx swaps the thread in with the error and the typed text.
        return _render_thread(request, task, form)
    return _render_detail(request, run_id, comment_forms={task.pk: form}, status=200)


def _render_thread(request, task: Task, form: CommentForm, *, sent: bool = False):
    panel = TaskPanel(task=task_view(task), thread=admin_task_comments(task.pk), comment_form=form)
    context = {"task": panel, "run": task.run, "sent": sent}
    return render_console(
        request, "console/runs/_thread.html", context, section="runs", partial=True
    )
