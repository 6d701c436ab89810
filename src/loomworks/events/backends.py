"""Who is told about new deliveries after commit: the dispatcher thread, or Celery.

`EventsConfig.ready()` installs `notify` into the bus, so the bus never
imports the workers that import it (the dispatcher and the Celery tasks).
"""

import logging

from django.conf import settings

from loomworks.events import dispatcher

log = logging.getLogger("loomworks.events")


def notify(delivery_ids: list[int]) -> None:
    if settings.EVENTS_BACKEND == "celery":
        # Imported here: a web process on the inline backend never loads Celery.
        from loomworks.events.tasks import deliver, deliver_many

        # One message per committed transaction, whatever its number of deliveries.
        try:
            if len(delivery_ids) == 1:
                deliver.delay(delivery_ids[0])
            else:
                deliver_many.delay(delivery_ids)
        except Exception:  # the sweep re-sends them; the change itself is committed
            log.exception(
                "Could not hand deliveries %s to Celery; the sweep will retry", delivery_ids
            )
    else:
        dispatcher.wake()
