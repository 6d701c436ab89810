"""`/api/admin`: production runs, their tasks' comments, and the production policy.

Each handler checks its input first (ids named in the body included: an
unknown one is 422), then finds the object in the path (404), then calls
one service, whose state checks answer 409 naming the current status.
"""

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from loomworks.api.admin_schemas import (
    BODY_ERRORS,
    AdminAcceptIn,
    AdminAddTasksIn,
    AdminApproveIn,
    AdminApproveOut,
    AdminAssignmentIn,
    AdminCancelIn,
    AdminCancelOut,
    AdminCommentEnvelope,
    AdminCommentIn,
    AdminCommentList,
    AdminConfirmQuantityIn,
    AdminDeliveryCorrectIn,
    AdminDeliveryEnvelope,
    AdminDeliveryIn,
    AdminFromDesignIn,
    AdminHistoryList,
    AdminNoteIn,
    AdminOutputPolicyIn,
    AdminOutputPolicyOut,
    AdminPolicyIn,
    AdminPolicyOut,
    AdminReassignIn,
    AdminReworkIn,
    AdminRunDetailEnvelope,
    AdminRunEnvelope,
    AdminRunExportQuery,
    AdminRunIn,
    AdminRunList,
    AdminRunListFilters,
    AdminRunPatch,
    AdminSendIn,
    AdminSendOut,
    AdminTasksOut,
    ExportFormat,
    PathId,
    page_out,
    responses,
)
from loomworks.api.money_schemas import attach_admin_money
from loomworks.api.schemas import (
    EXPORT_OPENAPI,
    comment_out,
    delivery_out,
    history_out,
    partner_ref,
    run_out,
    task_out,
)
from loomworks.catalog import selectors as catalog_selectors
from loomworks.core.errors import InvalidInput, NotFound
from loomworks.core.exports import export_response
from loomworks.money import services as money
from loomworks.partners import selectors as partner_selectors
from loomworks.production import services
from loomworks.production.exports import (
    consumption_export,
    deliveries_export,
    history_export,
    runs_export,
)
from loomworks.production.models import Delivery, ProductionPolicy, ProductionRun, RunStatus
from loomworks.production.read_models import AdminRun, AdminRunDetail
from loomworks.production.rejections import reasons_of
from loomworks.production.run_records import (
    admin_task_comments,
    admin_tasks_by_id,
    comment_view,
    run_history,
)
from loomworks.production.selectors import (
    admin_run,
    admin_run_detail,
    admin_run_page,
    admin_runs_by_id,
)
from loomworks.production.services.policy import output_policy_values
from loomworks.production.states import POLICY_ACTIONS, TRANSITIONS
from loomworks.work.models import Task
from loomworks.work.services import templates_by_ids

router = Router(tags=["admin: production runs"])

ACTION_ERRORS = (*BODY_ERRORS, 404, 409)


# ---------------------------------------------------------------- lookups and rendering


def _run(run_id: str) -> ProductionRun:
    """The run in the path, for a service to act on; 404 naming the id."""
    run = ProductionRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No production run with id %(id)s.") % {"id": run_id})
    return run


def _view(run_id: str) -> AdminRun:
    try:
        return admin_run(run_id)
    except NotFound:
        raise NotFound(_("No production run with id %(id)s.") % {"id": run_id}) from None


def _task(task_id: str) -> Task:
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No task with id %(id)s.") % {"id": task_id})
    return task


def _run_envelope(run_id: str) -> dict:
    return {"production_run": _with_money(run_out(_view(run_id)))}


def _assignments(items: list[AdminAssignmentIn]) -> list[services.Assignment]:
    """The assignments, every partner and template they name known (else 422)."""
    assignments = []
    for index, item in enumerate(items):
        prefix = f"assignments[{index}]"
        partner_selectors.partner_for_input(item.partner_id, field=f"{prefix}.partner_id")
        templates_by_ids(item.template_ids, field=f"{prefix}.template_ids")
        assignments.append(
            services.Assignment(
                partner_id=item.partner_id,
                quantity=item.quantity,
                role=item.role,
                order=item.order,
                template_ids=list(item.template_ids),
                size_quantities=(
                    None
                    if item.size_quantities is None
                    else [cell.dict() for cell in item.size_quantities]
                ),
            )
        )
    return assignments


def _approve_out(result: services.ApproveResult) -> dict:
    runs = admin_runs_by_id([result.run.pk, *(child.pk for child in result.children)])
    top = run_out(runs[result.run.pk])
    children = [run_out(runs[child.pk]) for child in result.children]
    attach_admin_money([top, *children])
    return {
        "production_run": top,
        "children": children,
        "dispatch_errors": result.dispatch_errors,
    }


