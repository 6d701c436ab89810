"""Rejected pieces made again: a rework run, linked both ways to the run they came from.

An admin turns some of a run's rejected pieces into a new run of the same
design (its snapshot too), for the same workshop or another. The new run
carries its own tasks and output like any run; its `rework_of` names the
original, whose history records the rework with a link to it. A run's
rejected pieces can be reworked once: pieces already in a rework run that was
not cancelled are not offered again.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_TEXT
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.production.outputs import rejected_left_to_rework
from loomworks.production.services.checks import active_partner, positive_quantity
from loomworks.production.states import record_creation, transition


@transaction.atomic
def run_rework(
    *,
    run: ProductionRun,
    actor: Actor,
    quantity: int,
    partner: Partner | None = None,
    note: str = "",
) -> ProductionRun:
    """A new run remaking `quantity` rejected pieces of `run`, approved and ready to send."""
    positive_quantity(quantity, "quantity")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise InvalidInput("note", _("Write at most %(max)s characters here.") % {"max": MAX_TEXT})
    original = ProductionRun.objects.select_for_update().get(pk=run.pk)
    partner = partner or original.partner
    if partner is None:
        raise InvalidInput("partner_id", _("Choose the partner who remakes the pieces."))
    active_partner(partner)

    left = rejected_left_to_rework(original)  # under the original's lock
    if quantity > left:
        raise InvalidInput(
            "quantity",
            _("%(ref)s has %(left)s rejected pieces left to rework, not %(quantity)s.")
            % {"ref": original.reference, "left": left, "quantity": quantity},
        )
    rework = ProductionRun(
        design_id=original.design_id,
        run_type=original.run_type,
        quantity=quantity,
        partner=partner,
        role=original.role,
        snapshot=original.snapshot,
        due_date=None,
        notes=note,
        order_id=original.order_id,
        product_id=original.product_id,
        variant_id=original.variant_id,
        rework_of=original,
    )
    record_creation(
        rework,
        actor=actor,
        status=RunStatus.APPROVED,
        note=_("Rework of %(ref)s") % {"ref": original.reference},
    )
    transition(
        original,
        "rework",
        actor=actor,
        note=note,
        related_run=rework,
        details={"rework_run_id": rework.pk, "quantity": quantity, "partner_id": partner.pk},
        event_extra={"rework_run_id": rework.pk, "quantity": quantity},
    )
    return rework
