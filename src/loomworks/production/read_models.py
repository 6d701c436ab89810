"""What an admin, and what a partner, may see of a run: typed, frozen read objects.

The builders are `selectors.py` (the admin's, and the run facts both audiences
share), `run_records.py` (tasks, comments, files, material use and history,
as both audiences read them) and `partner_selectors.py` (a partner's, always
from its scope). The API
schemas and the console's and portal's pages only format these objects: they
never filter rows or read the models themselves, so the API and the pages
cannot disagree about what a person sees.

Where a new fact goes (size quantities, output, deliveries, price, cost):

- both audiences see it: a field on `RunFacts`, filled in `selectors._facts`;
- admins only: a field on `AdminRun` (or `AdminRunDetail`), filled in
  `selectors._admin_run` (or `selectors.admin_run_detail`);
- partners only: a field on `PartnerRun` (or `PartnerRunDetail`), filled in
  `partner_selectors._partner_run` (or `partner_selectors.partner_run_detail`).

A partner's objects are allowlists: a field added for admins never reaches a
workshop by itself.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loomworks.core.formatting import amount_text
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ActorKind,
    ConsumptionType,
    RunStatus,
    RunType,
)
from loomworks.production.size_matrix import Cell as SizeQuantity
from loomworks.work.models import AuthorKind

# ---------------------------------------------------------------- small parts


@dataclass(frozen=True)
class Progress:
    """Checklist items (leaf tasks) ticked, out of those that count (cancelled ones do not).

    `closed` of them were never ticked: the run was completed with them open
    ("closed on completion"); they count in `total`, never in `completed`.
    A split run's progress is its own leaf tasks plus its parts' leaf tasks:
    the same figure in the API, the console's list and its run page.
    """

    completed: int = 0
    total: int = 0
    closed: int = 0
    # On a cancelled run only: the items it stopped with, outside `total`.
    cancelled: int = 0

    @property
    def open(self) -> int:
        return self.total - self.completed - self.closed

    def as_dict(self) -> dict[str, int]:
        return {"completed": self.completed, "total": self.total, "closed": self.closed}

    def __add__(self, other: "Progress") -> "Progress":
        return Progress(
            self.completed + other.completed,
            self.total + other.total,
            self.closed + other.closed,
            self.cancelled + other.cancelled,
        )


@dataclass(frozen=True)
class Output:
    """What a run made against what was planned.

    `yield_` is good / planned, None until something is delivered; `rejected_rate`
    is rejected / (good + rejected). A split run's output is its parts': the good
    pieces of its last step, the rejected pieces of every step.
    """

    planned: int
    good: int = 0
    rejected: int = 0
    delivered: bool = False
    # Per cell of the size × colour matrix: planned beside the good pieces delivered.
    cells: tuple["CellOutput", ...] = ()

    @property
    def yield_(self) -> Decimal | None:
        if not self.delivered or not self.planned:
            return None
        return (Decimal(self.good) / Decimal(self.planned)).quantize(Decimal("0.001"))

    @property
    def rejected_rate(self) -> Decimal | None:
        handled = self.good + self.rejected
        if not self.delivered or not handled:
            return None
        return (Decimal(self.rejected) / Decimal(handled)).quantize(Decimal("0.001"))

    @property
    def over_delivered(self) -> int:
        return max(0, self.good - self.planned)

    @property
    def short(self) -> int:
        return max(0, self.planned - self.good)

    @property
    def yield_percent(self) -> str:
        value = self.yield_
        return "" if value is None else f"{(value * 100).quantize(Decimal('1'))}%"

    @property
    def rejected_percent(self) -> str:
        value = self.rejected_rate
        return "" if value is None else f"{(value * 100).quantize(Decimal('0.1')).normalize()}%"

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "good": self.good,
            "rejected": self.rejected,
            "yield": float(self.yield_) if self.yield_ is not None else None,
            "rejected_rate": float(self.rejected_rate) if self.rejected_rate is not None else None,
        }


@dataclass(frozen=True)
class CellOutput:
    """One cell of a run's size × colour matrix: ordered, and delivered good."""

    size: str
    color: str
    planned: int
    good: int = 0

    @property
    def short(self) -> int:
        return max(0, self.planned - self.good)

    def as_dict(self) -> dict[str, Any]:
        return {"size": self.size, "color": self.color, "planned": self.planned, "good": self.good}


@dataclass(frozen=True)
class DesignRef:
    id: str
    name: str
    thumbnail_url: str


@dataclass(frozen=True)
class PartnerRef:
    id: str
    name: str
    handle: str


