"""`/api/partners`: members of an active partner, scoped to their own work.

Every handler starts from the calling partner's scope (`partner_selectors`):
another workshop's run, task or checklist item answers 404, exactly like an
id that does not exist. Handlers parse input, call one service, and render;
the services decide what is allowed (409) and write the history and events.
"""

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from loomworks.api.admin_money import check_period
from loomworks.api.admin_schemas import page_out
from loomworks.api.insights_schemas import ScorecardEnvelope, ScorecardQuery, scorecard_out
from loomworks.api.money_schemas import (
    RateList,
    StatementEnvelope,
    StatementExportQuery,
    StatementQuery,
    attach_partner_prices,
    rate_out,
    statement_out,
)
from loomworks.api.partner_schemas import (
    AcceptIn,
    CheckIn,
    CommentEnvelope,
    CommentIn,
    CommentList,
    ConsumptionEnvelope,
    ConsumptionIn,
    ConsumptionList,
    ConsumptionPatch,
    DeclineIn,
    DeliveryCreated,
    DeliveryIn,
    DeliveryList,
    MaterialList,
    MaterialQuery,
    MediaList,
    NoteIn,
    ReasonList,
    RunDetailEnvelope,
    RunEnvelope,
    RunListQuery,
    RunPage,
    SubtaskCompleted,
    SubtaskList,
    SubtaskReopened,
    TaskEnvelope,
    TaskListQuery,
    TaskPage,
    consumption_out,
    media_out,
    partner_run_detail_out,
    partner_run_out,
    partner_task_out,
)
from loomworks.api.schemas import EXPORT_OPENAPI, ErrorOut, comment_out, delivery_out
from loomworks.api.security import PARTNER, auth_for
from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.core.exports import export_response
from loomworks.insights.scorecards import partner_scorecard
from loomworks.money import selectors as money
from loomworks.money.exports import statement_export
from loomworks.production import partner_selectors as scope
from loomworks.production import services
from loomworks.production.run_records import (
    comment_view,
    consumption_view,
    media_view,
    run_consumption,
)
from loomworks.production.selectors import RunFilters

router = Router(auth=auth_for(PARTNER), tags=["partners"])

AUTH = {401: ErrorOut, 403: ErrorOut}
READ = {**AUTH, 404: ErrorOut, 422: ErrorOut}
# A body that is not JSON (or a broken upload) is a 400.
WRITE = {400: ErrorOut, **READ}
ACTION = {**WRITE, 409: ErrorOut}


# ---------------------------------------------------------------- runs


@router.get("/production-runs", response={200: RunPage, **AUTH, 422: ErrorOut})
def run_list(request, filters: Query[RunListQuery]):
    """The partner's runs from approval on, newest first, each with its progress."""
    page = scope.partner_run_page(
        request.partner,
        RunFilters(
            status=filters.status,
            run_type=filters.run_type,
            design_id=filters.design_id,
            q=filters.q,
        ),
        limit=filters.limit,
        offset=filters.offset,
        cursor=filters.cursor,
    )
    out = page_out(page, "production_runs", partner_run_out)
    attach_partner_prices(out["production_runs"], request.partner.pk)
    return out


@router.get("/production-runs/{run_id}", response={200: RunDetailEnvelope, **READ})
def run_detail(request, run_id: str):
    """The run with the design being made, its tasks, files, progress and related runs."""
    detail = scope.partner_run_detail(request.partner, run_id)
    return {"production_run": _priced(partner_run_detail_out(detail), request)}


def _note(payload: NoteIn | None) -> str:
    """The body is optional, and so is the note in it."""
    return (payload.note if payload else None) or ""


def _priced(run: dict, request) -> dict:
    """The partner's run object with its own price (none on a run it no longer holds)."""
    attach_partner_prices([run], request.partner.pk)
    return run


def _run_answer(run, request) -> dict:
    """The run a service just acted on (even one the partner no longer holds: a decline)."""
    return {"production_run": _priced(partner_run_out(scope.partner_run_view(run)), request)}


