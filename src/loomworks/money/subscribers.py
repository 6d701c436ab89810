"""Money follows runs: a price proposed when a run is sent, fixed when it is accepted,
earned when it completes. Each handler decides from the database as it is, so a
second delivery of the same event changes nothing (the earned entry's key is unique).
"""

from loomworks.core.actors import Actor
from loomworks.events.api import EventName, subscriber
from loomworks.events.models import Event
from loomworks.money import services
from loomworks.production.models import ProductionRun


@subscriber(EventName.RUN_SENT_TO_PARTNER, EventName.RUN_PARTNER_REASSIGNED)
def propose_the_partners_price(event: Event) -> None:
    run = ProductionRun.objects.filter(pk=event.payload.get("run_id")).first()
    if run is not None and run.partner_id:
        services.price_propose(run=run, actor=Actor.system())


@subscriber(EventName.RUN_ACCEPTED)
def fix_the_price_on_acceptance(event: Event) -> None:
    services.price_fix(run_id=event.payload.get("run_id"))


@subscriber(EventName.RUN_COMPLETED)
def earn_on_completion(event: Event) -> None:
    services.earn_for_run(run_id=event.payload.get("run_id"))


@subscriber(EventName.RUN_DELIVERY_CORRECTED)
def earn_again_when_a_completed_runs_delivery_is_corrected(event: Event) -> None:
    services.earn_again_after_correction(run_id=event.payload.get("run_id"), event_id=event.pk)