@dataclass(frozen=True)
class RunRef:
    """A run named beside something else (a task's run)."""

    id: str
    reference: str
    status: str


# ---------------------------------------------------------------- deliveries


@dataclass(frozen=True)
class RejectionLine:
    reason: str
    label: str
    quantity: int
    note: str = ""
    size: str = ""
    color: str = ""


@dataclass(frozen=True)
class DeliveryView:
    """One batch a workshop handed over; `final`: the hand-over that ended the run."""

    id: str
    run_id: str
    number: int
    delivered_on: datetime.date
    good: int
    rejected: int
    rejections: tuple[RejectionLine, ...]
    size_quantities: tuple[dict[str, Any], ...]
    shortfall_reason: str
    note: str
    final: bool
    over_delivered: int
    recorded_by: str
    recorded_by_kind: str
    recorded_at: datetime.datetime
    corrected_at: datetime.datetime | None = None
    corrected_by: str = ""
    correction_reason: str = ""
    photos: tuple["MediaView", ...] = ()

    @property
    def pk(self) -> str:
        return self.id


# ---------------------------------------------------------------- runs


@dataclass(frozen=True, kw_only=True)
class RunFacts:
    """The facts of a run that both audiences see."""

    id: str
    reference: str
    status: str
    stage: str
    run_type: str
    quantity: int
    # How `quantity` divides by size and colour (`size_matrix`); empty: not given.
    size_quantities: tuple[SizeQuantity, ...]
    role: str
    design: DesignRef
    partner: PartnerRef | None
    parent_run_id: str | None
    order_group: int | None
    depends_on_run_ids: tuple[str, ...]
    order_id: str | None
    order_line_id: str | None
    product_id: str | None
    variant_id: str | None
    accepted_at: datetime.datetime | None
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None
    cancelled_reason: str
    due_date: datetime.date | None
    promised_date: datetime.date | None
    # The date the run is held to (promised, else due) and which one it is
    # (`DeadlineKind`: people read "Promised …" or "Due …"); a late run shows
    # this date as the one it missed.
    deadline: datetime.date | None
    deadline_kind: str
    is_late: bool
    notes: str
    progress: Progress
    created_at: datetime.datetime
    updated_at: datetime.datetime
    output: Output
    deliveries: tuple[DeliveryView, ...] = ()
    rework_of: str | None = None
    reworks: tuple[str, ...] = ()

    # Names the pages and `states.allowed_actions` read.
    @property
    def pk(self) -> str:
        return self.id

    @property
    def design_id(self) -> str:
        return self.design.id

    @property
    def partner_id(self) -> str | None:
        return self.partner.id if self.partner else None

    @property
    def parent_id(self) -> str | None:
        return self.parent_run_id

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def status_label(self) -> str:
        return str(RunStatus(self.status).label) if self.status in RunStatus.values else self.status

    @property
    def run_type_label(self) -> str:
        return str(RunType(self.run_type).label) if self.run_type in RunType.values else ""

    @property
    def missed_date(self) -> datetime.date | None:
        """The date a late run missed (its promised, else due date); None when not late."""
        return self.deadline if self.is_late else None


@dataclass(frozen=True, kw_only=True)
class AdminRun(RunFacts):
    """A run as the brand sees it in a list, or around another run."""

    previous_partner_id: str | None
    has_parts: bool
    parent_reference: str | None = None
    # The quantity an admin is asked to confirm before dispatch (the step before
    # delivered another quantity than planned).
    proposed_quantity: int | None = None


@dataclass(frozen=True, kw_only=True)
class PartnerRun(RunFacts):
    """A run as its workshop sees it. `sent_at`: when it last came to the workshop."""

    sent_at: datetime.datetime | None = None


# ---------------------------------------------------------------- tasks, comments, files


@dataclass(frozen=True)
class TaskView:
    """A task; a top-level task carries its checklist items (`subtasks`), in order."""

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
    due_date: datetime.date | None
    accepted_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    subtasks: tuple["TaskView", ...] = ()
    quality_check: bool = False
    check_result: str = ""  # passed | failed, for an item of a quality check
    check_note: str = ""

    @property
    def pk(self) -> str:
        return self.id


@dataclass(frozen=True)
class CommentView:
    id: str
    task_id: str
    body: str
    author_kind: str
    author_name: str
    created_at: datetime.datetime

    @property
    def pk(self) -> str:
        return self.id

    @property
    def author_kind_label(self) -> str:
        kind = self.author_kind
        return str(AuthorKind(kind).label) if kind in AuthorKind.values else kind


