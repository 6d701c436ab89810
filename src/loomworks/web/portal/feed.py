"""The partner's notification feed, as the portal reads it.

A stand-in for `loomworks.notifications.selectors` (`feed_for`,
`unread_count`, `mark_read`), which is being written beside the portal: when
it lands, these functions call it and nothing else in the portal changes.
"""

from django.db.models import QuerySet
from django.utils import timezone

from loomworks.notifications.models import Notification


def feed_for(user) -> QuerySet[Notification]:
    """The user's feed entries, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, *, notification_id: str | None = None) -> int:
    """Mark one entry (or, without an id, every entry) of the user's feed read."""
    entries = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        entries = entries.filter(pk=notification_id)
    return entries.update(read_at=timezone.now())
