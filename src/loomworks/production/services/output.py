"""What a workshop hands over: deliveries of good and rejected pieces, and the hand-over.

A run may deliver in batches while it is in progress. Each delivery says how
many good pieces came, how many were rejected and why (a reason from the
brand's list), optionally per cell of the run's size × colour matrix, with a
note and photos. The run's totals (`produced_quantity`, `rejected_quantity`)
are the sums of its deliveries and are written with each one, through
`transition()`, so the history says who recorded what.

The run completes by the workshop's last delivery (`final`: the hand-over,
its one end step) or, when the policy says so, as soon as everything ordered
has come in good. Pieces beyond the order are refused or accepted and
flagged, per the policy. An admin may correct a delivery later, with a
reason: the correction is on the run's history and in the audit log with the
figures before it.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_QUANTITY, MAX_TEXT
from loomworks.production.models import (
    Delivery,
    MediaFile,
    OverDelivery,
    ProductionPolicy,
    ProductionRun,
)
from loomworks.production.rejections import OTHER, reasons_of
from loomworks.production.services.media import media_add
from loomworks.production.size_matrix import FIELD, axes, checked_cells
from loomworks.production.states import transition
from loomworks.work import services as work

# ---------------------------------------------------------------- input


@dataclass(frozen=True)
class Rejection:
    """Rejected pieces of one reason (`note` says what "other" was); optionally one cell."""

    reason: str
    quantity: int
    note: str = ""
    size: str = ""
    color: str = ""

    def as_dict(self) -> dict:
        line = {"reason": self.reason, "quantity": self.quantity, "note": self.note}
        if self.size or self.color:
            line.update(size=self.size, color=self.color)
        return line


def _count(value, field: str, *, allow_zero: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, _("Give a whole number of pieces."))
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(
            field,
            _("Give a number of pieces above zero.")
            if not allow_zero
            else _("The number of pieces cannot be negative."),
        )
    if value > MAX_QUANTITY:
        raise InvalidInput(
            field, _("The quantity must be at most %(max)s.") % {"max": MAX_QUANTITY}
        )
    return value


def _text(value, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(field, _("Write at most %(max)s characters here.") % {"max": MAX_TEXT})
    return value


def clean_rejections(items: Sequence, reasons: dict[str, str]) -> list[Rejection]:
    """The rejected lines, each with a reason on offer; "other" needs a note."""
    cleaned = []
    for index, item in enumerate(items or ()):
        prefix = f"rejected[{index}]"
        if isinstance(item, Rejection):
            item = item.as_dict()
        if not isinstance(item, dict):
            raise InvalidInput(prefix, _("Give each rejected line as a reason and a quantity."))
        reason = item.get("reason")
        if reason not in reasons:
            raise InvalidInput(
                f"{prefix}.reason",
                _("Choose a reason: %(reasons)s.") % {"reasons": ", ".join(reasons)},
            )
        quantity = _count(item.get("quantity"), f"{prefix}.quantity", allow_zero=False)
        note = _text(item.get("note"), f"{prefix}.note")
        if reason == OTHER and not note:
            raise InvalidInput(f"{prefix}.note", _("Say what was wrong with these pieces."))
        cleaned.append(
            Rejection(
                reason=reason,
                quantity=quantity,
                note=note,
                size=str(item.get("size") or "").strip(),
                color=str(item.get("color") or "").strip(),
            )
        )
    return cleaned


def _run_cells(run: ProductionRun) -> list[dict]:
    """The run's size × colour matrix (`[{"size", "color", "quantity"}]`), or none."""
    return list(run.size_quantities or [])


def _cell_key(cell: dict) -> tuple[str, str]:
    return (str(cell.get("size") or "").strip(), str(cell.get("color") or "").strip())


