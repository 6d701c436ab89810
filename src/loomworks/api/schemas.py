"""Shapes shared by the admin and partner APIs, and the functions that fill them.

Serialisers format the domain's read objects (`production.read_models`) and
never query or filter on their own: what a person may see is decided by the
selectors, the same ones the console and the portal format.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, Field, StringConstraints, create_model, model_validator

from loomworks.production.models import RunHistory
from loomworks.production.read_models import (
    AdminRun,
    CommentView,
    DeliveryView,
    TaskView,
)
from loomworks.production.read_models import (
    DesignRef as DesignView,
)
from loomworks.production.read_models import (
    PartnerRef as PartnerView,
)


class Out(BaseModel):
    """A response shape: the handlers return plain dicts, checked against it on the way out.

    A plain pydantic model rather than ninja's `Schema`: `Schema` wraps every
    nested object in a getter that resolves each field in Python, which made
    the checks the dearest part of a page (a page of 100 runs: ~36 ms of ~57).
    Here pydantic-core validates the dicts itself.
    """


class Input(Schema):
    """A request body: a JSON object, never an array or a bare value (those are 422)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja hands over its attribute reader; what was sent is inside.
        sent = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(sent, dict):
            raise ValueError(_("Send a JSON object."))
        return data


# ---------------------------------------------------------------- lists (`core.paging`)

CURSOR_HELP = (
    "the next_cursor of the page before: reads on from there (keyset), fast at any depth; "
    "give it instead of offset"
)
Cursor = Annotated[str, StringConstraints(max_length=1000, pattern=r"^[A-Za-z0-9_-]+$")]


class Listing(Out):
    """What every list answer carries besides its rows."""

    count: int = Field(
        description="rows in the whole list: exact up to 10,000, past that PostgreSQL's "
        "estimate (then total_is_estimate is true)"
    )
    total_is_estimate: bool = False
    limit: int
    offset: int
    next_cursor: str | None = Field(
        None, description="give it as cursor for the next page; null on the last page"
    )


class ErrorOut(Out):
    detail: str
    code: str | None = None
    status: str | None = None
    field: str | None = None


class Progress(Out):
    completed: int = Field(description="checklist items (leaf tasks) ticked")
    total: int = Field(description="checklist items that count (cancelled ones do not)")
    closed: int = Field(
        0, description="items the run was completed with, unticked: closed on completion"
    )


# `yield` is a Python keyword, so the shape is made from a mapping of its fields.
OutputOut = create_model(
    "OutputOut",
    __base__=Out,
    __doc__="What the run made: good and rejected pieces against the planned quantity.",
    planned=(int, ...),
    good=(int, ...),
    rejected=(int, ...),
    rejected_rate=(
        float | None,
        Field(description="rejected / (good + rejected); null until something is delivered"),
    ),
    cells=(
        list[dict[str, Any]],
        Field(
            default_factory=list,
            description="per size × colour cell: {size, color, planned, good}",
        ),
    ),
    **{"yield": (float | None, Field(description="good / planned; null until delivered"))},
)


class RejectedLineOut(Out):
    reason: str
    label: str
    quantity: int
    note: str
    size: str
    color: str


class CellOut(Out):
    size: str
    color: str
    quantity: int


class PhotoOut(Out):
    id: str
    url: str
    preview_url: str
    name: str


class DeliveryOut(Out):
    id: str
    run_id: str
    number: int = Field(description="the batch's number on its run: 1, 2, …")
    delivered_on: date
    good: int
    rejected: list[RejectedLineOut]
    rejected_quantity: int
    size_quantities: list[CellOut] = Field(description="good pieces per size × colour cell")
    shortfall_reason: str
    note: str
    final: bool = Field(description="the hand-over: this delivery completed the run")
    over_delivered: int = Field(description="pieces beyond the order, accepted and flagged")
    recorded_by: str
    recorded_by_type: str
    recorded_at: datetime
    corrected_at: datetime | None
    corrected_by: str
    correction_reason: str
    photos: list[PhotoOut]


