"""Shapes of the partner API, and the functions that fill them.

A partner's view of a run is an allowlist (`read_models.PartnerRun`): it names
every field a workshop may see, so a field added to the admin's run object
later does not leak to partners by itself. Serialisers only format the read
objects `production.partner_selectors` builds. Other workshops never appear: no partner ids or names
besides the caller's own, no previous partner, no other workshop's tasks,
comments or uploads.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

from loomworks.api.schemas import (
    CURSOR_HELP,
    CommentOut,
    Cursor,
    DeliveryOut,
    DesignRef,
    Input,
    Listing,
    Out,
    OutputOut,
    PartnerRef,
    PriceOut,
    Progress,
    SizeQuantityOut,
    run_facts_out,
)
from loomworks.core.limits import AMOUNT_PLACES, MAX_AMOUNT, MAX_OFFSET, MAX_QUANTITY, MAX_TEXT
from loomworks.production import read_models
from loomworks.production.models import ConsumptionType, RunStatus, RunType
from loomworks.production.read_models import (
    ConsumptionView,
    MediaView,
    PartnerDesign,
    PartnerRun,
    PartnerRunDetail,
    TaskView,
)
from loomworks.work.models import TaskStatus

# ---------------------------------------------------------------- input


def _plain_text(value: str) -> str:
    """Text the database can store: no NUL characters, valid Unicode."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", str(_("Text cannot contain NUL characters.")))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("invalid_unicode", str(_("Text is not valid Unicode."))) from None
    return value


Text = Annotated[str, AfterValidator(_plain_text)]

MAX_PAGE = 100


class RunListQuery(Schema):
    status: RunStatus | None = None
    run_type: RunType | None = None
    design_id: Text | None = Field(None, max_length=40)
    q: Text | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    cursor: Cursor | None = Field(None, description=CURSOR_HELP)


class TaskListQuery(Schema):
    status: TaskStatus | None = None
    run_id: Text | None = Field(None, max_length=40)
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class MaterialQuery(Schema):
    q: Text | None = Field(None, max_length=200)


class NoteIn(Input):
    note: Text | None = Field("", max_length=2000)


class AcceptIn(NoteIn):
    promised_date: date | None = None


DeclineReason = Literal["capacity", "materials_unavailable", "scheduling_conflict", "other"]


class DeclineIn(Input):
    reason: DeclineReason
    notes: Text | None = Field("", max_length=2000)


# A JSON number above zero with at most three decimals (0.125 m of ribbon).
Quantity = Annotated[
    Decimal,
    Field(gt=0, lt=MAX_AMOUNT, decimal_places=AMOUNT_PLACES),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": int(MAX_AMOUNT),
            "multipleOf": 0.001,
        }
    ),
]


class ConsumptionIn(Input):
    material_id: Text = Field(min_length=1, max_length=40)
    quantity: Quantity
    unit: Text | None = Field(None, max_length=20)
    consumption_type: ConsumptionType | None = None
    notes: Text | None = Field("", max_length=2000)


class CommentIn(Input):
    body: Text = Field(max_length=10_000)


Pieces = Annotated[int, Strict(), Field(ge=0, le=MAX_QUANTITY)]
SomePieces = Annotated[int, Strict(), Field(ge=1, le=MAX_QUANTITY)]


class RejectedIn(Schema):
    reason: Text = Field(
        min_length=1, max_length=40, description="a code of GET /rejection-reasons"
    )
    quantity: SomePieces
    note: Text = Field("", max_length=MAX_TEXT, description="what was wrong; needed for other")
    size: Text = Field("", max_length=50)
    color: Text = Field("", max_length=100)


class CellIn(Schema):
    size: Text = Field(max_length=50)
    color: Text = Field(max_length=100)
    quantity: Pieces