def clean_cells(cells, *, run: ProductionRun, good: int) -> list[dict]:
    """Good pieces per cell of the run's matrix, adding up to `good`; none without a matrix.

    The cells follow the matrix rules of `size_matrix` (the design's sizes and
    colours, whole numbers, each cell once); each must be a cell the run was
    asked to make.
    """
    if not cells:
        return []
    ordered = {_cell_key(cell) for cell in _run_cells(run)}
    if not ordered:
        raise InvalidInput(
            FIELD,
            _("%(ref)s has no size × colour matrix; give the good pieces only.")
            % {"ref": run.reference},
        )
    sizes, colors = axes(run.snapshot)
    # The sum is checked below against the good pieces, in this delivery's words.
    given = sum(
        cell.get("quantity")
        for cell in cells
        if isinstance(cell, dict)
        and isinstance(cell.get("quantity"), int)
        and not isinstance(cell.get("quantity"), bool)
    )
    checked = checked_cells(cells, quantity=given, sizes=sizes, colors=colors)
    for cell in checked:
        if _cell_key(cell) not in ordered:
            raise InvalidInput(
                FIELD,
                _("%(size)s / %(color)s is not in the matrix of %(ref)s.")
                % {
                    "size": cell["size"] or "—",
                    "color": cell["color"] or "—",
                    "ref": run.reference,
                },
            )
    if given != good:
        raise InvalidInput(
            FIELD,
            _("The cells add up to %(total)s good pieces, not %(good)s.")
            % {"total": given, "good": good},
        )
    return checked


def _check_rejection_cells(rejections: list[Rejection], run: ProductionRun) -> None:
    cells = {_cell_key(cell) for cell in _run_cells(run)}
    for index, line in enumerate(rejections):
        if (line.size or line.color) and (line.size, line.color) not in cells:
            raise InvalidInput(
                f"rejected[{index}]",
                _("%(size)s / %(color)s is not in the matrix of %(ref)s.")
                % {"size": line.size or "—", "color": line.color or "—", "ref": run.reference},
            )


def _delivered_on(value) -> datetime.date:
    if value is None:
        return timezone.localdate()
    if not isinstance(value, datetime.date):
        raise InvalidInput("delivered_on", _("Give a date like 2027-04-03."))
    if value > timezone.localdate():
        raise InvalidInput("delivered_on", _("A delivery cannot be dated in the future."))
    return value


# ---------------------------------------------------------------- totals


def _totals(run_id: str) -> tuple[int, int]:
    good = rejected = 0
    for row_good, row_rejected in Delivery.objects.filter(run_id=run_id).values_list(
        "good", "rejected"
    ):
        good += row_good
        rejected += row_rejected
    return good, rejected


def _cell_totals(run_id: str) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = {}
    for cells in Delivery.objects.filter(run_id=run_id).values_list("size_quantities", flat=True):
        for cell in cells or ():
            key = _cell_key(cell)
            totals[key] = totals.get(key, 0) + int(cell.get("quantity") or 0)
    return totals


def _refuse_cells_beyond_the_order(run: ProductionRun, cells: list[dict]) -> None:
    """A cell may not receive more good pieces than it was ordered (policy: refuse)."""
    if not cells:
        return
    ordered = {_cell_key(cell): int(cell.get("quantity") or 0) for cell in _run_cells(run)}
    delivered = _cell_totals(run.pk)
    for cell in cells:
        key = _cell_key(cell)
        before = delivered.get(key, 0)
        if before + cell["quantity"] > ordered.get(key, 0):
            raise InvalidInput(
                FIELD,
                _(
                    "%(size)s / %(color)s is ordered %(ordered)s and %(delivered)s are "
                    "delivered: at most %(left)s more."
                )
                % {
                    "size": key[0] or "—",
                    "color": key[1] or "—",
                    "ordered": ordered.get(key, 0),
                    "delivered": before,
                    "left": max(0, ordered.get(key, 0) - before),
                },
            )


def _everything_delivered(run: ProductionRun, good: int) -> bool:
    """Every piece ordered has come in good (in every cell, for a run with a matrix)."""
    if good < run.quantity:
        return False
    cells = _run_cells(run)
    if not cells:
        return True
    delivered = _cell_totals(run.pk)
    if not any(delivered.values()):
        return True  # delivered without cells: the total is all there is to go by
    return all(
        delivered.get(_cell_key(cell), 0) >= int(cell.get("quantity") or 0) for cell in cells
    )


# ---------------------------------------------------------------- record a delivery


@dataclass
class DeliveryResult:
    delivery: Delivery
    run: ProductionRun
    completed: bool = False