@router.post("/production-runs/{run_id}/accept", response={200: RunEnvelope, **ACTION})
def run_accept(request, run_id: str, payload: AcceptIn | None = None):
    """Take the work on, optionally promising a date (not in the past)."""
    payload = payload or AcceptIn()
    run = scope.partner_run(request.partner, run_id)
    return _run_answer(
        services.run_accept(
            run=run,
            actor=request.actor,
            promised_date=payload.promised_date,
            note=_note(payload),
        ),
        request,
    )


@router.post("/production-runs/{run_id}/decline", response={200: RunEnvelope, **ACTION})
def run_decline(request, run_id: str, payload: DeclineIn):
    """Turn the work down with a reason; the brand reassigns it.

    Declining again (a retry, a second click) is a 409 that says so, not a 404.
    """
    try:
        run = scope.partner_run(request.partner, run_id)
    except NotFound:
        declined = scope.run_declined_by(request.partner, run_id)
        if declined is None:
            raise
        raise Conflict(scope.already_declined(declined)) from None
    return _run_answer(
        services.run_decline(
            run=run, actor=request.actor, reason=payload.reason, notes=payload.notes or ""
        ),
        request,
    )


@router.post("/production-runs/{run_id}/start", response={200: RunEnvelope, **ACTION})
def run_start(request, run_id: str, payload: NoteIn | None = None):
    run = scope.partner_run(request.partner, run_id)
    return _run_answer(
        services.run_start(run=run, actor=request.actor, note=_note(payload)), request
    )


@router.post("/production-runs/{run_id}/finish", response={200: RunEnvelope, **ACTION})
def run_finish(request, run_id: str, payload: NoteIn | None = None):
    run = scope.partner_run(request.partner, run_id)
    return _run_answer(
        services.run_finish(run=run, actor=request.actor, note=_note(payload)), request
    )


@router.post("/production-runs/{run_id}/complete", response={200: RunEnvelope, **ACTION})
def run_complete(request, run_id: str, payload: NoteIn | None = None):
    """Complete a finished run; its open tasks are completed with it."""
    run = scope.partner_run(request.partner, run_id)
    return _run_answer(
        services.run_complete(run=run, actor=request.actor, note=_note(payload)), request
    )


# ---------------------------------------------------------------- output


@router.post("/production-runs/{run_id}/deliveries", response={201: DeliveryCreated, **ACTION})
def delivery_add(request, run_id: str, payload: DeliveryIn):
    """Record what is handed over: good pieces, rejected pieces with their reasons, and
    per cell of the size × colour matrix when the run has one. `final: true` is the
    hand-over: the run completes (a short run says why, in `shortfall_reason`).
    Only while the run is in progress (409 otherwise)."""
    run = scope.partner_run(request.partner, run_id)
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
    view = scope.partner_run_view(result.run)
    delivery = next(d for d in view.deliveries if d.id == result.delivery.pk)
    return Status(
        201,
        {
            "delivery": delivery_out(delivery),
            "production_run": _priced(partner_run_out(view), request),
        },
    )


@router.get("/production-runs/{run_id}/deliveries", response={200: DeliveryList, **READ})
def delivery_list(request, run_id: str):
    """What was handed over on the run, oldest first."""
    run = scope.partner_run(request.partner, run_id)
    deliveries = scope.partner_run_view(run).deliveries
    return {"deliveries": [delivery_out(d) for d in deliveries], "count": len(deliveries)}


@router.get("/rejection-reasons", response={200: ReasonList, **AUTH})
def rejection_reasons(request):
    """The reasons a piece may be rejected for, as the brand set them."""
    return {
        "rejection_reasons": [
            {"code": code, "label": label} for code, label in scope.rejection_reasons().items()
        ]
    }


# ---------------------------------------------------------------- consumption, materials, media


@router.post(
    "/production-runs/{run_id}/consumption-logs",
    response={201: ConsumptionEnvelope, **ACTION},
)
def consumption_log_add(request, run_id: str, payload: ConsumptionIn):
    """Log material used on a run in progress (unit: the material's; type: the run's)."""
    material = scope.material_by_id(payload.material_id)
    if material is None:
        raise InvalidInput(
            "material_id", _("Unknown material: %(id)s.") % {"id": payload.material_id}
        )
    run = scope.partner_run(request.partner, run_id)
    log = services.consumption_log_add(
        run=run,
        actor=request.actor,
        material=material,
        quantity=payload.quantity,
        unit=payload.unit,
        consumption_type=payload.consumption_type,
        notes=payload.notes or "",
    )
    return Status(201, {"consumption_log": consumption_out(consumption_view(log))})


