"""The notifications page: the admin's own feed, marked read one by one or all at once."""

import pytest

from loomworks.notifications.models import Audience, Notification
from tests.factories import AdminFactory
from tests.web.console.helpers import flashes, text


@pytest.fixture
def entries(admin_user, make_run):
    run = make_run()
    return [
        Notification.objects.create(
            recipient=admin_user,
            audience=Audience.ADMIN,
            kind="production_run.declined",
            summary=f"Workshop declined {run.reference}",
            run=run,
        ),
        Notification.objects.create(
            recipient=admin_user,
            audience=Audience.ADMIN,
            kind="task.comment_added",
            summary="Workshop asked about the hem",
        ),
    ]


def test_lists_the_feed_with_unread_marked(console, entries):
    page = text(console.get("/admin/notifications/"))
    assert "Workshop declined" in page and "Workshop asked about the hem" in page
    assert page.count("notification is-unread") == 2
    assert "Mark all as read" in page


def test_mark_one_read(console, entries):
    response = console.post(f"/admin/notifications/{entries[0].pk}/read/", follow=True)
    assert flashes(response) == ["Marked as read."]
    entries[0].refresh_from_db()
    entries[1].refresh_from_db()
    assert entries[0].read_at is not None and entries[1].read_at is None
    assert text(response).count("notification is-unread") == 1


def test_mark_all_read(console, entries):
    response = console.post("/admin/notifications/read-all/", follow=True)
    assert flashes(response) == ["Every notification is marked as read."]
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "count-badge" not in text(response)


def test_cannot_mark_someone_elses_notification(console, db):
    other = Notification.objects.create(
        recipient=AdminFactory(), audience=Audience.ADMIN, kind="x", summary="not yours"
    )
    console.post(f"/admin/notifications/{other.pk}/read/")
    other.refresh_from_db()
    assert other.read_at is None


def test_empty_feed(console, db):
    assert "No notifications yet." in text(console.get("/admin/notifications/"))


def test_opening_the_run_marks_its_notices_read(console, entries, admin_user):
    other_admins = AdminFactory()
    theirs = Notification.objects.create(
        recipient=other_admins,
        audience=Audience.ADMIN,
        kind="production_run.declined",
        summary="Same event, another admin",
        run=entries[0].run,
    )
    assert console.get(f"/admin/production-runs/{entries[0].run_id}/").status_code == 200
    entries[0].refresh_from_db()
    entries[1].refresh_from_db()
    theirs.refresh_from_db()
    assert entries[0].read_at is not None  # about this run
    assert entries[1].read_at is None  # about something else
    assert theirs.read_at is None  # someone else's
