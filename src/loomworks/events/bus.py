"""Publishing events and working their deliveries.

`publish()` writes the event and one delivery per subscriber inside the
caller's transaction. After commit, the configured backend is told about the
new deliveries through the notifier that `EventsConfig.ready()` installs
(`backends.notify`): the in-process dispatcher thread wakes up, or Celery
receives one message per committed transaction with all its deliveries. The
bus itself imports neither, so the workers can import the bus. Either way
`run_delivery()` does the work:

1. claim the delivery with a lease (a compare-and-set UPDATE, so two workers
   never run it at once, on SQLite and PostgreSQL alike);
2. in one transaction, read it, mark it done and run the handler, so its
   effects and the done flag commit together (a crash in between leaves neither); a
   handler registered with `atomic=False` (it waits on a mail server) runs
   outside any transaction instead and the delivery is marked done after it
   returned, so a crash in between runs it again;
3. on failure, schedule a retry with back-off, or after the last attempt mark
   it dead and publish `outbox.delivery_dead` so admins see it.
"""

import logging
import os
import random
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from loomworks.events import registry
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.events.names import EventName, check

log = logging.getLogger("loomworks.events")

DELIVERY_DEAD = EventName.OUTBOX_DELIVERY_DEAD

Notifier = Callable[[list[int]], None]
_notifier: Notifier | None = None


def set_notifier(notifier: Notifier | None) -> None:
    """Who hears of new deliveries after commit (the configured backend); set at start-up."""
    global _notifier
    _notifier = notifier


def publish(name: str, payload: dict, *, aggregate_type: str = "", aggregate_id: str = "") -> Event:
    """Record `name` with `payload` in the outbox. Must run inside `transaction.atomic()`.

    `name` must be an `EventName` (or declared by a test): an unknown name is a
    ValueError, not an event nobody will ever hear.
    """
    name = check(name)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must be called inside transaction.atomic().")
    event = Event.objects.create(
        name=name, payload=payload, aggregate_type=aggregate_type, aggregate_id=aggregate_id
    )
    listeners = [entry for entry in registry.subscribers_for(name) if entry.wants(name, payload)]
    if listeners:
        deliveries = Delivery.objects.bulk_create(
            [Delivery(event=event, subscriber=listener.name) for listener in listeners]
        )
        _notify_after_commit([delivery.pk for delivery in deliveries])
    return event