class DeliveryIn(Schema):
    good: Pieces
    rejected: list[RejectedIn] = Field(default_factory=list, max_length=50)
    size_quantities: list[CellIn] = Field(
        default_factory=list, max_length=500, description="good pieces per size × colour cell"
    )
    note: Text = Field("", max_length=MAX_TEXT)
    shortfall_reason: Text = Field(
        "", max_length=MAX_TEXT, description="when the last delivery leaves the run short"
    )
    delivered_on: date | None = None
    final: bool = Field(False, description="true: the hand-over; the run completes")


class CheckIn(Schema):
    result: Literal["pass", "fail"]
    note: Text = Field("", max_length=MAX_TEXT, description="what failed; needed for fail")


class ConsumptionPatch(Schema):
    quantity: Quantity | None = None
    consumption_type: ConsumptionType | None = None
    notes: Text | None = Field(None, max_length=2000)


# ---------------------------------------------------------------- output


class RelatedRun(Out):
    id: str
    reference: str
    role: str
    status: str
    is_own: bool


class RelatedRuns(Out):
    parent: RelatedRun | None
    siblings: list[RelatedRun]
    depends_on: list[RelatedRun]
    dependents: list[RelatedRun]
    rework_of: RelatedRun | None = None
    reworks: list[RelatedRun] = []


class MediaOut(Out):
    id: str
    url: str
    preview_url: str = Field(
        description="a JPEG of at most 480 px for galleries; the file itself for a PDF"
    )
    name: str
    content_type: str
    size: int
    is_image: bool
    uploaded_by: str
    created_at: datetime


class PartnerRunOut(Out):
    price: PriceOut | None = Field(
        None, description="your price for this run: proposed when sent, fixed when you accept"
    )
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
    rework_of: str | None
    reworks: list[str]


class RunRef(Out):
    id: str
    reference: str
    status: str


class PartnerTaskOut(Out):
    id: str
    title: str
    description: str
    status: str
    priority: str
    position: int
    run_id: str | None
    run: RunRef | None
    parent_task_id: str | None
    template_id: str | None
    due_date: date | None
    accepted_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    subtasks: list["PartnerTaskOut"]
    quality_check: bool = False
    check_result: str = Field("", description="passed or failed, for an item of a quality check")
    check_note: str = ""


PartnerTaskOut.model_rebuild()


class PartnerDesignOut(Out):
    id: str
    name: str
    description: str
    thumbnail_url: str
    specifications: list[dict[str, Any]]
    colors: list[dict[str, Any]]
    size_sets: list[dict[str, Any]]
    materials: list[dict[str, Any]]
    media: list[MediaOut]
    files: list[MediaOut] = Field(
        description="the brand's files of the design (tech packs, patterns, artwork) that "
        "the run names: those of the design when the run was made"
    )


class PartnerRunDetailOut(PartnerRunOut):
    available_actions: list[str] = Field(
        description="what the workshop may do now, as the portal offers it: "
        "accept, decline, start, finish, complete, media_added (upload files)"
    )
    design: PartnerDesignOut
    snapshot: dict[str, Any]
    tasks: list[PartnerTaskOut]
    media: list[MediaOut]
    related_runs: RelatedRuns


class RunEnvelope(Out):
    production_run: PartnerRunOut


class RunDetailEnvelope(Out):
    production_run: PartnerRunDetailOut


class RunPage(Listing):
    production_runs: list[PartnerRunOut]


class TaskEnvelope(Out):
    task: PartnerTaskOut


class TaskPage(Listing):
    tasks: list[PartnerTaskOut]


class SubtaskList(Out):
    subtasks: list[PartnerTaskOut]
    count: int


class SubtaskCompleted(Out):
    subtask: PartnerTaskOut
    parent_completed: bool


class MaterialOut(Out):
    id: str
    sku: str
    name: str
    unit: str


class MaterialList(Out):
    materials: list[MaterialOut]


class MaterialRef(Out):
    id: str
    sku: str
    name: str


class ConsumptionOut(Out):
    id: str
    material: MaterialRef
    quantity: float
    unit: str
    consumption_type: str
    notes: str
    logged_by: str
    consumed_at: datetime
    corrected_at: datetime | None = None


