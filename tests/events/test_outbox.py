"""The outbox: at-least-once delivery, retries with back-off, dead letters, isolation."""

from collections import Counter as Tally
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from loomworks.core.models import Counter
from loomworks.events import bus
from loomworks.events.api import DELIVERY_DEAD, drain, publish, run_delivery, subscriber
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.events.names import declare

pytestmark = pytest.mark.django_db

CALLS: Tally = Tally()

# Events of this module only: the registry refuses names it was not told of.
declare("test.outbox.ok", "test.outbox.mixed", "test.outbox.broken", "test.outbox.flaky")


def _mark(prefix: str, event) -> None:
    """A durable effect of a handler: a row that exists only if its transaction committed."""
    Counter.objects.create(name=f"{prefix}-{event.pk}"[:40])


def _marked(prefix: str, event) -> bool:
    return Counter.objects.filter(name=f"{prefix}-{event.pk}"[:40]).exists()


@subscriber("test.outbox.ok", "test.outbox.mixed", name="tests.outbox.ok")
def _ok(event):
    CALLS["ok", event.pk] += 1
    _mark("ok", event)


@subscriber("test.outbox.broken", "test.outbox.mixed", name="tests.outbox.broken")
def _broken(event):
    CALLS["broken", event.pk] += 1
    _mark("broken", event)  # written, then undone with the failure
    raise RuntimeError("the printer is on fire")


@subscriber("test.outbox.flaky", name="tests.outbox.flaky")
def _flaky(event):
    CALLS["flaky", event.pk] += 1
    if CALLS["flaky", event.pk] <= event.payload["failures"]:
        raise ConnectionError("the mill's server is down")
    _mark("flaky", event)


def _publish(name, **payload) -> Event:
    with transaction.atomic():
        return publish(name, payload, aggregate_type="test", aggregate_id="t1")


def _delivery(event, subscriber_name) -> Delivery:
    return Delivery.objects.get(event=event, subscriber=subscriber_name)


def test_publish_writes_the_event_and_one_delivery_per_subscriber():
    event = _publish("test.outbox.mixed")
    assert set(Delivery.objects.filter(event=event).values_list("subscriber", flat=True)) == {
        "tests.outbox.ok",
        "tests.outbox.broken",
    }
    assert set(Delivery.objects.filter(event=event).values_list("state", flat=True)) == {"pending"}


def test_an_event_published_in_a_rolled_back_transaction_never_existed():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish("test.outbox.ok", {})
        1 / 0  # noqa: B018
    assert not Event.objects.filter(name="test.outbox.ok").exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        publish("test.outbox.ok", {})


def test_a_delivery_runs_its_handler_and_is_done():
    event = _publish("test.outbox.ok")
    delivery = _delivery(event, "tests.outbox.ok")
    assert run_delivery(delivery.pk) == "done"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DONE
    assert delivery.attempts == 1
    assert delivery.finished_at is not None
    assert _marked("ok", event)
    assert run_delivery(delivery.pk) == "skipped"  # done is done
    assert CALLS["ok", event.pk] == 1


@override_settings(EVENTS_RETRY_BASE_SECONDS=60, EVENTS_MAX_ATTEMPTS=5)
def test_a_failing_handler_is_retried_with_growing_back_off():
    event = _publish("test.outbox.broken")
    delivery = _delivery(event, "tests.outbox.broken")
    waits = []
    now = timezone.now()
    for attempt in (1, 2, 3):
        assert run_delivery(delivery.pk, now=now) == "failed"
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.PENDING
        assert delivery.attempts == attempt
        assert "the printer is on fire" in delivery.last_error
        assert delivery.lease_until is None
        waits.append((delivery.next_attempt_at - timezone.now()).total_seconds())
        # Not due yet: nobody runs it before its time.
        assert run_delivery(delivery.pk, now=timezone.now()) == "skipped"
        assert bus.due_delivery_ids(now=timezone.now()) == []
        now = delivery.next_attempt_at + timedelta(seconds=1)
    assert 60 * 0.8 - 1 <= waits[0] <= 60 * 1.2
    assert waits[0] < waits[1] < waits[2]
    assert 240 * 0.8 - 1 <= waits[2] <= 240 * 1.2
    assert not _marked("broken", event)  # its effect rolled back every time