def _detail_out(detail: AdminRunDetail) -> dict:
    """The detail: the run object plus snapshot, tasks with subtasks, the runs around it,
    and what an admin may do now (`available_actions`, as the console's buttons)."""
    out = {
        **run_out(detail.run),
        "snapshot": detail.snapshot,
        "planned_template_ids": list(detail.planned_template_ids),
        "previous_partner": partner_ref(detail.previous_partner),
        "tasks": [task_out(task) for task in detail.tasks],
        "parent": run_out(detail.parent) if detail.parent else None,
        "children": [run_out(other) for other in detail.children],
        "dependents": [run_out(other) for other in detail.dependents],
        "depends_on": [run_out(other) for other in detail.depends_on],
        "available_actions": list(detail.actions),
        "rejected_left_to_rework": detail.rejected_left_to_rework,
    }
    around = [out["parent"], *out["children"], *out["dependents"], *out["depends_on"]]
    attach_admin_money([out, *(run for run in around if run)])
    return out


def _with_money(run: dict) -> dict:
    """The run object with its price and cost (`money`'s read model)."""
    attach_admin_money([run])
    return run


def _policy_out(policy: ProductionPolicy) -> dict:
    return {
        "config": policy.config,
        "allowed": {
            action: [s for s in RunStatus.values if s in TRANSITIONS[action].from_statuses]
            for action in POLICY_ACTIONS
        },
        "updated_at": policy.updated_at,
    }


# ---------------------------------------------------------------- create, list, read, edit


@router.post("/production-runs", response=responses({201: AdminRunEnvelope}, *BODY_ERRORS, 409))
def run_create(request: HttpRequest, payload: AdminRunIn):
    """A run of a design, as a draft or for review. An inactive partner is 409."""
    design = catalog_selectors.design_for_input(payload.design_id, field="design_id")
    partner = (
        partner_selectors.partner_for_input(payload.partner_id, field="partner_id")
        if payload.partner_id
        else None
    )
    run = services.run_create(
        design=design,
        actor=request.actor,
        quantity=payload.quantity,
        run_type=payload.run_type,
        partner=partner,
        role=payload.role,
        due_date=payload.due_date,
        notes=payload.notes,
        status=payload.status,
        size_quantities=[cell.dict() for cell in payload.size_quantities],
    )
    return Status(201, _run_envelope(run.pk))


@router.get("/production-runs", response=responses({200: AdminRunList}, 422))
def run_list_page(request: HttpRequest, filters: Query[AdminRunListFilters]):
    """Runs, filtered (filters combine with AND) and paged; each with its progress."""
    page = admin_run_page(
        filters.run_filters(), limit=filters.limit, offset=filters.offset, cursor=filters.cursor
    )
    out = page_out(page, "production_runs", run_out)
    attach_admin_money(out["production_runs"])
    return out


@router.get(
    "/production-runs/export",
    response=responses({200: None}, 422),
    openapi_extra=EXPORT_OPENAPI,
)
def run_list_export(request: HttpRequest, query: Query[AdminRunExportQuery]):
    """Every run the list's filters match, in its order, as a CSV (streamed) or XLSX file.

    Takes the list's filters (no `limit`/`offset`: all rows). Memory stays flat
    whatever the number of runs; a million runs take a worker for minutes
    (see the admin guide)."""
    return export_response(
        runs_export(query.run_filters()), file_format=query.format, bom=query.bom
    )


@router.get("/production-runs/{run_id}", response=responses({200: AdminRunDetailEnvelope}, 404))
def run_read(request: HttpRequest, run_id: PathId):
    """One run with its snapshot, tasks and subtasks, parent, parts and dependencies."""
    try:
        detail = admin_run_detail(run_id)
    except NotFound:
        raise NotFound(_("No production run with id %(id)s.") % {"id": run_id}) from None
    return {"production_run": _detail_out(detail)}


@router.patch(
    "/production-runs/{run_id}", response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS)
)
def run_edit(request: HttpRequest, run_id: PathId, payload: AdminRunPatch):
    """Change quantity (and its size × colour cells), role, type, due date or notes; only
    before the partner accepts (else 409). A run with cells needs new cells with a new quantity."""
    run = _run(run_id)
    services.run_update(run=run, actor=request.actor, **payload.dict(exclude_unset=True))
    return _run_envelope(run_id)


