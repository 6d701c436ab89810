"""Each rule fires once, at the moment its settings say, and never again for the same occurrence."""

import datetime

import pytest
from django.core import mail

from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.production import services as production
from loomworks.production.models import RunHistory
from loomworks.reminders.models import ChaseRules, Rule
from loomworks.work.models import Task
from tests.reminders.conftest import emails_to, feed_of, reminders_of

pytestmark = pytest.mark.django_db


def set_rules(**values):
    ChaseRules.objects.update_or_create(pk=1, defaults=values)


def sent_run(make_run, workshop, **fields):
    run = make_run("sent_to_partner", partner=workshop.partner, **fields)
    drain()  # the "work sent" notice, out of the way
    return run


# ---------------------------------------------------------------- unanswered, then escalation


def test_an_unanswered_run_reminds_its_partner_once_when_the_hours_are_up(
    clock, tick, make_run, workshop
):
    run = sent_run(make_run, workshop)
    clock.shift(hours=23, minutes=59)
    tick()
    assert feed_of(workshop.user, "reminder.unaccepted") == []

    clock.shift(minutes=1)
    tick()
    [entry] = feed_of(workshop.user, "reminder.unaccepted")
    assert entry.run_id == run.pk
    assert "waiting for your answer" in entry.summary
    [email] = emails_to(workshop.user, "reminder.unaccepted")
    assert run.reference in email.subject
    assert f"/partner/production-runs/{run.pk}/" in email.body_text

    tick()  # the same moment again: a restart, a second look
    clock.shift(hours=6)
    tick()
    assert len(feed_of(workshop.user, "reminder.unaccepted")) == 1
    assert len(emails_to(workshop.user, "reminder.unaccepted")) == 1
    assert len(reminders_of(run, Rule.UNACCEPTED)) == 1


def test_still_unanswered_after_the_more_hours_the_admins_are_told_not_the_partner(
    clock, tick, make_run, workshop, admin_user
):
    run = sent_run(make_run, workshop)
    clock.shift(hours=24)
    tick()
    assert feed_of(admin_user, "reminder.escalation") == []

    clock.shift(hours=24)
    tick()
    [entry] = feed_of(admin_user, "reminder.escalation")
    assert run.reference in entry.summary and workshop.partner.name in entry.summary
    [email] = emails_to(admin_user, "reminder.escalation")
    assert f"/admin/production-runs/{run.pk}/" in email.body_text
    assert feed_of(workshop.user, "reminder.escalation") == []

    clock.shift(days=1)
    tick()
    assert len(feed_of(admin_user, "reminder.escalation")) == 1


def test_an_accepted_run_is_not_chased_for_an_answer(clock, tick, make_run, workshop, admin_user):
    run = sent_run(make_run, workshop)
    clock.shift(hours=23)
    production.run_accept(run=run, actor=workshop.actor)
    clock.shift(hours=30)
    tick()
    assert feed_of(workshop.user, "reminder.unaccepted") == []
    assert feed_of(admin_user, "reminder.escalation") == []


def test_a_run_reassigned_to_another_partner_starts_its_clock_again(
    clock, tick, make_run, workshop, other_workshop, admin
):
    run = sent_run(make_run, workshop)
    clock.shift(hours=20)
    production.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
    drain()
    clock.shift(hours=5)  # 25 h after the first sending, 5 h after the second
    tick()
    assert feed_of(other_workshop.user, "reminder.unaccepted") == []
    clock.shift(hours=19)
    tick()
    assert len(feed_of(other_workshop.user, "reminder.unaccepted")) == 1
    assert feed_of(workshop.user, "reminder.unaccepted") == []


# ---------------------------------------------------------------- deadline near, not started


def test_a_run_not_started_is_reminded_when_its_deadline_is_days_away(
    clock, tick, make_run, workshop
):
    today = clock.now.date()
    run = sent_run(make_run, workshop, due_date=today + datetime.timedelta(days=10))
    production.run_accept(
        run=run, actor=workshop.actor, promised_date=today + datetime.timedelta(days=5)
    )
    drain()
    clock.shift(days=1)  # promised in 4 days
    tick()
    assert feed_of(workshop.user, "reminder.not_started") == []

    clock.shift(days=1)  # promised in 3 days: the default
    tick()
    [entry] = feed_of(workshop.user, "reminder.not_started")
    assert "Promised" in entry.summary  # the partner gave the date: it reads "Promised"
    clock.shift(days=1)
    tick()
    assert len(feed_of(workshop.user, "reminder.not_started")) == 1


