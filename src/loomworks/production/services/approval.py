"""Making runs, editing them before acceptance, and approving them (splitting
into one part per partner). Validation comes first, so a refused call writes nothing.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.catalog.models import Design, Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.errors import (
    DomainError,
    InvalidInput,
)
from loomworks.core.limits import MAX_ORDER_GROUP
from loomworks.orders.models import Order, OrderLine
from loomworks.partners.models import Partner
from loomworks.production.models import (
    ProductionRun,
    RunDependency,
    RunStatus,
    RunType,
)
from loomworks.production.services.checks import active_partner, partner_by_id, positive_quantity
from loomworks.production.services.dispatch import run_dispatch
from loomworks.production.services.snapshots import design_snapshot
from loomworks.production.size_matrix import axes, checked_cells, line_cells, split
from loomworks.production.states import (
    record_creation,
    transition,
)
from loomworks.work import services as work

EDITABLE_FIELDS = ("quantity", "size_quantities", "role", "run_type", "due_date", "notes")


@transaction.atomic
def run_create(
    *,
    design: Design,
    actor: Actor,
    quantity: int = 1,
    run_type: str = RunType.PRODUCTION,
    partner: Partner | None = None,
    role: str = "",
    due_date: datetime.date | None = None,
    notes: str = "",
    status: str = RunStatus.PENDING_REVIEW,
    order: Order | None = None,
    order_line: OrderLine | None = None,
    product: Product | None = None,
    variant: ProductVariant | None = None,
    size_quantities: Sequence[dict] | None = None,
) -> ProductionRun:
    """A run of `design`, with its snapshot; `size_quantities` (cells of the design's
    sizes and colours adding up to `quantity`, see `size_matrix`) may divide it."""
    positive_quantity(quantity, "quantity")
    if run_type not in RunType.values:
        raise InvalidInput("run_type", _("The run type must be production or sample."))
    if status not in (RunStatus.DRAFT, RunStatus.PENDING_REVIEW):
        raise InvalidInput("status", _("A new run starts as draft or pending review."))
    if partner is not None:
        active_partner(partner)
    snapshot = design_snapshot(
        design, order=order, order_line=order_line, product=product, variant=variant
    )
    sizes, colors = axes(snapshot)
    if size_quantities is None and order_line is not None:
        # A store order line is one variant: its size and colour are the run's one cell.
        size_quantities = line_cells(
            size=order_line.size,
            color=order_line.color,
            quantity=quantity,
            sizes=sizes,
            colors=colors,
        )
    cells = checked_cells(size_quantities, quantity=quantity, sizes=sizes, colors=colors)
    run = ProductionRun(
        design=design,
        quantity=quantity,
        run_type=run_type,
        partner=partner,
        role=role or "",
        due_date=due_date,
        notes=notes or "",
        order=order,
        order_line=order_line,
        product=product,
        variant=variant,
        snapshot=snapshot,
        size_quantities=cells,
    )
    return record_creation(run, actor=actor, status=status)


@transaction.atomic
def run_update(*, run: ProductionRun, actor: Actor, **fields) -> ProductionRun:
    """Edit a run before it is accepted (quantity and its size × colour cells, role,
    type, due date, notes). A run whose matrix is given keeps it whole: a new quantity
    needs new cells (or `size_quantities=[]` to drop them)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be edited."))
    if "quantity" in fields:
        positive_quantity(fields["quantity"], "quantity")
    quantity = fields.get("quantity", run.quantity)
    if "size_quantities" in fields or (run.size_quantities and quantity != run.quantity):
        sizes, colors = axes(run.snapshot)
        fields["size_quantities"] = checked_cells(
            fields.get("size_quantities", run.size_quantities),
            quantity=quantity,
            sizes=sizes,
            colors=colors,
        )
    if "run_type" in fields and fields["run_type"] not in RunType.values:
        raise InvalidInput("run_type", _("The run type must be production or sample."))
    for text_field in ("role", "notes"):
        if text_field in fields and fields[text_field] is None:
            fields[text_field] = ""
    changed = {name: value for name, value in fields.items() if getattr(run, name) != value}
    if not changed:
        return run

    def no_resplit(current: ProductionRun) -> str | None:
        if ("quantity" in changed or "size_quantities" in changed) and current.children.exists():
            return _("%(ref)s is split into parts; change the quantities of its parts instead.") % {
                "ref": current.reference
            }
        return None

    details = {
        name: [_jsonable(getattr(run, name)), _jsonable(value)] for name, value in changed.items()
    }
    return transition(
        run, "edit", actor=actor, changes=changed, details={"changed": details}, guard=no_resplit
    ).run


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


# ---------------------------------------------------------------- approve


@dataclass
class Assignment:
    partner_id: str
    quantity: int
    role: str = ""
    order: int | None = None
    template_ids: list[str] = field(default_factory=list)
    # This part's own size × colour cells; None: its share of the run's (in proportion).
    size_quantities: Sequence[dict] | None = None