@router.post(
    "/designs/{design_id}/production-runs",
    response=responses({201: AdminApproveOut}, *ACTION_ERRORS),
)
def run_create_from_design(request: HttpRequest, design_id: PathId, payload: AdminFromDesignIn):
    """Create a run of the design and, with assignments, approve it in the same call.

    Without `quantity` the run makes what each order group adds up to (the
    groups must agree); with it, a group that adds up to something else is 422.
    """
    assignments = _assignments(payload.assignments)
    design = catalog_selectors.design_get(design_id)
    result = services.run_create_from_design(
        design=design,
        actor=request.actor,
        quantity=payload.quantity,
        run_type=payload.run_type,
        assignments=assignments,
        due_date=payload.due_date,
        notes=payload.notes,
    )
    return Status(201, _approve_out(result))


# ---------------------------------------------------------------- admin actions


@router.post(
    "/production-runs/{run_id}/approve", response=responses({200: AdminApproveOut}, *ACTION_ERRORS)
)
def run_approve(request: HttpRequest, run_id: PathId, payload: AdminApproveIn | None = None):
    """Approve; with assignments, split the run into one part per partner.

    Within each order group the quantities add up to the run's (else 422);
    group k+1 waits for group k. Parts given templates and waiting for nothing
    are dispatched at once; a refused dispatch is listed in `dispatch_errors`.
    """
    payload = payload or AdminApproveIn()
    assignments = _assignments(payload.assignments)
    run = _run(run_id)
    result = services.run_approve(
        run=run,
        actor=request.actor,
        assignments=assignments,
        size_quantities=(
            None
            if payload.size_quantities is None
            else [cell.dict() for cell in payload.size_quantities]
        ),
    )
    return _approve_out(result)


@router.post(
    "/production-runs/{run_id}/send-to-production",
    response=responses({200: AdminSendOut}, *ACTION_ERRORS),
)
def run_send(request: HttpRequest, run_id: PathId, payload: AdminSendIn):
    """Send an approved run to its partner with one task per template, in order.

    The partner is proposed its rate card's price for the run, or `price` when
    given; the price is fixed when the partner accepts the run.

    A template archived since the approval still goes when the approval planned
    it (as in the console); a new choice of an archived template is 422.
    """
    # Unknown ids are 422 before the run is looked up; whether an archived template
    # may go depends on the run's plan, which the service checks.
    templates_by_ids(payload.template_ids, planned=payload.template_ids)
    run = _run(run_id)
    result = money.run_dispatch_priced(
        run=run,
        template_ids=payload.template_ids,
        actor=request.actor,
        price=payload.price.dict() if payload.price else None,
    )
    tasks = admin_tasks_by_id([task.pk for task in result.tasks])
    return {**_run_envelope(run_id), "tasks": [task_out(task) for task in tasks]}


@router.post(
    "/production-runs/{run_id}/tasks", response=responses({201: AdminTasksOut}, *ACTION_ERRORS)
)
def run_add_tasks(request: HttpRequest, run_id: PathId, payload: AdminAddTasksIn):
    """More work for a run that is not over (a redo): from templates, or one task by title."""
    if not payload.template_ids and not payload.title.strip():
        raise InvalidInput("template_ids", _("Choose a template or give the task a title."))
    templates_by_ids(payload.template_ids)
    run = _run(run_id)
    tasks = services.run_add_tasks(
        run=run,
        actor=request.actor,
        template_ids=payload.template_ids,
        title=payload.title,
        description=payload.description,
    )
    views = admin_tasks_by_id([task.pk for task in tasks])
    return Status(201, {"tasks": [task_out(task) for task in views]})


@router.post(
    "/production-runs/{run_id}/reassign",
    response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS),
)
def run_reassign(request: HttpRequest, run_id: PathId, payload: AdminReassignIn):
    """Give a run the partner has not accepted yet to another (active) partner."""
    partner = partner_selectors.partner_for_input(payload.partner_id, field="partner_id")
    run = _run(run_id)
    services.run_reassign(run=run, partner=partner, actor=request.actor, note=payload.note)
    return _run_envelope(run_id)


@router.post(
    "/production-runs/{run_id}/cancel", response=responses({200: AdminCancelOut}, *ACTION_ERRORS)
)
def run_cancel(request: HttpRequest, run_id: PathId, payload: AdminCancelIn | None = None):
    """Cancel a run with its open tasks and parts. Again: 200, unchanged. Completed: 409."""
    payload = payload or AdminCancelIn()
    run = _run(run_id)
    result = services.run_cancel(run=run, actor=request.actor, reason=payload.reason)
    return {**_run_envelope(run_id), "cancelled_children": result.cancelled_children}