@override_settings(EVENTS_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_a_delivery_is_dead_and_admins_are_told():
    event = _publish("test.outbox.broken")
    delivery = _delivery(event, "tests.outbox.broken")
    drain(ignore_backoff=True)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DEAD
    assert delivery.attempts == 3
    assert CALLS["broken", event.pk] == 3
    assert delivery.finished_at is not None
    dead = Event.objects.get(name=DELIVERY_DEAD)
    assert dead.payload["delivery_id"] == delivery.pk
    assert dead.payload["event_id"] == event.pk
    assert dead.payload["event_name"] == "test.outbox.broken"
    assert dead.payload["subscriber"] == "tests.outbox.broken"
    assert dead.payload["attempts"] == 3
    assert "the printer is on fire" in dead.payload["error"]
    assert (dead.aggregate_type, dead.aggregate_id) == ("test", "t1")
    # A dead delivery is never picked up again.
    drain(ignore_backoff=True)
    assert CALLS["broken", event.pk] == 3
    assert Event.objects.filter(name=DELIVERY_DEAD).count() == 1


@override_settings(EVENTS_MAX_ATTEMPTS=4)
def test_a_handler_that_fails_for_a_while_succeeds_once():
    event = _publish("test.outbox.flaky", failures=2)
    drain(ignore_backoff=True)
    delivery = _delivery(event, "tests.outbox.flaky")
    assert delivery.state == DeliveryState.DONE
    assert delivery.attempts == 3
    assert CALLS["flaky", event.pk] == 3
    assert Counter.objects.filter(name__startswith="flaky-").count() == 1
    assert not Event.objects.filter(name=DELIVERY_DEAD).exists()


@override_settings(EVENTS_MAX_ATTEMPTS=2)
def test_a_failing_handler_never_blocks_the_others():
    mixed = _publish("test.outbox.mixed")
    later = _publish("test.outbox.ok")
    drain(ignore_backoff=True)
    assert _delivery(mixed, "tests.outbox.ok").state == DeliveryState.DONE
    assert _delivery(mixed, "tests.outbox.broken").state == DeliveryState.DEAD
    assert _delivery(later, "tests.outbox.ok").state == DeliveryState.DONE
    assert _marked("ok", mixed) and _marked("ok", later)
    assert not _marked("broken", mixed)
    assert CALLS["ok", mixed.pk] == 1


def test_a_failure_does_not_wait_in_line_in_front_of_due_deliveries():
    broken = _publish("test.outbox.broken")
    run_delivery(_delivery(broken, "tests.outbox.broken").pk)  # now waiting for a retry
    fine = _publish("test.outbox.ok")
    assert drain() >= 1
    assert _delivery(fine, "tests.outbox.ok").state == DeliveryState.DONE


def test_a_delivery_for_a_subscriber_that_no_longer_exists_is_dead_at_once():
    event = _publish("test.outbox.ok")
    orphan = Delivery.objects.create(event=event, subscriber="tests.outbox.gone")
    assert run_delivery(orphan.pk) == "dead"
    orphan.refresh_from_db()
    assert orphan.attempts == 1
    assert "gone" in orphan.last_error


def test_a_leased_delivery_is_left_to_its_worker_until_the_lease_runs_out():
    event = _publish("test.outbox.ok")
    delivery = _delivery(event, "tests.outbox.ok")
    Delivery.objects.filter(pk=delivery.pk).update(
        lease_owner="another-worker", lease_until=timezone.now() + timedelta(minutes=2)
    )
    assert run_delivery(delivery.pk) == "skipped"
    assert drain() == 0
    assert drain(ignore_backoff=True) == 0  # running retries early never takes a live lease
    # The worker died: once its lease has run out, the delivery is swept.
    Delivery.objects.filter(pk=delivery.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert run_delivery(delivery.pk) == "done"
    assert CALLS["ok", event.pk] == 1


def test_a_transactions_deliveries_reach_the_backend_in_one_hand_over(
    django_capture_on_commit_callbacks,
):
    """One Celery message per committed transaction, however many events it published,
    and a savepoint rolled back (with its own callback) loses none of the others'."""
    heard: list[list[int]] = []
    previous = bus._notifier
    bus.set_notifier(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            first = publish("test.outbox.mixed", {}, aggregate_type="test", aggregate_id="t1")
            try:
                with transaction.atomic():
                    publish("test.outbox.ok", {}, aggregate_type="test", aggregate_id="t2")
                    raise RuntimeError("undone")
            except RuntimeError:
                pass
            last = publish("test.outbox.ok", {}, aggregate_type="test", aggregate_id="t3")
    finally:
        bus.set_notifier(previous)
    assert len(heard) == 1
    kept = set(Delivery.objects.filter(event__in=[first, last]).values_list("pk", flat=True))
    assert len(kept) == 3
    assert kept <= set(heard[0])  # a rolled-back id may travel too: its claim finds no row
