"""Notices: the member's own feed, newest first, and whether they also come by e-mail."""

import datetime
import re

import pytest
from django.utils import timezone

from loomworks.notifications.models import Audience, Notification

pytestmark = pytest.mark.django_db


def notice(user, summary, *, run=None, minutes_ago=0, read=False):
    entry = Notification.objects.create(
        recipient=user,
        audience=Audience.PARTNER,
        kind="production_run.sent_to_partner",
        summary=summary,
        run=run,
    )
    Notification.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        read_at=timezone.now() if read else None,
    )
    return entry


def test_shows_the_members_notices_newest_first_and_not_others(
    partner_client, workshop, other_workshop, sent_run
):
    notice(workshop.user, "Older notice", minutes_ago=30)
    notice(workshop.user, f"{sent_run.reference} was sent to you", run=sent_run, minutes_ago=1)
    notice(other_workshop.user, "Someone else's notice")

    page = partner_client.get("/partner/notifications/").content.decode()

    assert page.index(f"{sent_run.reference} was sent to you") < page.index("Older notice")
    assert "Someone else&#x27;s notice" not in page and "Someone else's notice" not in page
    assert f'href="/partner/production-runs/{sent_run.pk}/"' in page


def test_unread_count_shows_in_the_header_on_every_page(partner_client, workshop):
    notice(workshop.user, "One")
    notice(workshop.user, "Two")
    notice(workshop.user, "Three", read=True)

    page = partner_client.get("/partner/").content.decode()

    assert re.search(r'<span class="badge" aria-label="2 unread">2</span>', page)


def test_marking_one_and_then_all_read(partner_client, workshop, other_workshop):
    first = notice(workshop.user, "One")
    notice(workshop.user, "Two")
    theirs = notice(other_workshop.user, "Theirs")

    response = partner_client.post(f"/partner/notifications/{first.pk}/read")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=workshop.user, read_at__isnull=True).count() == 1

    partner_client.post(f"/partner/notifications/{theirs.pk}/read")
    theirs.refresh_from_db()
    assert theirs.read_at is None

    partner_client.post("/partner/notifications/read-all")
    assert not Notification.objects.filter(recipient=workshop.user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_e_mail_can_be_switched_off_and_on(partner_client, workshop):
    partner_client.post("/partner/settings/email", {})
    workshop.member.refresh_from_db()
    assert workshop.member.email_notifications is False
    page = partner_client.get("/partner/notifications/").content.decode()
    assert 'name="email_notifications" value="on">' in page  # unchecked

    partner_client.post("/partner/settings/email", {"email_notifications": "on"})
    workshop.member.refresh_from_db()
    assert workshop.member.email_notifications is True
    page = partner_client.get("/partner/notifications/").content.decode()
    assert 'name="email_notifications" value="on" checked>' in page


def test_empty_feed_says_what_will_appear(partner_client):
    page = partner_client.get("/partner/notifications/").content.decode()
    assert "No notices yet." in page


def test_opening_the_run_marks_its_notices_read(partner_client, workshop, sent_run, make_run):
    about = notice(workshop.user, "Sent to you", run=sent_run)
    elsewhere = notice(workshop.user, "Another run", run=make_run())
    assert partner_client.get(f"/partner/production-runs/{sent_run.pk}/").status_code == 200
    about.refresh_from_db()
    elsewhere.refresh_from_db()
    assert about.read_at is not None and elsewhere.read_at is None