class ConsumptionEnvelope(Out):
    consumption_log: ConsumptionOut


class ConsumptionList(Out):
    consumption_logs: list[ConsumptionOut]
    count: int


class MediaList(Out):
    media: list[MediaOut]


class DeliveryCreated(Out):
    delivery: DeliveryOut
    production_run: PartnerRunOut


class DeliveryList(Out):
    deliveries: list[DeliveryOut]
    count: int


class ReasonOut(Out):
    code: str
    label: str


class ReasonList(Out):
    rejection_reasons: list[ReasonOut]


class SubtaskReopened(Out):
    subtask: PartnerTaskOut


class CommentList(Out):
    comments: list[CommentOut]


class CommentEnvelope(Out):
    comment: CommentOut


# ---------------------------------------------------------------- serialisers


def partner_run_out(run: PartnerRun) -> dict:
    """The partner's run object: the facts both audiences see, nothing of the admin's."""
    return run_facts_out(run)


def media_out(media: MediaView) -> dict:
    return {
        "id": media.id,
        "url": media.url,
        "preview_url": media.preview_url,
        "name": media.name,
        "content_type": media.content_type,
        "size": media.size,
        "is_image": media.is_image,
        "uploaded_by": media.uploaded_by,
        "created_at": media.created_at,
    }


def _design_out(design: PartnerDesign) -> dict:
    return {
        "id": design.id,
        "name": design.name,
        "description": design.description,
        "thumbnail_url": design.thumbnail_url,
        "specifications": list(design.specifications),
        "colors": list(design.colors),
        "size_sets": list(design.size_sets),
        "materials": list(design.materials),
        "media": [media_out(m) for m in design.media],
        "files": [media_out(m) for m in design.files],
    }


def _related_item(item: read_models.RelatedRun | None) -> dict | None:
    if item is None:
        return None
    return {
        "id": item.id,
        "reference": item.reference,
        "role": item.role,
        "status": item.status,
        "is_own": item.is_own,
    }


def related_runs_out(related: read_models.RelatedRuns) -> dict:
    """Parent, siblings, dependencies and dependents: reference, role and status only."""
    return {
        "parent": _related_item(related.parent),
        "siblings": [_related_item(item) for item in related.siblings],
        "depends_on": [_related_item(item) for item in related.depends_on],
        "dependents": [_related_item(item) for item in related.dependents],
        "rework_of": _related_item(related.rework_of),
        "reworks": [_related_item(item) for item in related.reworks],
    }


def partner_run_detail_out(detail: PartnerRunDetail) -> dict:
    return {
        **partner_run_out(detail.run),
        "design": _design_out(detail.design),
        "snapshot": detail.snapshot,
        "tasks": [partner_task_out(task) for task in detail.tasks],
        "media": [media_out(m) for m in detail.media],
        "related_runs": related_runs_out(detail.related),
        "available_actions": list(detail.actions),
    }


def partner_task_out(task: TaskView) -> dict:
    """A task with the partner's own checklist items."""
    run = task.run
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "position": task.position,
        "run_id": task.run_id,
        "run": {"id": run.id, "reference": run.reference, "status": run.status} if run else None,
        "parent_task_id": task.parent_task_id,
        "template_id": task.template_id,
        "due_date": task.due_date,
        "accepted_at": task.accepted_at,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "subtasks": [partner_task_out(sub) for sub in task.subtasks],
        "quality_check": task.quality_check,
        "check_result": task.check_result,
        "check_note": task.check_note,
    }


def consumption_out(log: ConsumptionView) -> dict:
    return {
        "id": log.id,
        "material": {"id": log.material.id, "sku": log.material.sku, "name": log.material.name},
        "quantity": float(log.quantity),
        "unit": log.unit,
        "consumption_type": log.consumption_type,
        "notes": log.notes,
        "logged_by": log.logged_by,
        "consumed_at": log.consumed_at,
        "corrected_at": log.corrected_at,
    }