@transaction.atomic
def delivery_record(
    *,
    run: ProductionRun,
    actor: Actor,
    good,
    rejected: Sequence = (),
    size_quantities: Sequence = (),
    note: str = "",
    shortfall_reason: str = "",
    delivered_on: datetime.date | None = None,
    final: bool = False,
    photos: Sequence = (),
) -> DeliveryResult:
    """Record what the workshop hands over on a run in progress; `final` hands it over.

    Refused (nothing written) when the run is not in progress or not the
    partner's (404), when the input does not add up (422 naming the field), or
    when the pieces go beyond the order and the policy refuses that.
    """
    good = _count(good, "good")
    policy = ProductionPolicy.current()
    lines = clean_rejections(rejected, reasons_of(policy.rejection_reasons))
    rejected_total = sum(line.quantity for line in lines)
    note = _text(note, "note")
    shortfall_reason = _text(shortfall_reason, "shortfall_reason")
    day = _delivered_on(delivered_on)
    if not final and not good and not rejected_total:
        raise InvalidInput("good", _("Give the good or the rejected pieces of this delivery."))
    # The matrix is read from the run as it is now; the state checks come in transition().
    current = ProductionRun.objects.get(pk=run.pk)
    cells = clean_cells(size_quantities, run=current, good=good)
    _check_rejection_cells(lines, current)

    state: dict = {}

    def within_the_order(locked: ProductionRun) -> str | None:
        before_good, before_rejected = _totals(locked.pk)
        total_good = before_good + good
        over = max(0, total_good - max(before_good, locked.quantity))
        if policy.over_delivery == OverDelivery.REFUSE:
            _refuse_cells_beyond_the_order(locked, cells)
        if over and policy.over_delivery == OverDelivery.REFUSE:
            left = max(0, locked.quantity - before_good)
            raise InvalidInput(
                "good",
                _(
                    "%(ref)s is for %(quantity)s pieces and %(delivered)s are delivered: "
                    "at most %(left)s more."
                )
                % {
                    "ref": locked.reference,
                    "quantity": locked.quantity,
                    "delivered": before_good,
                    "left": left,
                },
            )
        if final and total_good < locked.quantity and not shortfall_reason:
            raise InvalidInput(
                "shortfall_reason",
                _("%(good)s of %(quantity)s pieces are delivered good: say why fewer.")
                % {"good": total_good, "quantity": locked.quantity},
            )
        state.update(good=total_good, rejected=before_rejected + rejected_total, over=over)
        return None

    result = transition(
        run,
        "deliver",
        actor=actor,
        note=note,
        guard=within_the_order,
        changes=lambda _locked: {
            "produced_quantity": state["good"],
            "rejected_quantity": state["rejected"],
        },
        details={
            "good": good,
            "rejected": [line.as_dict() for line in lines],
            "size_quantities": cells,
            "final": bool(final),
            "shortfall_reason": shortfall_reason,
        },
        event_extra=lambda _locked: {
            "good": good,
            "rejected": rejected_total,
            "final": bool(final),
            "over_delivered": state["over"],
        },
    )
    locked = result.run
    number = (Delivery.objects.filter(run=locked).aggregate(top=Max("number"))["top"] or 0) + 1
    delivery = Delivery.objects.create(
        run=locked,
        number=number,
        delivered_on=day,
        good=good,
        rejected=rejected_total,
        rejections=[line.as_dict() for line in lines],
        size_quantities=cells,
        shortfall_reason=shortfall_reason,
        note=note,
        final=bool(final),
        over_delivered=state["over"],
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.name,
        recorded_by_kind=actor.kind,
    )
    if result.history is not None:
        result.history.details = {**result.history.details, "delivery_id": delivery.pk}
        result.history.save(update_fields=["details"])
    if photos:
        # The same upload path as any file on the run: checked, stored, previewed.
        created = media_add(run=locked, actor=actor, files=photos)
        MediaFile.objects.filter(pk__in=[media.pk for media in created]).update(delivery=delivery)

    completed = False
    if final:
        completed = _hand_over(locked, actor=actor, delivery=delivery)
    elif policy.complete_when_delivered and _everything_delivered(locked, state["good"]):
        completed = _complete_delivered(locked, delivery=delivery)
    run_now = ProductionRun.objects.get(pk=locked.pk)
    return DeliveryResult(delivery=delivery, run=run_now, completed=completed)