def test_a_started_run_is_not_reminded_of_its_deadline(clock, tick, make_run, workshop):
    today = clock.now.date()
    run = sent_run(make_run, workshop, due_date=today + datetime.timedelta(days=2))
    production.run_accept(run=run, actor=workshop.actor)
    production.run_start(run=run, actor=workshop.actor)
    drain()
    tick()
    assert feed_of(workshop.user, "reminder.not_started") == []


# ---------------------------------------------------------------- late


def test_a_run_past_its_promised_date_is_marked_late_once_with_the_missed_date(
    clock, tick, make_run, workshop, admin_user
):
    today = clock.now.date()
    run = sent_run(make_run, workshop, due_date=today + datetime.timedelta(days=9))
    production.run_accept(
        run=run, actor=workshop.actor, promised_date=today + datetime.timedelta(days=2)
    )
    production.run_start(run=run, actor=workshop.actor)
    drain()
    clock.shift(days=2)  # the promised day itself: not late yet
    tick()
    assert not RunHistory.objects.filter(run=run, kind="late").exists()

    clock.shift(days=1)
    tick()
    [row] = RunHistory.objects.filter(run=run, kind="late")
    assert row.from_status == row.to_status == "in_progress"
    assert row.actor_kind == "system"
    assert row.details["missed_date"] == (today + datetime.timedelta(days=2)).isoformat()
    [event] = Event.objects.filter(name="production_run.late", aggregate_id=run.pk)
    assert event.payload["missed_date"] == row.details["missed_date"]
    assert event.payload["deadline"] == "promised"
    [partner_entry] = feed_of(workshop.user, "production_run.late")
    [admin_entry] = feed_of(admin_user, "production_run.late")
    for entry in (partner_entry, admin_entry):
        assert "Promised" in entry.summary and "late" in entry.summary

    clock.shift(days=3)
    tick()
    assert RunHistory.objects.filter(run=run, kind="late").count() == 1
    assert Event.objects.filter(name="production_run.late").count() == 1


def test_a_run_without_a_promised_date_is_late_after_its_due_date(
    clock, tick, make_run, workshop, admin_user
):
    today = clock.now.date()
    run = make_run("approved", partner=workshop.partner, due_date=today)
    clock.shift(days=1)
    tick()
    [event] = Event.objects.filter(name="production_run.late", aggregate_id=run.pk)
    assert event.payload["deadline"] == "due"
    [entry] = feed_of(admin_user, "production_run.late")
    assert "Due" in entry.summary
    # An approved run is upcoming work the partner can see: it hears too.
    assert len(feed_of(workshop.user, "production_run.late")) == 1


def test_a_run_completed_before_its_reminder_is_acted_on_is_not_marked_late(
    clock, make_run, workshop, admin
):
    from loomworks.reminders import schedule

    today = clock.now.date()
    run = sent_run(make_run, workshop, due_date=today)
    production.run_accept(run=run, actor=workshop.actor)
    drain()
    clock.shift(days=1)
    schedule.tick()  # the key is claimed, its delivery still waits
    production.run_complete(run=run, actor=admin)
    drain()
    assert not RunHistory.objects.filter(run=run, kind="late").exists()
    [reminder] = reminders_of(run, Rule.LATE)
    assert reminder.handled_at is not None


# ---------------------------------------------------------------- stalled


def test_a_run_in_work_without_progress_is_nudged_after_the_days_set_and_again_after_new_progress(
    clock, tick, make_run, workshop
):
    run = sent_run(make_run, workshop)
    production.run_accept(run=run, actor=workshop.actor)
    drain()
    clock.shift(days=4, hours=23)
    tick()
    assert feed_of(workshop.user, "reminder.stalled") == []
    clock.shift(hours=1)
    tick()
    assert len(feed_of(workshop.user, "reminder.stalled")) == 1
    clock.shift(days=3)
    tick()
    assert len(feed_of(workshop.user, "reminder.stalled")) == 1

    task = Task.objects.filter(run=run, parent__isnull=True).first()
    subtask = Task.objects.filter(parent=task).first()
    production.run_subtask_complete(task=task, subtask=subtask, actor=workshop.actor)
    drain()
    clock.shift(days=4)
    tick()
    assert len(feed_of(workshop.user, "reminder.stalled")) == 1
    clock.shift(days=1)
    tick()
    assert len(feed_of(workshop.user, "reminder.stalled")) == 2