@router.post(
    "/production-runs/{run_id}/accept", response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS)
)
def run_accept(request: HttpRequest, run_id: PathId, payload: AdminAcceptIn | None = None):
    """Accept for the partner (for instance when it answered by phone)."""
    payload = payload or AdminAcceptIn()
    run = _run(run_id)
    services.run_accept(
        run=run, actor=request.actor, promised_date=payload.promised_date, note=payload.note
    )
    return _run_envelope(run_id)


@router.post(
    "/production-runs/{run_id}/start", response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS)
)
def run_start(request: HttpRequest, run_id: PathId, payload: AdminNoteIn | None = None):
    """Record, for the partner, that work has started."""
    run = _run(run_id)
    services.run_start(run=run, actor=request.actor, note=(payload or AdminNoteIn()).note)
    return _run_envelope(run_id)


@router.post(
    "/production-runs/{run_id}/finish", response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS)
)
def run_finish(request: HttpRequest, run_id: PathId, payload: AdminNoteIn | None = None):
    """Record, for the partner, that the work is finished."""
    run = _run(run_id)
    services.run_finish(run=run, actor=request.actor, note=(payload or AdminNoteIn()).note)
    return _run_envelope(run_id)


@router.post(
    "/production-runs/{run_id}/complete",
    response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS),
)
def run_complete(request: HttpRequest, run_id: PathId, payload: AdminNoteIn | None = None):
    """Complete the run for the partner; its open tasks are completed with it."""
    run = _run(run_id)
    services.run_complete(run=run, actor=request.actor, note=(payload or AdminNoteIn()).note)
    return _run_envelope(run_id)


# ---------------------------------------------------------------- output and rework


def _delivery_envelope(run_id: str, delivery_id: str) -> dict:
    view = _view(run_id)
    delivery = next(d for d in view.deliveries if d.id == delivery_id)
    return {"delivery": delivery_out(delivery), "production_run": _with_money(run_out(view))}


@router.post(
    "/production-runs/{run_id}/deliveries",
    response=responses({201: AdminDeliveryEnvelope}, *ACTION_ERRORS),
)
def delivery_add(request: HttpRequest, run_id: PathId, payload: AdminDeliveryIn):
    """Record a delivery for the partner (handed over by phone or at the door), as the
    partner's own route does; `final: true` hands the run over."""
    run = _run(run_id)
    result = services.delivery_record(
        run=run,
        actor=request.actor,
        good=payload.good,
        rejected=[line.dict() for line in payload.rejected],
        size_quantities=[cell.dict() for cell in payload.size_quantities],
        note=payload.note,
        shortfall_reason=payload.shortfall_reason,
        delivered_on=payload.delivered_on,
        final=payload.final,
    )
    return Status(201, _delivery_envelope(run_id, result.delivery.pk))


@router.post(
    "/production-runs/{run_id}/deliveries/{delivery_id}/correct",
    response=responses({200: AdminDeliveryEnvelope}, *ACTION_ERRORS),
)
def delivery_correct(
    request: HttpRequest, run_id: PathId, delivery_id: PathId, payload: AdminDeliveryCorrectIn
):
    """Correct a recorded delivery, saying why; the run's totals follow (audited)."""
    delivery = Delivery.objects.filter(pk=delivery_id, run_id=run_id).first()
    if delivery is None:
        raise NotFound(_("No delivery with id %(id)s on this run.") % {"id": delivery_id})
    changes = payload.dict(exclude_unset=True)
    for key in ("rejected", "size_quantities"):
        if key in changes and changes[key] is not None:
            changes[key] = [dict(item) for item in changes[key]]
    services.delivery_correct(delivery=delivery, actor=request.actor, **changes)
    return _delivery_envelope(run_id, delivery.pk)


@router.post(
    "/production-runs/{run_id}/rework", response=responses({201: AdminRunEnvelope}, *ACTION_ERRORS)
)
def run_rework(request: HttpRequest, run_id: PathId, payload: AdminReworkIn):
    """Rejected pieces remade in a new run (same or another partner), approved and ready to
    send; its `rework_of` is this run, which lists it in `reworks`."""
    partner = (
        partner_selectors.partner_for_input(payload.partner_id, field="partner_id")
        if payload.partner_id
        else None
    )
    run = _run(run_id)
    rework = services.run_rework(
        run=run, actor=request.actor, quantity=payload.quantity, partner=partner, note=payload.note
    )
    return Status(201, _run_envelope(rework.pk))


