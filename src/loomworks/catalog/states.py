"""Design status changes: one function writes them, with their event."""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.catalog.models import Design, DesignStatus
from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.events.api import EventName, publish
from loomworks.events.models import Event

# Sample runs never pull a design back out of these.
SETTLED = frozenset(
    {
        DesignStatus.APPROVED,
        DesignStatus.COMMERCE_READY,
        DesignStatus.REJECTED,
        DesignStatus.SUPERSEDED,
    }
)


def design_set_status(
    design: Design | str,
    to_status: str,
    *,
    actor: Actor,
    reason: str = "",
    respect_settled: bool = False,
    unless_changed_since: datetime | None = None,
) -> bool:
    """Move a design to `to_status`. Returns whether it moved.

    `respect_settled` is for automatic moves (sample runs): they leave a
    design that is approved, commerce ready, rejected or superseded alone.
    `unless_changed_since` is for moves caused by an event: if the design's
    status changed after that event happened (by hand, or by a newer
    event), the newer decision stands and a late or repeated delivery
    leaves the design alone.
    """
    if to_status not in DesignStatus.values:
        raise InvalidInput(
            "status", _("Unknown design status: %(status)s.") % {"status": to_status}
        )
    design_id = design if isinstance(design, str) else design.pk
    with transaction.atomic():
        current = Design.objects.select_for_update().get(pk=design_id)
        if current.status == to_status or (respect_settled and current.status in SETTLED):
            return False
        if (
            unless_changed_since is not None
            and Event.objects.filter(
                name=EventName.DESIGN_STATUS_CHANGED,
                aggregate_type="design",
                aggregate_id=design_id,
                occurred_at__gt=unless_changed_since,
            ).exists()
        ):
            return False
        Design.objects.filter(pk=design_id, status=current.status).update(status=to_status)
        if not isinstance(design, str):
            design.status = to_status
        publish(
            EventName.DESIGN_STATUS_CHANGED,
            {
                "design_id": design_id,
                "name": current.name,
                "from_status": current.status,
                "to_status": to_status,
                "reason": reason,
                "actor": actor.as_payload(),
            },
            aggregate_type="design",
            aggregate_id=design_id,
        )
    return True