# ---------------------------------------------------------------- settings and delivery


def test_a_rule_changed_in_the_console_applies_to_the_next_evaluation(
    clock, tick, make_run, workshop, admin_user
):
    from django.test import Client

    console = Client()
    console.force_login(admin_user)
    fields = {
        "unaccepted_enabled": "on",
        "unaccepted_hours": "48",
        "escalation_enabled": "on",
        "escalation_hours": "24",
        "not_started_enabled": "on",
        "not_started_days": "3",
        "late_enabled": "on",
        "stalled_enabled": "on",
        "stalled_days": "5",
        "digest_hour": "8",
    }
    assert console.post("/admin/reminders/", fields).status_code == 302
    run = sent_run(make_run, workshop)
    clock.shift(hours=30)
    tick()
    assert reminders_of(run, Rule.UNACCEPTED) == []
    assert (
        console.post("/admin/reminders/", {**fields, "unaccepted_hours": "12"}).status_code == 302
    )
    tick()
    assert len(reminders_of(run, Rule.UNACCEPTED)) == 1


def test_a_rule_switched_off_fires_nothing(clock, tick, make_run, workshop):
    set_rules(unaccepted_enabled=False)
    run = sent_run(make_run, workshop)
    clock.shift(hours=30)
    tick()
    assert reminders_of(run, Rule.UNACCEPTED) == []


def test_a_retried_delivery_of_a_reminder_tells_nobody_twice(clock, tick, make_run, workshop):
    run = sent_run(make_run, workshop)
    clock.shift(hours=24)
    tick()
    mailed = len(mail.outbox)
    [event] = Event.objects.filter(name="reminder.due", aggregate_id=run.pk)
    Delivery.objects.filter(event=event).update(state=DeliveryState.PENDING, lease_until=None)
    drain()
    assert len(feed_of(workshop.user, "reminder.unaccepted")) == 1
    assert len(emails_to(workshop.user, "reminder.unaccepted")) == 1
    assert len(mail.outbox) == mailed


def test_a_restart_after_the_keys_were_taken_fires_nothing_new(clock, tick, make_run, workshop):
    from loomworks.reminders import schedule

    run = sent_run(make_run, workshop)
    clock.shift(hours=24)
    first = schedule.tick()  # claimed; then the process "dies" before delivering
    second = schedule.tick()  # the restarted scheduler
    drain()
    assert first.reminders.fired[Rule.UNACCEPTED] == 1
    assert second.reminders.total == 0
    assert len(feed_of(workshop.user, "reminder.unaccepted")) == 1
    assert Event.objects.filter(name="reminder.due", aggregate_id=run.pk).count() == 1


def test_a_late_run_reaches_a_consenting_member_by_whatsapp_with_its_missed_date(
    clock, tick, make_run, workshop, settings
):
    from tests.notifications.whatsapp_server import PHONE_NUMBER_ID, TOKEN, VERSION, FakeWhatsApp

    api = FakeWhatsApp().start()
    settings.WHATSAPP_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = TOKEN, PHONE_NUMBER_ID
    settings.WHATSAPP_API_URL, settings.WHATSAPP_API_VERSION = api.url, VERSION
    try:
        member = workshop.member
        member.phone, member.whatsapp_consent = "+351912345678", True
        member.save()
        workshop.user.language = "fr"
        workshop.user.save()
        today = clock.now.date()
        run = make_run("approved", partner=workshop.partner, due_date=today)
        clock.shift(days=1)
        tick()
        [request] = [
            r for r in api.requests if r["body"]["template"]["name"] == "loomworks_run_late"
        ]
        template = request["body"]["template"]
        assert template["language"] == {"code": "fr"}
        texts = [p["text"] for p in template["components"][0]["parameters"]]
        assert texts[0] == run.reference
        assert texts[1] == f"À rendre le {today.day} janvier 2031"
        assert texts[2].endswith(f"/partner/production-runs/{run.pk}/")
    finally:
        api.stop()
