"""Material a partner logs on a run in progress, and corrects while the run is in progress.

Use is logged in the material's own unit only: a fabric kept in metres is
never logged in kilograms, so what is logged adds up to a figure per unit
that means something (and sits beside the plan in the same unit).
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.catalog.models import Material
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import (
    InvalidInput,
    NotFound,
    TransitionNotAllowed,
)
from loomworks.core.limits import AMOUNT_STEP, MAX_AMOUNT
from loomworks.production.models import (
    ConsumptionLog,
    ConsumptionType,
    ProductionRun,
    RunStatus,
)
from loomworks.production.states import (
    record_progress,
    status_label,
)


def _amount(quantity) -> Decimal:
    try:
        amount = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise InvalidInput("quantity", _("The quantity must be a number.")) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("quantity", _("The quantity must be above zero."))
    if amount >= MAX_AMOUNT or amount != amount.quantize(AMOUNT_STEP):
        raise InvalidInput("quantity", _("Give the quantity with at most three decimals."))
    return amount


def _unit(unit: str | None, material: Material) -> str:
    """The material's unit; another one is refused, naming the one to use."""
    given = (unit or "").strip()
    if given and given.casefold() != material.unit.casefold():
        raise InvalidInput(
            "unit",
            _("%(material)s is logged in %(unit)s; give the quantity in %(unit)s.")
            % {"material": material.name, "unit": material.unit},
        )
    return material.unit


def _in_progress(run: ProductionRun, what: str) -> ProductionRun:
    current = ProductionRun.objects.select_for_update().get(pk=run.pk)
    if current.status != RunStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            what % {"ref": current.reference, "status": status_label(current.status)},
            status=current.status,
            action="log_consumption",
        )
    return current


@transaction.atomic
def consumption_log_add(
    *,
    run: ProductionRun,
    actor: Actor,
    material: Material,
    quantity,
    unit: str | None = None,
    consumption_type: str | None = None,
    notes: str = "",
) -> ConsumptionLog:
    amount = _amount(quantity)
    unit = _unit(unit, material)
    if consumption_type is not None and consumption_type not in ConsumptionType.values:
        raise InvalidInput("consumption_type", _("The type must be sample, production or wastage."))
    current = _in_progress(
        run, _("Material can be logged only while %(ref)s is in progress; it is %(status)s.")
    )
    record_progress(current.pk)
    log = ConsumptionLog.objects.create(
        run=current,
        material=material,
        quantity=amount,
        unit=unit,
        consumption_type=consumption_type or current.run_type,
        notes=notes or "",
        logged_by_id=actor.user_id,
        logged_by_name=actor.name,
    )
    audit_record(
        actor=actor,
        action="consumption.logged",
        target_type="consumption_log",
        target_id=log.pk,
        details={
            "run_id": current.pk,
            "material_id": material.pk,
            "quantity": str(log.quantity),
            "unit": log.unit,
            "consumption_type": log.consumption_type,
        },
    )
    return log


_UNCHANGED = object()


@transaction.atomic
def consumption_log_correct(
    *,
    log: ConsumptionLog,
    actor: Actor,
    quantity=_UNCHANGED,
    consumption_type=_UNCHANGED,
    notes=_UNCHANGED,
) -> ConsumptionLog:
    """Correct a logged use while its run is in progress: a workshop its own entries
    (logged by its members), an admin any. Audited with the figures before and after."""
    current = ConsumptionLog.objects.select_for_update().select_related("material").get(pk=log.pk)
    if actor.is_partner:
        own = (
            current.run.partner_id == actor.partner_id
            and current.logged_by is not None
            and getattr(getattr(current.logged_by, "membership", None), "partner_id", None)
            == actor.partner_id
        )
        if not own:
            raise NotFound(_("No material entry with id %(id)s.") % {"id": log.pk})
    before = {
        "quantity": str(current.quantity),
        "consumption_type": current.consumption_type,
        "notes": current.notes,
    }
    if quantity is not _UNCHANGED:
        current.quantity = _amount(quantity)
    if consumption_type is not _UNCHANGED:
        if consumption_type not in ConsumptionType.values:
            raise InvalidInput(
                "consumption_type", _("The type must be sample, production or wastage.")
            )
        current.consumption_type = consumption_type
    if notes is not _UNCHANGED:
        current.notes = (notes or "").strip()
    after = {
        "quantity": str(current.quantity),
        "consumption_type": current.consumption_type,
        "notes": current.notes,
    }
    if after == before:
        return current
    _in_progress(
        current.run,
        _("Material can be corrected only while %(ref)s is in progress; it is %(status)s."),
    )
    current.corrected_at = timezone.now()
    current.save(update_fields=["quantity", "consumption_type", "notes", "corrected_at"])
    audit_record(
        actor=actor,
        action="consumption.corrected",
        target_type="consumption_log",
        target_id=current.pk,
        details={"run_id": current.run_id, "before": before, "after": after},
    )
    return current