class DesignRef(Out):
    id: str
    name: str
    thumbnail_url: str


class PartnerRef(Out):
    id: str
    name: str
    handle: str


class SizeQuantityOut(Out):
    size: str
    color: str
    quantity: int


class PriceOut(Out):
    unit: str
    amount: str
    currency: str
    source: str = Field(description="rate (the partner's rate card) or dispatch (given then)")
    fixed: bool = Field(description="the partner accepted it; it changes by adjustments only")
    fixed_at: datetime | None


class CostOut(Out):
    """What a run costs in one currency (amounts in its minor units)."""

    partner: str = Field(description="the partner's price: earned, or estimated from output")
    adjustments: str
    materials: str = Field(description="materials logged on the run × their unit cost")
    total: str
    per_good_piece: str | None
    currency: str
    estimated: bool = Field(description="the run is not completed: the partner's part may move")


class RunOut(Out):
    id: str
    reference: str
    status: str
    stage: str
    run_type: str
    quantity: int
    size_quantities: list[SizeQuantityOut] = Field(
        description="the quantity by size and colour; empty when none was given"
    )
    role: str
    design_id: str
    design: DesignRef
    partner_id: str | None
    partner: PartnerRef | None
    previous_partner_id: str | None
    parent_run_id: str | None
    order_group: int | None
    depends_on_run_ids: list[str]
    order_id: str | None
    order_line_id: str | None
    product_id: str | None
    variant_id: str | None
    accepted_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancelled_reason: str
    due_date: date | None
    promised_date: date | None
    is_late: bool
    notes: str
    progress: Progress
    created_at: datetime
    updated_at: datetime
    output: OutputOut
    deliveries: list[DeliveryOut]
    rework_of: str | None = Field(description="the run whose rejected pieces this run remakes")
    reworks: list[str] = Field(description="runs remaking rejected pieces of this one")
    proposed_quantity: int | None = Field(
        description="the quantity an admin is asked to confirm before dispatch"
    )
    price: PriceOut | None = Field(None, description="the partner's price for this run")
    cost: CostOut | None = Field(
        None, description="the run's cost in its price's currency (a split run: its parts')"
    )
    costs: list[CostOut] = Field(
        default_factory=list, description="the cost per currency, when several are involved"
    )


class TaskOut(Out):
    id: str
    title: str
    description: str
    status: str
    priority: str
    position: int
    run_id: str | None
    parent_task_id: str | None
    template_id: str | None
    due_date: date | None
    accepted_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    subtasks: list["TaskOut"]
    quality_check: bool = False
    check_result: str = Field("", description="passed or failed, for an item of a quality check")
    check_note: str = ""


TaskOut.model_rebuild()


class CommentOut(Out):
    id: str
    body: str
    author_type: str
    author_name: str
    created_at: datetime


class HistoryOut(Out):
    kind: str
    from_status: str
    to_status: str
    actor_type: str
    actor_id: int | None
    actor_name: str
    note: str
    details: dict[str, Any]
    related_run_id: str | None
    occurred_at: datetime


def design_ref(design: DesignView) -> dict:
    return {"id": design.id, "name": design.name, "thumbnail_url": design.thumbnail_url}


def partner_ref(partner: PartnerView | None) -> dict | None:
    if partner is None:
        return None
    return {"id": partner.id, "name": partner.name, "handle": partner.handle}