def publish_many(
    events: list[tuple[str, dict]],
    *,
    aggregate_type: str = "",
    aggregate_ids: list[str] | None = None,
) -> list[Event]:
    """Record several events in two statements, whatever their number.

    For a scheduler that fires a batch of reminders at once: the same rows as
    `publish()` once per event (the event, one delivery per subscriber), so a
    batch costs a constant number of queries. Must run inside
    `transaction.atomic()`. Names are checked and subscribers' `when`
    conditions asked exactly as `publish()` does.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish_many() must be called inside transaction.atomic().")
    if not events:
        return []
    checked = [(check(name), payload) for name, payload in events]
    ids = aggregate_ids or [""] * len(checked)
    rows = Event.objects.bulk_create(
        [
            Event(name=name, payload=payload, aggregate_type=aggregate_type, aggregate_id=ref)
            for (name, payload), ref in zip(checked, ids, strict=True)
        ]
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(event=event, subscriber=listener.name)
            for event in rows
            for listener in registry.subscribers_for(event.name)
            if listener.wants(event.name, event.payload)
        ]
    )
    if deliveries:
        _notify_after_commit([delivery.pk for delivery in deliveries])
    return rows


_PENDING = "loomworks_new_delivery_ids"


def _notify_after_commit(delivery_ids: list[int]) -> None:
    """Gather the transaction's new deliveries; the backend hears of them once, after commit.

    Each publish registers a callback (so a savepoint rolled back with its own
    callback loses none of the others); the first to run hands on everything
    gathered on this connection and the rest find nothing left: one Celery
    message per transaction. Ids of deliveries rolled back with a savepoint
    or a transaction may travel in a later message: their claim finds no row
    and they are skipped.
    """
    connection = transaction.get_connection()
    connection.__dict__.setdefault(_PENDING, []).extend(delivery_ids)
    transaction.on_commit(lambda: _hand_on_pending(connection))


def _hand_on_pending(connection) -> None:
    delivery_ids = connection.__dict__.pop(_PENDING, None)
    if delivery_ids:
        _backend_notify(delivery_ids)


def _backend_notify(delivery_ids: list[int]) -> None:
    # Without a notifier (a script that never started Django's apps) the
    # deliveries wait for a sweep or `drain()`; nothing is lost.
    if _notifier is not None:
        _notifier(delivery_ids)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _due(now: datetime, lease_now: datetime | None = None) -> Q:
    """Pending, due by `now`, and not leased at `lease_now` (default: `now`).

    drain(ignore_backoff=True) moves `now` forward to run retries early but
    keeps `lease_now` at the real time, so another worker's live lease is
    never taken.
    """
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=lease_now or now)
    )


def backoff_seconds(attempts: int) -> float:
    base = settings.EVENTS_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return min(base, 3600) * random.uniform(0.8, 1.2)


def run_delivery(
    delivery_id: int, *, now: datetime | None = None, lease_now: datetime | None = None
) -> str:
    """Work one delivery. Returns "done", "failed", "dead" or "skipped"."""
    now = now or timezone.now()
    owner = _worker_name()
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(_due(now, lease_now))
        .update(
            lease_owner=owner,
            lease_until=timezone.now() + timedelta(seconds=settings.EVENTS_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "skipped"
    delivery: Delivery | None = None
    listener: registry.Subscriber | None = None
    try:
        with transaction.atomic():
            # Read inside the handler's transaction: a delivery costs two
            # transactions (the claim, then this one), not a third for the read.
            delivery = Delivery.objects.select_related("event").get(pk=delivery_id)
            listener = registry.get(delivery.subscriber)
            if listener is None:
                raise LookupError(f"No subscriber named {delivery.subscriber!r} is registered.")
            if listener.atomic:
                # Marking done first takes the row lock for the whole handler:
                # another worker whose lease began later waits, then sees "done".
                if not _mark_done(delivery_id, owner):
                    return "skipped"
                listener.handler(delivery.event)
                return "done"
        # Under the lease alone: the handler opens its own short
        # transactions and holds none while it waits on the outside world.
        listener.handler(delivery.event)
        if not _mark_done(delivery_id, owner):
            return "skipped"
    except Exception as exc:
        if delivery is None:
            raise
        return _record_failure(delivery, owner, exc, listener)
    return "done"


def _mark_done(delivery_id: int, owner: str) -> bool:
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state=DeliveryState.PENDING, lease_owner=owner
        ).update(state=DeliveryState.DONE, finished_at=timezone.now(), lease_until=None)
    )


def _record_failure(
    delivery: Delivery, owner: str, exc: Exception, listener: registry.Subscriber | None = None
) -> str:
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    log.warning(
        "Delivery %s of %s to %s failed (attempt %s): %s",
        delivery.pk,
        delivery.event.name,
        delivery.subscriber,
        delivery.attempts,
        error,
        exc_info=exc,
    )
    with transaction.atomic():
        current = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if (
            current is None
            or current.state != DeliveryState.PENDING
            or current.lease_owner != owner
        ):
            return "skipped"
        allowed = (
            listener.attempts_allowed(settings.EVENTS_MAX_ATTEMPTS)
            if listener
            else settings.EVENTS_MAX_ATTEMPTS
        )
        if current.attempts >= allowed or isinstance(exc, LookupError):
            Delivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.DEAD,
                finished_at=timezone.now(),
                lease_until=None,
                last_error=error[:4000],
            )
            if delivery.event.name != DELIVERY_DEAD:
                publish(
                    DELIVERY_DEAD,
                    {
                        "delivery_id": delivery.pk,
                        "event_id": delivery.event_id,
                        "event_name": delivery.event.name,
                        "event_payload": delivery.event.payload,
                        "subscriber": delivery.subscriber,
                        "attempts": current.attempts,
                        "error": error[:1000],
                    },
                    aggregate_type=delivery.event.aggregate_type,
                    aggregate_id=delivery.event.aggregate_id,
                )
            return "dead"
        Delivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(current.attempts)),
            lease_until=None,
            last_error=error[:4000],
        )
    return "failed"


def due_delivery_ids(
    *, now: datetime | None = None, lease_now: datetime | None = None, limit: int = 200
) -> list[int]:
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(_due(now, lease_now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def drain(*, max_rounds: int = 200, ignore_backoff: bool = False) -> int:
    """Run every due delivery, and those they cause, until none is left.

    For tests and one-off commands: it uses the same path as the dispatchers.
    With `ignore_backoff`, deliveries waiting for a retry are run now too.
    Returns the number of deliveries worked.
    """
    worked = 0
    for _ in range(max_rounds):
        real_now = timezone.now()
        now = real_now + (timedelta(days=3650) if ignore_backoff else timedelta(0))
        ids = due_delivery_ids(now=now, lease_now=real_now, limit=500)
        if not ids:
            break
        for delivery_id in ids:
            if run_delivery(delivery_id, now=now, lease_now=real_now) != "skipped":
                worked += 1
    return worked