@dataclass(frozen=True)
class MediaView:
    """An uploaded file; `file_name` and `preview_name` are where it is stored."""

    id: str
    run_id: str | None
    design_id: str | None
    url: str
    preview_url: str
    name: str
    content_type: str
    size: int
    is_image: bool
    uploaded_by: str
    created_at: datetime.datetime
    file_name: str = ""
    preview_name: str = ""
    # A brand's file of a design: tech_pack, pattern, artwork, image or other.
    kind: str = ""

    @property
    def pk(self) -> str:
        return self.id


@dataclass(frozen=True)
class MaterialRef:
    id: str
    sku: str
    name: str


@dataclass(frozen=True)
class ConsumptionView:
    id: str
    material: MaterialRef
    quantity: Decimal
    unit: str
    consumption_type: str
    notes: str
    logged_by: str
    consumed_at: datetime.datetime
    corrected_at: datetime.datetime | None = None

    @property
    def quantity_text(self) -> str:
        return amount_text(self.quantity)

    @property
    def type_label(self) -> str:
        kind = self.consumption_type
        return str(ConsumptionType(kind).label) if kind in ConsumptionType.values else kind


@dataclass(frozen=True)
class MaterialUse:
    """One material of a run: planned (bill of materials × quantity) beside what was logged.

    Rows are per material *and unit*: what was logged in kg is never added to
    a plan in metres; it shows as a row of its own.
    """

    name: str
    sku: str
    unit: str
    per_piece: Decimal | None
    planned: Decimal | None
    used: Decimal | None
    good: int | None = None  # the run's good pieces, once delivered

    @property
    def per_good_piece(self) -> Decimal | None:
        """Used per good piece delivered, to set beside the plan's per piece."""
        if not self.good or self.used is None:
            return None
        return self.used / self.good

    @property
    def per_good_piece_text(self) -> str:
        return amount_text(self.per_good_piece)

    @property
    def per_good_piece_over(self) -> bool:
        per_good = self.per_good_piece
        return per_good is not None and self.per_piece is not None and per_good > self.per_piece

    @property
    def unplanned(self) -> bool:
        return self.planned is None

    @property
    def difference(self) -> Decimal | None:
        """Used minus planned (nothing logged counts as none used)."""
        if self.planned is None:
            return None
        return (self.used or Decimal(0)) - self.planned

    @property
    def is_over(self) -> bool:
        return self.difference is not None and self.difference > 0

    @property
    def per_piece_text(self) -> str:
        return amount_text(self.per_piece)

    @property
    def planned_text(self) -> str:
        return amount_text(self.planned)

    @property
    def used_text(self) -> str:
        return amount_text(self.used if self.used is not None else Decimal(0))

    @property
    def remaining_text(self) -> str:
        """How much is left of the plan, or how far over it the use went."""
        difference = self.difference
        return "" if difference is None else amount_text(abs(difference))

    @property
    def difference_text(self) -> str:
        if self.planned is None or self.used is None:
            return ""
        difference = self.used - self.planned
        return ("+" if difference > 0 else "") + amount_text(difference)

    @property
    def percent(self) -> int:
        if not self.planned:
            return 0
        return min(100, round(100 * (self.used or 0) / self.planned))


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a run's history as the reader may see it.

    For a partner, another workshop's steps keep their kind and statuses but
    lose the person (`actor_name` is blank, `other_workshop` set) and the note.
    """

    kind: str
    label: str
    from_status: str
    to_status: str
    actor_kind: str
    actor_name: str
    note: str
    occurred_at: datetime.datetime
    other_workshop: bool = False
    # Checklist items the step closed unticked (a completion with items still open).
    closed_on_completion: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.from_status) and self.from_status != self.to_status

    @property
    def actor_kind_label(self) -> str:
        kind = self.actor_kind
        return str(ActorKind(kind).label) if kind in ActorKind.values else kind


# ---------------------------------------------------------------- related runs (partner)


@dataclass(frozen=True)
class RelatedRun:
    """Another run beside a partner's: reference, role and status only."""

    id: str
    reference: str
    role: str
    status: str
    is_own: bool


@dataclass(frozen=True)
class RelatedRuns:
    parent: RelatedRun | None = None
    siblings: tuple[RelatedRun, ...] = ()
    depends_on: tuple[RelatedRun, ...] = ()
    dependents: tuple[RelatedRun, ...] = ()
    rework_of: RelatedRun | None = None
    reworks: tuple[RelatedRun, ...] = ()

    @property
    def any(self) -> bool:
        return bool(
            self.parent
            or self.siblings
            or self.depends_on
            or self.dependents
            or self.rework_of
            or self.reworks
        )


