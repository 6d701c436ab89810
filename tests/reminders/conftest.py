"""Fixtures for the chase: a clock the test moves, a tick of the schedule, what people were told."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from loomworks.events.api import drain
from loomworks.notifications.models import Notification, OutgoingEmail, WhatsAppMessage
from loomworks.reminders import schedule
from loomworks.reminders.models import Reminder

# A Monday in winter: Paris is UTC+1, Lisbon UTC+0.
START = datetime.datetime(2031, 1, 13, 9, 0, tzinfo=datetime.UTC)


class Clock:
    """The time every part of Loomworks reads (`timezone.now()`), moved only by the test."""

    def __init__(self, coordinates):
        self._coordinates = coordinates

    @property
    def now(self) -> datetime.datetime:
        return timezone.now()

    def shift(self, **delta) -> datetime.datetime:
        self._coordinates.shift(datetime.timedelta(**delta))
        return self.now

    def move_to(self, moment: datetime.datetime) -> datetime.datetime:
        self._coordinates.move_to(moment)
        return self.now


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as coordinates:
        yield Clock(coordinates)


@pytest.fixture
def tick(clock):
    """One tick of the schedule at the clock's time, then every delivery it caused."""

    def run_tick():
        done = schedule.tick()
        drain()
        return done

    return run_tick


def feed_of(user, kind: str | None = None) -> list[Notification]:
    entries = Notification.objects.filter(recipient=user).order_by("created_at", "id")
    if kind:
        entries = entries.filter(kind=kind)
    return list(entries)


def emails_to(user, kind: str | None = None) -> list[OutgoingEmail]:
    emails = OutgoingEmail.objects.filter(recipient=user).order_by("created_at")
    if kind:
        emails = emails.filter(kind=kind)
    return list(emails)


def whatsapps_to(user) -> list[WhatsAppMessage]:
    return list(WhatsAppMessage.objects.filter(recipient=user).order_by("created_at"))


def reminders_of(run, rule: str | None = None) -> list[Reminder]:
    reminders = Reminder.objects.filter(run=run).order_by("created_at", "id")
    if rule:
        reminders = reminders.filter(rule=rule)
    return list(reminders)