@dataclass
class ApproveResult:
    run: ProductionRun
    children: list[ProductionRun]
    dispatch_errors: list[dict] = field(default_factory=list)


def _validate_assignments(
    assignments: Sequence[Assignment],
) -> dict[int, list[tuple[int, Assignment, Partner]]]:
    """Check every assignment and group them by order group (missing order: group 1)."""
    groups: dict[int, list[tuple[int, Assignment, Partner]]] = defaultdict(list)
    for index, assignment in enumerate(assignments):
        prefix = f"assignments[{index}]"
        positive_quantity(assignment.quantity, f"{prefix}.quantity")
        order = assignment.order
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, int) or order < 1:
                raise InvalidInput(f"{prefix}.order", _("The order group must be 1 or more."))
            if order > MAX_ORDER_GROUP:
                raise InvalidInput(
                    f"{prefix}.order",
                    _("The order group must be at most %(max)s.") % {"max": MAX_ORDER_GROUP},
                )
        partner = partner_by_id(assignment.partner_id, f"{prefix}.partner_id")
        work.templates_by_ids(assignment.template_ids or [], field=f"{prefix}.template_ids")
        groups[assignment.order or 1].append((index, assignment, partner))
    return dict(sorted(groups.items()))


def _group_total(group: list[tuple[int, Assignment, Partner]]) -> int:
    return sum(assignment.quantity for _index, assignment, _partner in group)


def _check_group_totals(groups, quantity: int) -> None:
    for order, group in groups.items():
        total = _group_total(group)
        if total != quantity:
            raise InvalidInput(
                "assignments",
                _(
                    "The assignments of order group %(order)s add up to %(total)s pieces; "
                    "each group must make the run's %(quantity)s."
                )
                % {"order": order, "total": total, "quantity": quantity},
            )


def _cell_totals(cells) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for cell in cells:
        totals[(cell["size"], cell["color"])] += cell["quantity"]
    return {key: amount for key, amount in totals.items() if amount}


def _part_matrices(
    whole: list[dict], groups: dict[int, list[tuple[int, Assignment, Partner]]], snapshot: dict
) -> tuple[list[dict], dict[int, list[list[dict]]]]:
    """The run's matrix and each part's, by order group, checked before anything is written.

    A group whose parts give no cells divides the run's matrix in proportion to the
    parts' quantities (`size_matrix.split`). A group whose parts give their own cells
    must give them for every part, each adding up to the part's quantity, and the
    parts must add up to the run's matrix cell by cell. A run without a matrix takes
    the one its parts add up to (every group must then agree). So the parts of a
    group always add up to the run, cell by cell."""
    sizes, colors = axes(snapshot)
    given: dict[int, list[list[dict]] | None] = {}
    for order, group in groups.items():
        with_cells = [index for index, assignment, _p in group if assignment.size_quantities]
        if not with_cells:
            given[order] = None
            continue
        missing = [index for index, assignment, _p in group if not assignment.size_quantities]
        if missing:
            raise InvalidInput(
                f"assignments[{missing[0]}].size_quantities",
                _(
                    "Give every part of order group %(order)s its size × colour quantities, "
                    "or give none and the run's are shared in proportion."
                )
                % {"order": order},
            )
        given[order] = [
            checked_cells(
                assignment.size_quantities,
                quantity=assignment.quantity,
                sizes=sizes,
                colors=colors,
                field=f"assignments[{index}].size_quantities",
            )
            for index, assignment, _p in group
        ]
    if not whole:
        for parts in given.values():
            if parts is not None:
                whole = sorted(
                    (
                        {"size": size, "color": color, "quantity": amount}
                        for (size, color), amount in _cell_totals(
                            [cell for part in parts for cell in part]
                        ).items()
                    ),
                    key=lambda c: (
                        sizes.index(c["size"]) if c["size"] in sizes else 0,
                        colors.index(c["color"]) if c["color"] in colors else 0,
                    ),
                )
                break
    expected = _cell_totals(whole)
    matrices: dict[int, list[list[dict]]] = {}
    for order, group in groups.items():
        parts = given[order]
        if parts is None:
            matrices[order] = (
                split(whole, [a.quantity for _i, a, _p in group])
                if whole
                else [[] for _item in group]
            )
            continue
        if _cell_totals([cell for part in parts for cell in part]) != expected:
            raise InvalidInput(
                f"assignments[{group[0][0]}].size_quantities",
                _(
                    "The parts of order group %(order)s must add up to the run's size × "
                    "colour quantities, cell by cell."
                )
                % {"order": order},
            )
        matrices[order] = parts
    return whole, matrices