# ---------------------------------------------------------------- details


@dataclass(frozen=True)
class RunOrigin:
    """Where a run came from, for the admin: a store order line, a product, or by hand."""

    order_external_id: str | None = None
    order_line_external_id: str | None = None
    product_title: str | None = None
    variant_sku: str | None = None

    @property
    def by_hand(self) -> bool:
        return not (self.order_external_id or self.product_title)


@dataclass(frozen=True, kw_only=True)
class AdminRunDetail:
    """One run for the admin: the run, what it is made from, its tasks and the runs around it.

    `actions` are the commands an admin may give now (`states.allowed_actions`).
    """

    run: AdminRun
    snapshot: dict[str, Any]
    planned_template_ids: tuple[str, ...]
    previous_partner: PartnerRef | None
    tasks: tuple[TaskView, ...]
    parent: AdminRun | None
    siblings: tuple[AdminRun, ...]
    children: tuple[AdminRun, ...]
    depends_on: tuple[AdminRun, ...]
    dependents: tuple[AdminRun, ...]
    actions: tuple[str, ...]
    origin: RunOrigin = field(default_factory=RunOrigin)
    produced_quantity: int | None = None
    rejected_quantity: int | None = None
    rework_of: AdminRun | None = None
    reworks: tuple[AdminRun, ...] = ()
    rejected_left_to_rework: int = 0


@dataclass(frozen=True)
class PartnerDesign:
    """What the workshop was asked to make: the run's snapshot of the design, with the
    live design's basics where the snapshot lacks them, and the files it may see."""

    id: str
    name: str
    description: str
    thumbnail_url: str
    tags: tuple[str, ...]
    notes: str
    specifications: tuple[dict[str, Any], ...]
    colors: tuple[dict[str, Any], ...]
    size_sets: tuple[dict[str, Any], ...]
    materials: tuple[dict[str, Any], ...]
    media: tuple[MediaView, ...]
    # The unit of the sizes' measurements ("" in snapshots taken before designs had one).
    measurement_unit: str = ""
    # The points of measure in the table's order (empty in older snapshots).
    measurement_points: tuple[str, ...] = ()
    # The brand's files of the design that the run's snapshot names, in its order.
    files: tuple[MediaView, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PartnerRunDetail:
    """One of a workshop's runs: its own tasks and files only, the runs around it by
    reference, role and status, and the commands it may give now (`actions`)."""

    run: PartnerRun
    design: PartnerDesign
    snapshot: dict[str, Any]
    tasks: tuple[TaskView, ...]
    media: tuple[MediaView, ...]
    related: RelatedRuns
    actions: tuple[str, ...]

    @property
    def gallery(self) -> tuple[MediaView, ...]:
        """Every photo and file the workshop may see on this run and its design, each once,
        oldest first; the brand's files of the design are apart (`design.files`)."""
        seen: dict[str, MediaView] = {}
        for item in (*self.media, *self.design.media):
            if item.run_id is not None:
                seen.setdefault(item.id, item)
        return tuple(sorted(seen.values(), key=lambda item: (item.created_at, item.id)))


# ---------------------------------------------------------------- bulk actions

# What a bulk action did to one run.
BULK_DONE = "done"  # the action went through, as the single-run action would
BULK_UNCHANGED = "unchanged"  # the run was already where the action takes it
BULK_REFUSED = "refused"  # the run's state (or input) did not allow it: left as it was
BULK_OUTCOMES = (BULK_DONE, BULK_UNCHANGED, BULK_REFUSED)

# The audit rows of bulk requests are found by this target type and the request's id.
BULK_AUDIT_TARGET = "production_run_bulk"


@dataclass(frozen=True, kw_only=True)
class BulkRunOutcome:
    """One run of a bulk action: done, unchanged, or refused with the reason the
    single-run action gives (the state table's sentence)."""

    run_id: str
    reference: str
    outcome: str
    detail: str = ""
    status: str = ""  # the run's status right after its turn


@dataclass(frozen=True, kw_only=True)
class BulkResult:
    """A bulk request as it was recorded: who asked for which action, and each run's outcome."""

    id: str
    action: str
    actor_name: str
    occurred_at: datetime.datetime
    runs: tuple[BulkRunOutcome, ...]
    # The runs list's filters, when the request took "all that match" (else None).
    filters: dict[str, Any] | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(BULK_OUTCOMES, 0)
        for run in self.runs:
            counts[run.outcome] += 1
        return counts
