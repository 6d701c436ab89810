"""Celery tasks: deliver one outbox delivery; sweep for ones that need sending again."""

from celery import shared_task
from django.conf import settings

from loomworks.events import bus


@shared_task(name="loomworks.events.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: int) -> str:
    return bus.run_delivery(delivery_id)


@shared_task(name="loomworks.events.sweep")
def sweep() -> int:
    """Re-send deliveries that are due: new ones whose message was lost, retries, expired leases."""
    ids = bus.due_delivery_ids(limit=1000)
    for delivery_id in ids:
        deliver.delay(delivery_id)
    return len(ids)


def beat_schedule() -> dict:
    return {
        "loomworks-sweep": {
            "task": "loomworks.events.sweep",
            "schedule": settings.CELERY_BEAT_SWEEP_SECONDS,
        }
    }
