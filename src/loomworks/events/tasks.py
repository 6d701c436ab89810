"""Celery tasks: deliver outbox deliveries; sweep for deliveries that need sending again.

A committed transaction's deliveries travel in one message (`deliver_many`);
the sweep re-sends one delivery a message (`deliver`). Both are acknowledged
late and rejected (so re-queued) when their worker process dies, and
`run_delivery` claims a lease before running the handler, so a message that
arrives twice, or while another worker holds the lease, is a quiet "skipped".

Messages can still go missing for good: the web process could not reach the
broker when it committed, the broker lost its data, or the whole worker was
killed with the message unacknowledged (Redis would give it back only after
the visibility timeout, an hour). The sweep, run every `EVENTS_SWEEP_SECONDS`
by the beat inside `loomworks worker`, re-sends:

- deliveries waiting for a retry whose back-off has passed, and deliveries
  whose lease ran out (their worker died or hung): nothing else sends them;
- new deliveries still pending `EVENTS_SWEEP_GRACE_SECONDS` after they were
  due, but only while the queue is empty: with messages still waiting, a slow
  delivery is most likely one of them, and re-sending it would only add work.

Sending a delivery twice is harmless (the lease and the done flag make the
second a no-op); the sweep only keeps duplicates rare.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from loomworks.celery import app
from loomworks.events import bus
from loomworks.events.models import Delivery

log = logging.getLogger("loomworks.events")


@app.task(name="loomworks.events.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int) -> str:
    return bus.run_delivery(delivery_id)


@app.task(name="loomworks.events.deliver_many", acks_late=True, reject_on_worker_lost=True)
def deliver_many(delivery_ids: list[int]) -> list[str]:
    """The deliveries one transaction made, in one message, worked one after another.

    One broker round trip and one task start for all of them instead of one
    each. A message runs for at most a quarter of the lease
    (`EVENTS_LEASE_SECONDS`, which is also the task's time limit): what is
    left after that is sent on as a new message, which any worker may take.
    One delivery going wrong does not keep the others waiting for the sweep.
    """
    budget = settings.EVENTS_LEASE_SECONDS / 4
    started = time.monotonic()
    outcomes = []
    for index, delivery_id in enumerate(delivery_ids):
        if index and time.monotonic() - started > budget:
            deliver_many.delay(delivery_ids[index:])
            break
        try:
            outcomes.append(bus.run_delivery(delivery_id))
        except Exception:
            log.exception("Delivery %s could not be worked; the sweep will retry", delivery_id)
            outcomes.append("error")
    return outcomes


@app.task(name="loomworks.events.sweep")
def sweep() -> int:
    return resend_due_deliveries()


def queue_is_empty() -> bool:
    """True when no message waits in the deliveries' queue; when in doubt, False."""
    try:
        with app.connection_for_read() as connection:
            try:
                declared = connection.default_channel.queue_declare(
                    queue=app.conf.task_default_queue, passive=True
                )
            except connection.channel_errors:
                return True  # NOT_FOUND: Redis drops an empty list, AMQP never saw the queue
            return declared.message_count == 0
    except Exception:
        log.warning("Could not read the length of the deliveries' queue", exc_info=True)
        return False


def deliveries_to_resend(
    *, now: datetime | None = None, include_new: bool = True, limit: int = 1000
) -> list[int]:
    """Ids of due deliveries the sweep should send again, oldest first."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.EVENTS_SWEEP_GRACE_SECONDS)
    attempted = Q(attempts__gt=0)
    if include_new:
        attempted |= Q(next_attempt_at__lte=now - grace)
    return list(
        Delivery.objects.filter(bus._due(now))
        .filter(attempted)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def resend_due_deliveries(*, now: datetime | None = None) -> int:
    ids = deliveries_to_resend(now=now, include_new=queue_is_empty())
    for delivery_id in ids:
        deliver.delay(delivery_id)
    if ids:
        log.info("Sweep re-sent %s deliveries", len(ids))
    return len(ids)
