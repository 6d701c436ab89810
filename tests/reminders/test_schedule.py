"""Where the schedule runs: the beat's table, `loomworks run`'s thread, the management command."""

import pytest
from django.core.management import call_command

from loomworks.celery import beat_schedule
from loomworks.events.api import drain
from loomworks.reminders import schedule
from tests.reminders.conftest import feed_of

pytestmark = pytest.mark.django_db


def test_the_beat_runs_the_reminder_tick_every_period(settings):
    settings.REMINDERS_EVERY_SECONDS = 120
    entry = beat_schedule()["loomworks-reminders"]
    assert entry["task"] == "loomworks.reminders.tick"
    assert entry["schedule"] == 120


def test_the_beat_leaves_the_reminders_out_when_switched_off(settings):
    settings.REMINDERS_SCHEDULER = False
    assert "loomworks-reminders" not in beat_schedule()


def test_the_celery_task_is_registered_under_its_name():
    from loomworks.celery import app
    from loomworks.reminders import tasks  # noqa: F401

    assert "loomworks.reminders.tick" in app.tasks


def test_loomworks_run_starts_the_schedule_thread_only_with_the_inline_backend(
    settings, monkeypatch
):
    started = []
    monkeypatch.setattr(schedule, "start", lambda: started.append(True) or True)
    settings.EVENTS_BACKEND = "celery"
    assert schedule.start_if_inline() is False
    settings.EVENTS_BACKEND = "inline"
    settings.REMINDERS_SCHEDULER = False
    assert schedule.start_if_inline() is False
    settings.REMINDERS_SCHEDULER = True
    assert schedule.start_if_inline() is True
    assert started == [True]


def test_the_management_command_ticks_once(clock, make_run, workshop, capsys):
    make_run("sent_to_partner", partner=workshop.partner)
    drain()
    clock.shift(hours=25)
    call_command("reminders_tick")
    drain()
    assert "Reminders fired: 1 (unaccepted 1)" in capsys.readouterr().out
    assert len(feed_of(workshop.user, "reminder.unaccepted")) == 1
