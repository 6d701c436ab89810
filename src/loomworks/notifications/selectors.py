"""Reading the feed. Every read starts from the reader: nobody sees another person's entries."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from loomworks.core.errors import NotFound
from loomworks.notifications.models import (
    EmailState,
    Notification,
    OutgoingEmail,
    WhatsAppMessage,
    WhatsAppState,
)
from loomworks.notifications.rerender import in_readers_language

DEFAULT_PAGE = 20
MAX_PAGE = 100
_ENTRY_FIELDS = (
    "id",
    "recipient",
    "audience",
    "partner",
    "kind",
    "summary",
    "run",
    "task",
    "event_id",
    "created_at",
    "read_at",
)


@dataclass
class Feed:
    """One page of a reader's feed, newest first, with the totals a badge needs."""

    notifications: list[Notification]
    count: int
    unread: int
    limit: int
    offset: int


def notifications_for(user) -> QuerySet[Notification]:
    """`user`'s own entries, newest first, with the run's number joined (not its whole row)."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("run")
        .only(*_ENTRY_FIELDS, "run__id", "run__number")
        .order_by("-created_at", "-id")
    )


def feed_for(
    user, *, limit: int = DEFAULT_PAGE, offset: int = 0, unread_only: bool = False
) -> Feed:
    """A page of `user`'s feed: two queries whatever the page size."""
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    totals = Notification.objects.filter(recipient=user).aggregate(
        count=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True))
    )
    entries = notifications_for(user)
    if unread_only:
        entries = entries.filter(read_at__isnull=True)
    page = in_readers_language(entries[offset : offset + limit])
    for entry in page:
        _add_run_reference(entry)
    return Feed(
        notifications=page,
        count=totals["unread"] if unread_only else totals["count"],
        unread=totals["unread"],
        limit=limit,
        offset=offset,
    )


def unread_count(user) -> int:
    """How many of `user`'s entries are unread: one query, for a badge in the page header."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for(user, notification_id: str) -> Notification:
    """One of `user`'s entries; anyone else's, or a missing id, is 404."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No notification with id %(id)s.") % {"id": notification_id})
    return _add_run_reference(notification)


def _add_run_reference(entry: Notification) -> Notification:
    entry.run_reference = entry.run.reference if entry.run_id else None
    return entry


# ---------------------------------------------------------------- messages that did not go


@dataclass
class Undelivered:
    """A message a person did not get: to whom, by which channel, about which run, and why."""

    channel: str
    recipient_name: str
    address: str
    run_id: str | None
    run_reference: str
    error: str
    at: object


def undelivered(*, since, limit: int = 5) -> tuple[int, list[Undelivered]]:
    """Failed WhatsApp messages and e-mails since `since`, newest first: the total and a page.

    Four queries, from the (state, created_at) indexes of both tables.
    """
    whatsapps = WhatsAppMessage.objects.filter(state=WhatsAppState.FAILED, created_at__gte=since)
    emails = OutgoingEmail.objects.filter(state=EmailState.FAILED, created_at__gte=since)
    total = whatsapps.count() + emails.count()
    rows = [
        Undelivered(
            channel="whatsapp",
            recipient_name=m.recipient.display_name,
            address=m.to_number,
            run_id=m.run_id,
            run_reference=m.run.reference if m.run_id else "",
            error=m.error,
            at=m.created_at,
        )
        for m in whatsapps.select_related("recipient", "run").order_by("-created_at")[:limit]
    ] + [
        Undelivered(
            channel="email",
            recipient_name=e.recipient.display_name,
            address=e.to_address,
            run_id=e.run_id,
            run_reference=e.run.reference if e.run_id else "",
            error="",
            at=e.created_at,
        )
        for e in emails.select_related("recipient", "run").order_by("-created_at")[:limit]
    ]
    rows.sort(key=lambda row: row.at, reverse=True)
    return total, rows[:limit]


def whatsapp_failures_by_member(partner_id: str) -> dict[int, WhatsAppMessage]:
    """Each member's latest WhatsApp message that failed, by user id (one query)."""
    latest: dict[int, WhatsAppMessage] = {}
    failed = WhatsAppMessage.objects.filter(
        partner_id=partner_id, state=WhatsAppState.FAILED
    ).order_by("-created_at")[:200]
    for message in failed:
        latest.setdefault(message.recipient_id, message)
    return latest
