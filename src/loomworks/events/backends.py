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
        from loomworks.events.tasks import deliver

        for delivery_id in delivery_ids:
            try:
                deliver.delay(delivery_id)
            except Exception:  # the sweep re-sends it; the change itself is committed
                log.exception(
                    "Could not hand delivery %s to Celery; the sweep will retry", delivery_id
                )
    else:
        dispatcher.wake()
