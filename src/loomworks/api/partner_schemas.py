"""Shapes of the partner API, and the functions that fill them.

A partner's view of a run is an allowlist: it names every field a workshop
may see, so a field added to the admin's run object later does not leak to
partners by itself. Other workshops never appear: no partner ids or names
besides the caller's own, no previous partner, no other workshop's tasks,
comments or uploads.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from loomworks.api.schemas import (
    CommentOut,
    DesignRef,
    Input,
    Out,
    PartnerRef,
    Progress,
    design_ref,
    partner_ref,
)
from loomworks.production.models import (
    ConsumptionLog,
    ConsumptionType,
    MediaFile,
    ProductionRun,
    RunStatus,
    RunType,
)
from loomworks.production.selectors import progress_of
from loomworks.work.models import Task, TaskStatus

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
MAX_OFFSET = 1_000_000_000


class RunListQuery(Schema):
    status: RunStatus | None = None
    run_type: RunType | None = None
    design_id: Text | None = Field(None, max_length=40)
    q: Text | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


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
    Field(gt=0, lt=1_000_000_000, decimal_places=3),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": 1_000_000_000,
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
    id: str
    reference: str
    status: str
    stage: str
    run_type: str
    quantity: int
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


class PartnerRunDetailOut(PartnerRunOut):
    design: PartnerDesignOut
    snapshot: dict[str, Any]
    tasks: list[PartnerTaskOut]
    media: list[MediaOut]
    related_runs: RelatedRuns


class RunEnvelope(Out):
    production_run: PartnerRunOut


class RunDetailEnvelope(Out):
    production_run: PartnerRunDetailOut


class RunPage(Out):
    production_runs: list[PartnerRunOut]
    count: int
    limit: int
    offset: int


class TaskEnvelope(Out):
    task: PartnerTaskOut


class TaskPage(Out):
    tasks: list[PartnerTaskOut]
    count: int
    limit: int
    offset: int


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


class ConsumptionEnvelope(Out):
    consumption_log: ConsumptionOut


class ConsumptionList(Out):
    consumption_logs: list[ConsumptionOut]
    count: int


class MediaList(Out):
    media: list[MediaOut]


class CommentList(Out):
    comments: list[CommentOut]


class CommentEnvelope(Out):
    comment: CommentOut


# ---------------------------------------------------------------- serialisers


def partner_run_out(run: ProductionRun) -> dict:
    """The partner's run object. Expects the design joined and progress annotated
    (otherwise each costs one query, which is fine for a single run)."""
    depends_on = getattr(run, "_prefetched_objects_cache", {}).get("depends_on")
    if depends_on is None:
        depends_on_ids = list(run.depends_on.values_list("pk", flat=True))
    else:
        depends_on_ids = [other.pk for other in depends_on]
    return {
        "id": run.pk,
        "reference": run.reference,
        "status": run.status,
        "stage": run.stage,
        "run_type": run.run_type,
        "quantity": run.quantity,
        "role": run.role,
        "design_id": run.design_id,
        "design": design_ref(run.design),
        "partner_id": run.partner_id,
        "partner": partner_ref(run.partner) if run.partner_id else None,
        "parent_run_id": run.parent_id,
        "order_group": run.order_group,
        "depends_on_run_ids": depends_on_ids,
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
        "progress": progress_of(run),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


def media_out(media: MediaFile) -> dict:
    return {
        "id": media.pk,
        "url": media.file.url,
        "preview_url": media.preview_url,
        "name": media.original_name,
        "content_type": media.content_type,
        "size": media.size,
        "is_image": media.is_image,
        "uploaded_by": media.uploaded_by_name,
        "created_at": media.created_at,
    }


def _design_out(run: ProductionRun) -> dict:
    """What the partner was asked to make: the run's snapshot of the design
    (later edits to the design do not change it), with the live design's
    basics where the snapshot lacks them, and the design's files."""
    snapshot = run.snapshot or {}
    taken = snapshot.get("design") or {}
    design = run.design
    return {
        "id": design.pk,
        "name": taken.get("name") or design.name,
        "description": taken.get("description", design.description) or "",
        "thumbnail_url": taken.get("thumbnail_url", design.thumbnail_url) or "",
        "specifications": list(snapshot.get("specifications") or []),
        "colors": list(snapshot.get("colors") or []),
        "size_sets": list(snapshot.get("size_sets") or []),
        "materials": list(snapshot.get("materials") or []),
        "media": [media_out(m) for m in getattr(run, "design_media", [])],
    }


def _related_item(other: ProductionRun, partner) -> dict:
    return {
        "id": other.pk,
        "reference": other.reference,
        "role": other.role,
        "status": other.status,
        "is_own": other.partner_id == partner.pk,
    }


def related_runs_out(run: ProductionRun, partner) -> dict:
    """Parent, siblings, dependencies and dependents: reference, role and status only."""
    siblings = []
    if run.parent_id:
        siblings = [_related_item(s, partner) for s in run.parent.children.all() if s.pk != run.pk]
    return {
        "parent": _related_item(run.parent, partner) if run.parent_id else None,
        "siblings": siblings,
        "depends_on": [_related_item(d, partner) for d in run.depends_on.all()],
        "dependents": [_related_item(d, partner) for d in run.dependents.all()],
    }


def partner_run_detail_out(run: ProductionRun, partner) -> dict:
    """Expects a run from `partner_selectors.partner_run_detail`."""
    return {
        **partner_run_out(run),
        "design": _design_out(run),
        "snapshot": run.snapshot or {},
        "tasks": [partner_task_out(task, run=run) for task in run.top_level_tasks],
        "media": [media_out(m) for m in run.run_media],
        "related_runs": related_runs_out(run, partner),
    }


def partner_task_out(task: Task, *, run: ProductionRun | None = None) -> dict:
    """A task with its own checklist (`own_subtasks`, set by the partner selectors)."""
    run = run if run is not None else (task.run if task.run_id else None)
    return {
        "id": task.pk,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "priority": task.priority,
        "position": task.position,
        "run_id": task.run_id,
        "run": {"id": run.pk, "reference": run.reference, "status": run.status} if run else None,
        "parent_task_id": task.parent_id,
        "template_id": task.template_id,
        "due_date": task.due_date,
        "accepted_at": task.accepted_at,
        "completed_at": task.completed_at,
        "created_at": task.created_at,
        "subtasks": [
            partner_task_out(sub, run=run) for sub in getattr(task, "own_subtasks", None) or []
        ],
    }


def consumption_out(log: ConsumptionLog) -> dict:
    return {
        "id": log.pk,
        "material": {"id": log.material.pk, "sku": log.material.sku, "name": log.material.name},
        "quantity": float(log.quantity),
        "unit": log.unit,
        "consumption_type": log.consumption_type,
        "notes": log.notes,
        "logged_by": log.logged_by_name,
        "consumed_at": log.consumed_at,
    }
