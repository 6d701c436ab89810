"""Which deliveries the Celery sweep sends again (no broker needed)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from loomworks.events.api import publish
from loomworks.events.models import Delivery, DeliveryState
from loomworks.events.tasks import deliveries_to_resend
from tests.scale.probe import PROBE_EVENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(make_run):
    run = make_run("approved")
    with transaction.atomic():
        event = publish(PROBE_EVENT, {"run_id": run.pk})
    return Delivery.objects.get(event=event)


def test_a_new_delivery_is_left_to_its_message_during_the_grace(delivery, settings):
    settings.EVENTS_SWEEP_GRACE_SECONDS = 60
    now = timezone.now()
    assert deliveries_to_resend(now=now) == []
    later = now + timedelta(seconds=61)
    assert deliveries_to_resend(now=later) == [delivery.pk]
    assert deliveries_to_resend(now=later, include_new=False) == []


def test_an_expired_lease_is_sent_again_at_once_even_with_messages_waiting(delivery):
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=1, lease_owner="host:1:1", lease_until=now + timedelta(seconds=30)
    )
    assert deliveries_to_resend(now=now, include_new=False) == []
    after_lease = now + timedelta(seconds=31)
    assert deliveries_to_resend(now=after_lease, include_new=False) == [delivery.pk]


def test_a_retry_is_sent_once_its_back_off_has_passed(delivery):
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=1, next_attempt_at=now + timedelta(seconds=10), last_error="boom"
    )
    assert deliveries_to_resend(now=now, include_new=False) == []
    assert deliveries_to_resend(now=now + timedelta(seconds=11), include_new=False) == [delivery.pk]


def test_done_and_dead_deliveries_are_never_sent_again(delivery):
    later = timezone.now() + timedelta(days=1)
    for state in (DeliveryState.DONE, DeliveryState.DEAD):
        Delivery.objects.filter(pk=delivery.pk).update(state=state, attempts=1)
        assert deliveries_to_resend(now=later) == []


def test_a_worker_refuses_to_start_when_events_are_delivered_inline(settings, capsys):
    from loomworks.cli import main

    settings.EVENTS_BACKEND = "inline"
    assert main(["worker"]) == 2
    assert "EVENTS_BACKEND is 'inline'" in capsys.readouterr().err
