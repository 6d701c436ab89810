"""`POST /api/admin/production-runs/bulk`: one action on many runs, each on its own.

The same service as the console's bulk actions (`services.runs_bulk_apply`):
each run goes through its single-run action in its own transaction, so the
answer is 200 with each run's outcome even when some were refused; bad input
(an unknown run, template or partner, a missing reason, more runs than the
limit) is 422 and touches no run.
"""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router

from loomworks.api.admin_schemas import BODY_ERRORS, AdminRunFilter, Id, responses, text
from loomworks.api.schemas import Input, Out
from loomworks.core.limits import MAX_BULK_RUNS
from loomworks.partners import selectors as partner_selectors
from loomworks.production import services

router = Router(tags=["admin: production runs"])


class AdminBulkIn(Input):
    action: Literal["approve", "dispatch", "reassign", "cancel"]
    run_ids: list[Id] | None = Field(
        None, description=f"the runs to act on (at most {MAX_BULK_RUNS}); or give `filter`"
    )
    filter: AdminRunFilter | None = Field(
        None,
        description="every run the admin run list shows with these filters "
        f"(at most {MAX_BULK_RUNS}); or give `run_ids`",
    )
    template_ids: list[Id] = Field(
        default_factory=list, max_length=50, description="dispatch: the tasks' templates, in order"
    )
    partner_id: Id | None = Field(None, description="reassign: the new (active) partner")
    reason: text() = Field("", description="cancel: why (required)")
    note: text() = Field("", description="reassign: a note for the history")


class AdminBulkRunOut(Out):
    run_id: str
    reference: str
    outcome: Literal["done", "unchanged", "refused"]
    detail: str = Field(description="why it was refused (or left unchanged); blank when done")
    status: str = Field(description="the run's status after its turn")


class AdminBulkOut(Out):
    bulk_id: str
    action: str
    counts: dict[str, int]
    results: list[AdminBulkRunOut]


@router.post("/production-runs/bulk", response=responses({200: AdminBulkOut}, *BODY_ERRORS, 409))
def runs_bulk(request: HttpRequest, payload: AdminBulkIn):
    """Approve, dispatch (`template_ids`), reassign (`partner_id`, `note`) or cancel
    (`reason`) the runs in `run_ids`, or every run `filter` matches, at most 1,000.

    Each run is its own transaction: one refused (its status does not allow the
    action) is left untouched and listed with the reason, the others go on. An
    inactive partner is 409 before any run is touched.
    """
    partner = (
        partner_selectors.partner_for_input(payload.partner_id, field="partner_id")
        if payload.partner_id
        else None
    )
    filters = payload.filter.run_filters() if payload.filter is not None else None
    result = services.runs_bulk_apply(
        action=payload.action,
        actor=request.actor,
        run_ids=payload.run_ids,
        filters=filters,
        template_ids=payload.template_ids,
        partner=partner,
        reason=payload.reason,
        note=payload.note,
    )
    return {
        "bulk_id": result.id,
        "action": result.action,
        "counts": result.counts,
        "results": [
            {
                "run_id": run.run_id,
                "reference": run.reference,
                "outcome": run.outcome,
                "detail": run.detail,
                "status": run.status,
            }
            for run in result.runs
        ],
    }
