"""Material a partner logs on a run in progress."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.catalog.models import Material
from loomworks.core.actors import Actor
from loomworks.core.errors import (
    InvalidInput,
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
    try:
        amount = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise InvalidInput("quantity", _("The quantity must be a number.")) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("quantity", _("The quantity must be above zero."))
    if amount >= MAX_AMOUNT or amount != amount.quantize(AMOUNT_STEP):
        raise InvalidInput("quantity", _("Give the quantity with at most three decimals."))
    if consumption_type is not None and consumption_type not in ConsumptionType.values:
        raise InvalidInput("consumption_type", _("The type must be sample, production or wastage."))
    current = ProductionRun.objects.select_for_update().get(pk=run.pk)
    if current.status != RunStatus.IN_PROGRESS:
        raise TransitionNotAllowed(
            _("Material can be logged only while %(ref)s is in progress; it is %(status)s.")
            % {"ref": current.reference, "status": status_label(current.status)},
            status=current.status,
            action="log_consumption",
        )
    record_progress(current.pk)
    return ConsumptionLog.objects.create(
        run=current,
        material=material,
        quantity=amount,
        unit=(unit or "").strip() or material.unit,
        consumption_type=consumption_type or current.run_type,
        notes=notes or "",
        logged_by_id=actor.user_id,
        logged_by_name=actor.name,
    )