@router.get(
    "/production-runs/{run_id}/consumption-logs",
    response={200: ConsumptionList, **READ},
)
def consumption_log_list(request, run_id: str):
    run = scope.partner_run(request.partner, run_id)
    logs = run_consumption(run.pk)
    return {"consumption_logs": [consumption_out(log) for log in logs], "count": len(logs)}


@router.patch(
    "/production-runs/{run_id}/consumption-logs/{log_id}",
    response={200: ConsumptionEnvelope, **ACTION},
)
def consumption_log_correct(request, run_id: str, log_id: str, payload: ConsumptionPatch):
    """Correct one of the workshop's own entries while the run is in progress (audited)."""
    run = scope.partner_run(request.partner, run_id)
    log = scope.partner_consumption_log(request.partner, run, log_id)
    log = services.consumption_log_correct(
        log=log, actor=request.actor, **payload.dict(exclude_unset=True)
    )
    return {"consumption_log": consumption_out(consumption_view(log))}


@router.get("/materials", response={200: MaterialList, **AUTH, 422: ErrorOut})
def material_list(request, filters: Query[MaterialQuery]):
    """The brand's materials, to choose from when logging consumption."""
    materials = scope.materials_list(filters.q)
    return {
        "materials": [{"id": m.pk, "sku": m.sku, "name": m.name, "unit": m.unit} for m in materials]
    }


@router.post("/production-runs/{run_id}/media", response={201: MediaList, **ACTION})
def media_add(request, run_id: str, files: File[list[UploadedFile]]):
    """Upload photos (JPEG, PNG, WebP, GIF) or PDFs to a run; they show on its design too."""
    run = scope.partner_run(request.partner, run_id)
    created = services.media_add(run=run, actor=request.actor, files=files)
    return Status(201, {"media": [media_out(media_view(item)) for item in created]})


# ---------------------------------------------------------------- tasks


@router.get("/assigned-tasks", response={200: TaskPage, **AUTH, 422: ErrorOut})
def task_list(request, filters: Query[TaskListQuery]):
    """The partner's top-level tasks, each with its checklist."""
    page = scope.partner_task_page(
        request.partner,
        status=filters.status,
        run_id=filters.run_id,
        limit=filters.limit,
        offset=filters.offset,
    )
    return page_out(page, "tasks", partner_task_out)


@router.get("/assigned-tasks/{task_id}", response={200: TaskEnvelope, **READ})
def task_detail(request, task_id: str):
    return {"task": partner_task_out(scope.partner_task(request.partner, task_id))}


@router.post("/assigned-tasks/{task_id}/accept", response={200: TaskEnvelope, **ACTION})
def task_accept(request, task_id: str):
    """Accept a task of an accepted run."""
    task = scope.assigned_task(request.partner, task_id)
    services.run_task_accept(task=task, actor=request.actor)
    return {"task": partner_task_out(scope.partner_task(request.partner, task_id))}


@router.post("/assigned-tasks/{task_id}/finish", response={200: TaskEnvelope, **ACTION})
def task_finish(request, task_id: str):
    """Finish a task of an accepted run, with its open checklist items."""
    task = scope.assigned_task(request.partner, task_id)
    services.run_task_finish(task=task, actor=request.actor)
    return {"task": partner_task_out(scope.partner_task(request.partner, task_id))}


@router.get("/assigned-tasks/{task_id}/subtasks", response={200: SubtaskList, **READ})
def subtask_list(request, task_id: str):
    task = scope.partner_task(request.partner, task_id)
    subtasks = [partner_task_out(sub) for sub in task.subtasks]
    return {"subtasks": subtasks, "count": len(subtasks)}


@router.post(
    "/assigned-tasks/{task_id}/subtasks/{subtask_id}/complete",
    response={200: SubtaskCompleted, **ACTION},
)
def subtask_complete(request, task_id: str, subtask_id: str):
    """Tick a checklist item; the last one completes its task (`parent_completed`)."""
    task = scope.assigned_task(request.partner, task_id)
    subtask = scope.assigned_subtask(request.partner, task, subtask_id)
    result = services.run_subtask_complete(task=task, subtask=subtask, actor=request.actor)
    return {
        "subtask": partner_task_out(scope.subtask_view(result.task)),
        "parent_completed": result.parent_completed,
    }


