"""The next step makes what the step before delivered, not what was planned.

When every run a dependent step waits for has completed with its output
recorded, the good pieces they delivered are what the next step can work on.
If that differs from what was planned, the dependent runs sharing those pieces
get their share (in proportion to their planned quantities, largest remainders
first) and, per the production policy, either follow it at once or wait with
a proposed quantity for an admin to confirm before they are dispatched. A step
whose runs recorded no output (completed by ticking their tasks) keeps its
planned quantity: there is nothing to go by.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import DomainError, InvalidInput
from loomworks.production.models import (
    NextStepQuantity,
    ProductionPolicy,
    ProductionRun,
    RunDependency,
    RunStatus,
)
from loomworks.production.services.checks import positive_quantity
from loomworks.production.services.dispatch import run_dispatch
from loomworks.production.states import transition


def share(available: int, planned: dict[str, int]) -> dict[str, int]:
    """`available` pieces split over runs in proportion to their `planned` quantities.

    Largest remainders first, ties by the order given, so every run computes
    the same split on its own.
    """
    total = sum(planned.values())
    if total <= 0:
        return dict.fromkeys(planned, 0)
    floors = {key: available * quantity // total for key, quantity in planned.items()}
    left = available - sum(floors.values())
    order = sorted(
        planned, key=lambda key: -((available * planned[key]) % total)
    )  # stable: ties keep the given order
    for key in order[:left]:
        floors[key] += 1
    return floors


def delivered_shares(run: ProductionRun) -> dict[str, int]:
    """What `run`, and every run sharing the same step before it, should make from what
    that step delivered; empty when it recorded no output or delivered the plan."""
    waits_for = list(run.depends_on.all().order_by("number"))
    if not waits_for or any(other.produced_quantity is None for other in waits_for):
        return {}
    available = sum(other.produced_quantity for other in waits_for)
    # The runs that wait for exactly these runs share their pieces (a split next step).
    wanted = {other.pk for other in waits_for}
    edges: dict[str, set[str]] = {}
    for source, target in RunDependency.objects.filter(depends_on_id__in=wanted).values_list(
        "run_id", "depends_on_id"
    ):
        edges.setdefault(source, set()).add(target)
    sharers = (
        ProductionRun.objects.filter(
            pk__in=[pk for pk, targets in edges.items() if targets == wanted]
        )
        .exclude(status=RunStatus.CANCELLED)
        .order_by("number")
    )
    planned = {other.pk: other.quantity for other in sharers}
    planned.setdefault(run.pk, run.quantity)
    if available == sum(planned.values()):
        return {}
    return share(available, planned)


def _apply(current: ProductionRun, proposal: int, *, follow: bool) -> bool:
    """Follow or propose `proposal` for one run; True when it now waits for an admin."""
    if current.status != RunStatus.APPROVED:
        return False
    if current.proposed_quantity is not None:
        return True
    if proposal == current.quantity:
        return False
    values = {"ref": current.reference, "planned": current.quantity, "proposed": proposal}
    if follow and proposal > 0:
        transition(
            current,
            "quantity_followed",
            actor=Actor.system(),
            note=_("The step before delivered %(proposed)s pieces for %(ref)s, not %(planned)s.")
            % values,
            changes={"quantity": proposal},
            details={"from": current.quantity, "to": proposal},
        )
        return False
    transition(
        current,
        "quantity_proposed",
        actor=Actor.system(),
        note=_(
            "The step before delivered %(proposed)s pieces for %(ref)s, not %(planned)s; "
            "confirm the quantity before it is sent."
        )
        % values,
        changes={"proposed_quantity": proposal},
        details={"planned": current.quantity, "proposed": proposal},
        event_extra={"planned_quantity": current.quantity, "proposed_quantity": proposal},
    )
    return True


@transaction.atomic
def follow_delivered_quantity(run: ProductionRun) -> bool:
    """Bring a dependent run's quantity, and its co-dependents', in line with what was
    delivered before them, all at once (so each gets its share of the same split).

    True when `run`'s dispatch must wait for an admin to confirm a proposed quantity.
    """
    current = ProductionRun.objects.get(pk=run.pk)
    if current.status != RunStatus.APPROVED:
        return False
    if current.proposed_quantity is not None:
        return True  # still waiting for an admin
    shares = delivered_shares(current)
    if not shares:
        return False
    follow = ProductionPolicy.current().next_step_quantity == NextStepQuantity.FOLLOW
    waits = False
    # Every sharer locked in number order, whichever of them is released first; each is
    # re-read under its lock, so a second release finds nothing left to do.
    for other in ProductionRun.objects.select_for_update().filter(pk__in=shares).order_by("number"):
        waiting = _apply(other, shares[other.pk], follow=follow)
        if other.pk == current.pk:
            waits = waiting
    return waits


@transaction.atomic
def run_quantity_confirm(
    *, run: ProductionRun, actor: Actor, quantity: int | None = None, note: str = ""
) -> ProductionRun:
    """An admin settles a dependent run's quantity (the proposal, or another) so it can go.

    Dispatched at once when templates were chosen at approval and nothing else
    holds it back; otherwise it is ready for an admin to send.
    """
    current = ProductionRun.objects.select_for_update().get(pk=run.pk)
    if quantity is None:
        quantity = current.proposed_quantity
    if quantity is None:
        raise InvalidInput("quantity", _("Give the quantity this run should make."))
    positive_quantity(quantity, "quantity")
    result = transition(
        current,
        "quantity_confirmed",
        actor=actor,
        note=note,
        changes={"quantity": quantity, "proposed_quantity": None},
        details={"from": current.quantity, "to": quantity, "proposed": current.proposed_quantity},
    )
    confirmed = result.run
    waiting = confirmed.depends_on.exclude(status=RunStatus.COMPLETED).exists()
    if confirmed.planned_template_ids and not waiting:
        try:
            with transaction.atomic():
                run_dispatch(
                    run=confirmed, template_ids=confirmed.planned_template_ids, actor=actor
                )
        except DomainError:
            pass  # it stays approved: the run page says why it cannot be sent
    return ProductionRun.objects.get(pk=confirmed.pk)
