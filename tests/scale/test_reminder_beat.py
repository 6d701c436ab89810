"""The beat inside real `loomworks worker` processes evaluates the reminders, once for two beats."""

import datetime

import pytest
from django.utils import timezone

from loomworks.notifications.models import Notification
from loomworks.production.models import ProductionRun
from loomworks.reminders.models import Reminder
from tests.scale.conftest import needs_workers, wait_for

pytestmark = [*needs_workers, pytest.mark.django_db(transaction=True)]


def test_two_workers_with_their_beats_remind_an_unanswered_run_once(
    start_worker, make_run, workshop
):
    run = make_run("sent_to_partner", partner=workshop.partner)
    # Sent 25 hours ago: test data set straight on the row, not a status.
    ProductionRun.objects.filter(pk=run.pk).update(
        last_sent_at=timezone.now() - datetime.timedelta(hours=25)
    )
    start_worker("w1", "w2", REMINDERS_EVERY_SECONDS=1, EVENTS_SWEEP_SECONDS=1)

    wait_for(
        lambda: Notification.objects.filter(
            recipient=workshop.user, kind="reminder.unaccepted"
        ).exists(),
        timeout=60,
        what="the partner's reminder",
    )
    import time

    time.sleep(3)  # several more ticks of both beats
    assert Reminder.objects.filter(run=run).count() == 1
    assert (
        Notification.objects.filter(recipient=workshop.user, kind="reminder.unaccepted").count()
        == 1
    )
