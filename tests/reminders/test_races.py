"""Two schedulers at once (PostgreSQL, real threads and row locks): every reminder and digest once."""

import datetime

import pytest

from loomworks.events.api import drain
from loomworks.events.models import Event
from loomworks.production.models import RunHistory
from loomworks.reminders import schedule
from loomworks.reminders.models import Digest, Reminder
from tests.factories import AdminFactory
from tests.production.test_races import at_once
from tests.reminders.conftest import START, feed_of

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_schedulers_at_once_fire_each_reminder_once(clock, make_run, make_workshop):
    workshops = [make_workshop() for _ in range(3)]
    runs = []
    for workshop in workshops:
        runs.append(make_run("sent_to_partner", partner=workshop.partner, due_date=START.date()))
        runs.append(make_run("sent_to_partner", partner=workshop.partner))
    drain()
    clock.shift(days=1, hours=1)  # unanswered for 25 h; the due dates passed

    first, second = at_once(schedule.tick, schedule.tick)
    drain()

    assert not isinstance(first, BaseException), first
    assert not isinstance(second, BaseException), second
    fired = first.reminders.total + second.reminders.total
    assert fired == Reminder.objects.count() == 6 + 3  # 6 unanswered, 3 late
    assert Event.objects.filter(name="reminder.due").count() == 9
    assert Event.objects.filter(name="production_run.late").count() == 3
    assert RunHistory.objects.filter(kind="late").count() == 3
    for workshop in workshops:
        assert len(feed_of(workshop.user, "reminder.unaccepted")) == 2
        assert len(feed_of(workshop.user, "production_run.late")) == 1


def test_two_schedulers_at_once_send_each_digest_once(clock, make_run, workshop):
    admins = [AdminFactory() for _ in range(4)]
    make_run("sent_to_partner", partner=workshop.partner)
    drain()
    clock.move_to(datetime.datetime(2031, 1, 14, 8, 30, tzinfo=datetime.UTC))

    outcomes = at_once(schedule.tick, schedule.tick, schedule.tick)
    drain()

    assert not any(isinstance(outcome, BaseException) for outcome in outcomes), outcomes
    people = len(admins) + 2  # the admins, the `admin` who made the run, the member
    assert sum(outcome.digests for outcome in outcomes) == people
    assert Digest.objects.count() == people
    assert Event.objects.filter(name="digest.due").count() == people