def _hand_over(run: ProductionRun, *, actor: Actor, delivery: Delivery) -> bool:
    """The workshop's end step: the run completes; open checklist items are closed."""
    closing = work.open_checklist_count(run.pk)
    result = transition(
        run,
        "hand_over",
        actor=actor,
        note=delivery.shortfall_reason,
        changes=lambda current: {
            "started_at": current.started_at or timezone.now(),
            "finished_at": current.finished_at or timezone.now(),
        },
        details={"delivery_id": delivery.pk, "closed_on_completion": closing},
    )
    if result.changed:
        work.tasks_close_open(run_id=run.pk, actor=actor, note=_("the run was handed over"))
    return result.changed


def _complete_delivered(run: ProductionRun, *, delivery: Delivery) -> bool:
    closing = work.open_checklist_count(run.pk)
    system = Actor.system()
    result = transition(
        run,
        "complete",
        actor=system,
        note=_("Everything ordered is delivered."),
        details={"delivery_id": delivery.pk, "closed_on_completion": closing},
    )
    if result.changed:
        work.tasks_close_open(run_id=run.pk, actor=system, note=_("everything was delivered"))
    return result.changed


# ---------------------------------------------------------------- correct a delivery


def _delivery_figures(delivery: Delivery) -> dict:
    return {
        "delivered_on": delivery.delivered_on.isoformat(),
        "good": delivery.good,
        "rejected": delivery.rejected,
        "rejections": delivery.rejections,
        "size_quantities": delivery.size_quantities,
        "shortfall_reason": delivery.shortfall_reason,
        "note": delivery.note,
    }


_UNCHANGED = object()


@transaction.atomic
def delivery_correct(
    *,
    delivery: Delivery,
    actor: Actor,
    reason: str,
    good=_UNCHANGED,
    rejected=_UNCHANGED,
    size_quantities=_UNCHANGED,
    shortfall_reason=_UNCHANGED,
    note=_UNCHANGED,
    delivered_on=_UNCHANGED,
) -> Delivery:
    """An admin corrects a recorded delivery, saying why; the run's totals follow.

    The history names who corrected what, and the audit row keeps the figures
    before and after. Only what is given changes.
    """
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput("reason", _("Say why the delivery is corrected."))
    current = Delivery.objects.select_for_update().select_related("run").get(pk=delivery.pk)
    run = current.run
    before = _delivery_figures(current)
    policy = ProductionPolicy.current()
    if good is not _UNCHANGED:
        current.good = _count(good, "good")
    if rejected is not _UNCHANGED:
        lines = clean_rejections(rejected, reasons_of(policy.rejection_reasons))
        _check_rejection_cells(lines, run)
        current.rejections = [line.as_dict() for line in lines]
        current.rejected = sum(line.quantity for line in lines)
    if size_quantities is not _UNCHANGED:
        current.size_quantities = clean_cells(size_quantities, run=run, good=current.good)
    elif good is not _UNCHANGED and current.size_quantities:
        # The cells must still add up to the corrected good pieces.
        clean_cells(current.size_quantities, run=run, good=current.good)
    if shortfall_reason is not _UNCHANGED:
        current.shortfall_reason = _text(shortfall_reason, "shortfall_reason")
    if note is not _UNCHANGED:
        current.note = _text(note, "note")
    if delivered_on is not _UNCHANGED:
        current.delivered_on = _delivered_on(delivered_on)
    after = _delivery_figures(current)
    if after == before:
        return current

    def totals(_locked: ProductionRun) -> dict:
        good_total, rejected_total = _totals(run.pk)
        good_total += current.good - before["good"]
        rejected_total += current.rejected - before["rejected"]
        return {"produced_quantity": good_total, "rejected_quantity": rejected_total}

    changed = sorted(key for key in after if after[key] != before[key])
    transition(
        run,
        "delivery_corrected",
        actor=actor,
        note=reason,
        changes=totals,
        details={"delivery_id": current.pk, "number": current.number, "changed": changed},
        event_extra={"delivery_id": current.pk, "changed": changed},
    )
    current.corrected_at = timezone.now()
    current.corrected_by_id = actor.user_id
    current.corrected_by_name = actor.name
    current.correction_reason = reason
    current.save()
    audit_record(
        actor=actor,
        action="delivery.corrected",
        target_type="delivery",
        target_id=current.pk,
        details={"run_id": run.pk, "reason": reason, "before": before, "after": after},
    )
    return current
