"""Reading the feed: one's own entries only, newest first, paged, with read marks."""

import datetime

import pytest
from django.utils import timezone

from loomworks.core.errors import NotFound
from loomworks.notifications import selectors, services
from loomworks.notifications.models import Audience, Notification
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


def add_entries(user, count: int, *, start=None) -> list[Notification]:
    start = start or timezone.now() - datetime.timedelta(hours=1)
    return [
        Notification.objects.create(
            recipient=user,
            audience=Audience.ADMIN,
            kind="production_run.accepted",
            summary=f"Entry {n}",
            created_at=start + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    ]


def test_feed_is_newest_first_and_paged_with_totals(admin_user):
    add_entries(admin_user, 5)

    first = selectors.feed_for(admin_user, limit=2)
    second = selectors.feed_for(admin_user, limit=2, offset=2)

    assert [e.summary for e in first.notifications] == ["Entry 4", "Entry 3"]
    assert [e.summary for e in second.notifications] == ["Entry 2", "Entry 1"]
    assert (first.count, first.unread, first.limit, first.offset) == (5, 5, 2, 0)


def test_feed_holds_only_the_readers_own_entries(admin_user):
    add_entries(AdminFactory(), 3)
    add_entries(admin_user, 1)

    feed = selectors.feed_for(admin_user)
    assert (feed.count, feed.unread) == (1, 1)
    assert selectors.unread_count(admin_user) == 1


def test_marking_one_read_lowers_the_unread_count_and_keeps_its_first_read_time(admin_user):
    older, newer = add_entries(admin_user, 2)

    marked = services.notification_mark_read(user=admin_user, notification_id=newer.pk)
    first_read_at = marked.read_at
    again = services.notification_mark_read(user=admin_user, notification_id=newer.pk)

    assert again.read_at == first_read_at is not None
    assert selectors.unread_count(admin_user) == 1
    feed = selectors.feed_for(admin_user, unread_only=True)
    assert [e.pk for e in feed.notifications] == [older.pk]
    assert (feed.count, feed.unread) == (1, 1)


def test_another_users_entry_cannot_be_marked_read(admin_user):
    [theirs] = add_entries(AdminFactory(), 1)

    with pytest.raises(NotFound):
        services.notification_mark_read(user=admin_user, notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(admin_user):
    add_entries(admin_user, 3)
    [theirs] = add_entries(AdminFactory(), 1)

    assert services.notifications_mark_all_read(user=admin_user) == 3
    assert selectors.unread_count(admin_user) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