def run_facts_out(run) -> dict:
    """The run fields both APIs show, from a `RunFacts` (an admin's or a partner's run)."""
    return {
        "id": run.id,
        "reference": run.reference,
        "status": run.status,
        "stage": run.stage,
        "run_type": run.run_type,
        "quantity": run.quantity,
        "size_quantities": [cell.as_dict() for cell in run.size_quantities],
        "role": run.role,
        "design_id": run.design_id,
        "design": design_ref(run.design),
        "partner_id": run.partner_id,
        "partner": partner_ref(run.partner),
        "parent_run_id": run.parent_run_id,
        "order_group": run.order_group,
        "depends_on_run_ids": list(run.depends_on_run_ids),
        "order_id": run.order_id,
        "order_line_id": run.order_line_id,
        "product_id": run.product_id,
        "variant_id": run.variant_id,
        "accepted_at": run.accepted_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "completed_at": run.completed_at,
        "cancelled_at": run.cancelled_at,
        "cancelled_reason": run.cancelled_reason,
        "due_date": run.due_date,
        "promised_date": run.promised_date,
        "is_late": run.is_late,
        "notes": run.notes,
        "progress": run.progress.as_dict(),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "output": {
            **run.output.as_dict(),
            "cells": [cell.as_dict() for cell in run.output.cells],
        },
        "deliveries": [delivery_out(delivery) for delivery in run.deliveries],
        "rework_of": run.rework_of,
        "reworks": list(run.reworks),
    }


def run_out(run: AdminRun) -> dict:
    """The run object of API.md, as an admin sees it."""
    return {
        **run_facts_out(run),
        "previous_partner_id": run.previous_partner_id,
        "proposed_quantity": run.proposed_quantity,
    }


def delivery_out(delivery: DeliveryView) -> dict:
    return {
        "id": delivery.id,
        "run_id": delivery.run_id,
        "number": delivery.number,
        "delivered_on": delivery.delivered_on,
        "good": delivery.good,
        "rejected": [
            {
                "reason": line.reason,
                "label": line.label,
                "quantity": line.quantity,
                "note": line.note,
                "size": line.size,
                "color": line.color,
            }
            for line in delivery.rejections
        ],
        "rejected_quantity": delivery.rejected,
        "size_quantities": [
            {
                "size": str(cell.get("size", "")),
                "color": str(cell.get("color", "")),
                "quantity": int(cell.get("quantity") or 0),
            }
            for cell in delivery.size_quantities
        ],
        "shortfall_reason": delivery.shortfall_reason,
        "note": delivery.note,
        "final": delivery.final,
        "over_delivered": delivery.over_delivered,
        "recorded_by": delivery.recorded_by,
        "recorded_by_type": delivery.recorded_by_kind,
        "recorded_at": delivery.recorded_at,
        "corrected_at": delivery.corrected_at,
        "corrected_by": delivery.corrected_by,
        "correction_reason": delivery.correction_reason,
        "photos": [
            {"id": p.id, "url": p.url, "preview_url": p.preview_url, "name": p.name}
            for p in delivery.photos
        ],
    }


def task_out(task: TaskView) -> dict:
    """A task; a top-level task carries its checklist items (`subtasks`)."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "position": task.position,
        "run_id": task.run_id,
        "parent_task_id": task.parent_task_id,
        "template_id": task.template_id,
        "due_date": task.due_date,
        "accepted_at": task.accepted_at,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "subtasks": [task_out(sub) for sub in task.subtasks],
        "quality_check": task.quality_check,
        "check_result": task.check_result,
        "check_note": task.check_note,
    }


def comment_out(comment: CommentView) -> dict:
    return {
        "id": comment.id,
        "body": comment.body,
        "author_type": comment.author_kind,
        "author_name": comment.author_name,
        "created_at": comment.created_at,
    }


def history_out(row: RunHistory) -> dict:
    return {
        "kind": row.kind,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "actor_type": row.actor_kind,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "note": row.note,
        "details": row.details,
        "related_run_id": row.related_run_id,
        "occurred_at": row.occurred_at,
    }


# An export's answer is a file, not JSON: what the OpenAPI document says it is.
EXPORT_OPENAPI = {
    "responses": {
        200: {
            "description": "The file, as an attachment named with today's date.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }
}