@router.post(
    "/production-runs/{run_id}/confirm-quantity",
    response=responses({200: AdminRunEnvelope}, *ACTION_ERRORS),
)
def run_confirm_quantity(
    request: HttpRequest, run_id: PathId, payload: AdminConfirmQuantityIn | None = None
):
    """Settle the quantity of a step whose step before delivered another quantity than
    planned (`proposed_quantity`), so it can be sent; it is sent at once when templates
    were chosen at approval."""
    payload = payload or AdminConfirmQuantityIn()
    run = _run(run_id)
    services.run_quantity_confirm(
        run=run, actor=request.actor, quantity=payload.quantity, note=payload.note
    )
    return _run_envelope(run_id)


RUN_RECORD_EXPORTS = {
    "history": history_export,
    "consumption": consumption_export,
    "deliveries": deliveries_export,
}


@router.get(
    "/production-runs/{run_id}/{records}/export",
    response=responses({200: None}, 404, 422),
    openapi_extra=EXPORT_OPENAPI,
)
def run_records_export(
    request: HttpRequest,
    run_id: PathId,
    records: Literal["history", "consumption", "deliveries"],
    query: Query[ExportFormat],
):
    """The run's history, material log or deliveries (oldest first), as CSV or XLSX."""
    run = _view(run_id)
    return export_response(
        RUN_RECORD_EXPORTS[records](run), file_format=query.format, bom=query.bom
    )


@router.get("/production-runs/{run_id}/history", response=responses({200: AdminHistoryList}, 404))
def run_history_page(request: HttpRequest, run_id: PathId):
    """The run's own history, oldest first: its creation, then one row per action."""
    run = _run(run_id)
    return {"history": [history_out(row) for row in run_history(run)]}


# ---------------------------------------------------------------- comments


@router.get("/tasks/{task_id}/comments", response=responses({200: AdminCommentList}, 404))
def task_comments(request: HttpRequest, task_id: PathId):
    """A task's conversation with the partner, oldest first."""
    task = _task(task_id)
    return {"comments": [comment_out(c) for c in admin_task_comments(task.pk)]}


@router.post(
    "/tasks/{task_id}/comments", response=responses({201: AdminCommentEnvelope}, *BODY_ERRORS, 404)
)
def task_comment_add(request: HttpRequest, task_id: PathId, payload: AdminCommentIn):
    """Write to the partner on a task, in any run status. A blank comment is 422."""
    task = _task(task_id)
    comment = services.task_comment_add(task=task, actor=request.actor, body=payload.body)
    return Status(201, {"comment": comment_out(comment_view(comment))})


# ---------------------------------------------------------------- policy


@router.get("/production-run-policy", response=responses({200: AdminPolicyOut}))
def policy_read(request: HttpRequest):
    """Which statuses each admin action may start from (`config`), within `allowed`."""
    return _policy_out(ProductionPolicy.current())


@router.put("/production-run-policy", response=responses({200: AdminPolicyOut}, *BODY_ERRORS))
def policy_write(request: HttpRequest, payload: AdminPolicyIn):
    """Narrow the statuses an admin action may start from; only what the state machine allows."""
    return _policy_out(services.policy_update(config=payload.config, actor=request.actor))


def _output_policy_out(policy: ProductionPolicy) -> dict:
    values = output_policy_values(policy)
    values["rejection_reasons"] = [
        {"code": code, "label": label}
        for code, label in reasons_of(policy.rejection_reasons).items()
    ]
    return {**values, "updated_at": policy.updated_at}


@router.get("/output-policy", response=responses({200: AdminOutputPolicyOut}))
def output_policy_read(request: HttpRequest):
    """How output is handled: pieces beyond the order, when runs complete, the next step's
    quantity, and the reasons a piece may be rejected for."""
    return _output_policy_out(ProductionPolicy.current())


@router.put("/output-policy", response=responses({200: AdminOutputPolicyOut}, *BODY_ERRORS))
def output_policy_write(request: HttpRequest, payload: AdminOutputPolicyIn):
    """Change how output is handled; only the fields sent change (audited)."""
    changes = payload.dict(exclude_unset=True)
    if "rejection_reasons" in changes:
        changes["rejection_reasons"] = [dict(item) for item in changes["rejection_reasons"]]
    return _output_policy_out(services.output_policy_update(actor=request.actor, **changes))