@transaction.atomic
def run_approve(
    *,
    run: ProductionRun,
    actor: Actor,
    assignments: Sequence[Assignment] = (),
    size_quantities: Sequence[dict] | None = None,
) -> ApproveResult:
    """Approve a run; with assignments, split it into one part per partner.

    `size_quantities` (when not None) gives the run its size × colour cells as it is
    approved (`[]` drops them); the parts share the run's cells (see `_part_matrices`).

    Parts of order group k+1 depend on every part of group k. Parts given
    templates and waiting for nothing are dispatched at once; a part whose
    dispatch is refused stays approved and is reported in `dispatch_errors`.
    """
    matrix_changes: dict = {}
    if size_quantities is not None:
        sizes, colors = axes(run.snapshot)
        cells = checked_cells(size_quantities, quantity=run.quantity, sizes=sizes, colors=colors)
        matrix_changes = {"size_quantities": cells}
    if not assignments:
        result = transition(run, "approve", actor=actor, changes=matrix_changes or None)
        return ApproveResult(run=result.run, children=[])

    groups = _validate_assignments(assignments)
    _check_group_totals(groups, run.quantity)
    for group in groups.values():
        for _index, _assignment, partner in group:
            active_partner(partner)
    read_matrix = list(run.size_quantities or [])
    whole, matrices = _part_matrices(
        matrix_changes.get("size_quantities", read_matrix), groups, run.snapshot
    )
    if whole != matrix_changes.get("size_quantities", read_matrix):
        matrix_changes = {"size_quantities": whole}

    def not_split_yet(current: ProductionRun) -> str | None:
        if current.children.exists():
            return _("%(ref)s is already split into parts.") % {"ref": current.reference}
        if list(current.size_quantities or []) != read_matrix:
            return _("%(ref)s's size × colour quantities changed meanwhile; try again.") % {
                "ref": current.reference
            }
        return None

    parent = transition(
        run,
        "approve",
        actor=actor,
        guard=not_split_yet,
        details={"assignments": len(assignments)},
        # The work now belongs to the parts' partners: a partner named on the
        # run before the split would otherwise see a parent it cannot act on.
        changes={"partner_id": None, **matrix_changes},
    ).run

    children: list[ProductionRun] = []
    waiting: set[str] = set()
    previous_group: list[ProductionRun] = []
    for order, group in groups.items():
        this_group = []
        for (_index, assignment, partner), cells in zip(group, matrices[order], strict=True):
            child = record_creation(
                ProductionRun(
                    design_id=parent.design_id,
                    run_type=parent.run_type,
                    quantity=assignment.quantity,
                    size_quantities=cells,
                    partner=partner,
                    role=assignment.role or "",
                    parent=parent,
                    order_group=order,
                    planned_template_ids=list(assignment.template_ids or []),
                    snapshot=parent.snapshot,
                    due_date=parent.due_date,
                    order_id=parent.order_id,
                    product_id=parent.product_id,
                    variant_id=parent.variant_id,
                ),
                actor=actor,
                status=RunStatus.APPROVED,
                note=_("Part of %(ref)s") % {"ref": parent.reference},
            )
            RunDependency.objects.bulk_create(
                [RunDependency(run=child, depends_on=earlier) for earlier in previous_group]
            )
            if previous_group:
                waiting.add(child.pk)
            this_group.append(child)
        children.extend(this_group)
        previous_group = this_group

    errors = []
    for child in children:
        if not child.planned_template_ids or child.pk in waiting:
            continue
        try:
            with transaction.atomic():
                run_dispatch(run=child, template_ids=child.planned_template_ids, actor=actor)
        except DomainError as error:
            errors.append(
                {"run_id": child.pk, "reference": child.reference, "detail": error.detail}
            )
    children = list(
        ProductionRun.objects.filter(pk__in=[c.pk for c in children]).order_by(
            "order_group", "number"
        )
    )
    return ApproveResult(run=parent, children=children, dispatch_errors=errors)


@transaction.atomic
def run_create_from_design(
    *,
    design: Design,
    actor: Actor,
    quantity: int | None = None,
    run_type: str = RunType.PRODUCTION,
    assignments: Sequence[Assignment] = (),
    due_date: datetime.date | None = None,
    notes: str = "",
    size_quantities: Sequence[dict] | None = None,
) -> ApproveResult:
    """Create a run of `design` and, with assignments, approve it in the same step."""
    if assignments:
        groups = _validate_assignments(assignments)
        totals = {order: _group_total(group) for order, group in groups.items()}
        if quantity is None:
            if len(set(totals.values())) > 1:
                raise InvalidInput(
                    "assignments",
                    _(
                        "Every order group must make the same quantity; the groups add up to %(totals)s."
                    )
                    % {"totals": ", ".join(str(t) for t in totals.values())},
                )
            quantity = next(iter(totals.values()))
        _check_group_totals(groups, positive_quantity(quantity, "quantity"))
    run = run_create(
        design=design,
        actor=actor,
        quantity=quantity if quantity is not None else 1,
        run_type=run_type,
        due_date=due_date,
        notes=notes,
        size_quantities=size_quantities,
    )
    if not assignments:
        return ApproveResult(run=run, children=[])
    return run_approve(run=run, actor=actor, assignments=assignments)