@router.post(
    "/assigned-tasks/{task_id}/subtasks/{subtask_id}/reopen",
    response={200: SubtaskReopened, **ACTION},
)
def subtask_reopen(request, task_id: str, subtask_id: str):
    """Undo a tick while its task is not completed (409 after); audited."""
    task = scope.assigned_task(request.partner, task_id)
    subtask = scope.assigned_subtask(request.partner, task, subtask_id)
    reopened = services.run_subtask_reopen(task=task, subtask=subtask, actor=request.actor)
    reopened.run = subtask.run
    return {"subtask": partner_task_out(scope.subtask_view(reopened))}


@router.post(
    "/assigned-tasks/{task_id}/subtasks/{subtask_id}/check",
    response={200: SubtaskCompleted, **ACTION},
)
def subtask_check(request, task_id: str, subtask_id: str, payload: CheckIn):
    """Pass or fail an item of a quality check (a failure says what failed); either way
    the item is checked, and the last one completes its task. Photos go to `media`."""
    task = scope.assigned_task(request.partner, task_id)
    subtask = scope.assigned_subtask(request.partner, task, subtask_id)
    result = services.run_subtask_check(
        task=task,
        subtask=subtask,
        actor=request.actor,
        passed=payload.result == "pass",
        note=payload.note,
    )
    result.task.run = subtask.run
    return {
        "subtask": partner_task_out(scope.subtask_view(result.task)),
        "parent_completed": result.parent_completed,
    }


@router.get("/assigned-tasks/{task_id}/comments", response={200: CommentList, **READ})
def comment_list(request, task_id: str):
    """The conversation with the brand about a task, oldest first (any run status)."""
    task = scope.assigned_task(request.partner, task_id)
    comments = scope.partner_task_comments(request.partner, task.pk)
    return {"comments": [comment_out(comment) for comment in comments]}


@router.post("/assigned-tasks/{task_id}/comments", response={201: CommentEnvelope, **WRITE})
def comment_add(request, task_id: str, payload: CommentIn):
    task = scope.assigned_task(request.partner, task_id)
    comment = services.task_comment_add(task=task, actor=request.actor, body=payload.body)
    return Status(201, {"comment": comment_out(comment_view(comment))})


# ---------------------------------------------------------------- money


@router.get("/rates", response={200: RateList, **AUTH})
def rates(request):
    """Your rates with the brand: per task template or role, per piece or per run. A run
    sent to you is proposed the rate of its first task template that has one, else its
    role's; its `price` is on the run."""
    return {"rates": [rate_out(rate) for rate in money.rates_of(request.partner)]}


@router.get("/scorecard", response={200: ScorecardEnvelope, **AUTH, 422: ErrorOut}, by_alias=True)
def scorecard(request, period: Query[ScorecardQuery]):
    """Your scorecard for a period (`from`/`to`, default the last 90 days): the numbers
    the brand sees of your workshop, never another's."""
    return {"scorecard": scorecard_out(partner_scorecard(request.partner, period.period()))}


@router.get("/statement", response={200: StatementEnvelope, **AUTH, 422: ErrorOut}, by_alias=True)
def statement(request, period: Query[StatementQuery]):
    """Your statement for a period: per currency, what the brand owed you before it
    (`opening`), what you earned, adjustments and payments (`entries`), and what it owes
    you at its end (`closing`)."""
    start, end = check_period(period)
    result = money.statement(request.partner.pk, start=start, end=end)
    return {"statement": statement_out(result)}


@router.get(
    "/statement/export",
    response={200: None, **AUTH, 422: ErrorOut},
    openapi_extra=EXPORT_OPENAPI,
)
def statement_export_file(request, query: Query[StatementExportQuery]):
    """Your statement for a period (`from`, `to`) as CSV or XLSX: per currency the opening
    balance, the period's entries and the closing balance. Only ever your own."""
    start, end = check_period(query)
    result = money.statement(request.partner.pk, start=start, end=end)
    return export_response(
        statement_export(request.partner, result), file_format=query.format, bom=query.bom
    )
