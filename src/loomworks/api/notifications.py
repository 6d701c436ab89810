"""`/api/admin/notifications` and `/api/partners/notifications`: each reader's own feed.

The same handlers serve both routers; only the auth differs. Entries are
recipient-based, so a reader only ever reaches their own (anyone else's id is 404).
"""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from loomworks.api.schemas import ErrorOut
from loomworks.api.security import ADMIN, PARTNER, auth_for
from loomworks.core.limits import MAX_OFFSET
from loomworks.notifications import selectors, services

admin_router = Router(auth=auth_for(ADMIN), tags=["admin"])
partner_router = Router(auth=auth_for(PARTNER), tags=["partners"])

# What every route may answer besides its success: no or a bad token, the wrong kind of user.
AUTH = {401: ErrorOut, 403: ErrorOut}


class NotificationOut(Schema):
    id: str
    kind: str
    summary: str
    run_id: str | None
    run_reference: str | None
    task_id: str | None
    created_at: datetime
    read_at: datetime | None


class FeedOut(Schema):
    notifications: list[NotificationOut]
    count: int
    unread: int
    limit: int
    offset: int


class NotificationEnvelope(Schema):
    notification: NotificationOut


class AllReadOut(Schema):
    marked: int


class FeedQuery(Schema):
    limit: int = Field(selectors.DEFAULT_PAGE, ge=1, le=selectors.MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    unread: bool = False


class EmailPreferenceIn(Schema):
    enabled: bool


class EmailPreferenceOut(Schema):
    email_notifications: bool


def notification_out(entry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "summary": entry.summary,
        "run_id": entry.run_id,
        "run_reference": getattr(entry, "run_reference", None),
        "task_id": entry.task_id,
        "created_at": entry.created_at,
        "read_at": entry.read_at,
    }


def _add_feed_routes(router: Router, prefix: str) -> None:
    @router.get(
        "/notifications",
        response={200: FeedOut, **AUTH, 422: ErrorOut},
        operation_id=f"{prefix}_notifications_list",
        url_name=f"{prefix}_notifications",
    )
    def notifications_list(request, filters: Query[FeedQuery]):
        """Your feed, newest first (`limit`/`offset`; `unread=true` for unread only)."""
        feed = selectors.feed_for(
            request.auth, limit=filters.limit, offset=filters.offset, unread_only=filters.unread
        )
        return {
            "notifications": [notification_out(entry) for entry in feed.notifications],
            "count": feed.count,
            "unread": feed.unread,
            "limit": feed.limit,
            "offset": feed.offset,
        }

    @router.post(
        "/notifications/read-all",
        response={200: AllReadOut, **AUTH},
        operation_id=f"{prefix}_notifications_read_all",
    )
    def notifications_read_all(request):
        """Mark every entry of your feed read."""
        marked = services.notifications_mark_all_read(user=request.auth)
        return {"marked": marked}

    @router.post(
        "/notifications/{notification_id}/read",
        response={200: NotificationEnvelope, **AUTH, 404: ErrorOut},
        operation_id=f"{prefix}_notification_read",
    )
    def notification_read(request, notification_id: str):
        """Mark one entry read; marking it again changes nothing."""
        entry = services.notification_mark_read(user=request.auth, notification_id=notification_id)
        return {"notification": notification_out(entry)}


_add_feed_routes(admin_router, "admin")
_add_feed_routes(partner_router, "partner")


@partner_router.get(
    "/notifications/email",
    response={200: EmailPreferenceOut, **AUTH},
    operation_id="partner_notifications_email_get",
)
def email_preference_get(request):
    """Whether you get e-mail about your partner's runs (the feed is always on)."""
    return {"email_notifications": request.member.email_notifications}


@partner_router.put(
    "/notifications/email",
    response={200: EmailPreferenceOut, 400: ErrorOut, **AUTH, 422: ErrorOut},
    operation_id="partner_notifications_email_set",
)
def email_preference_set(request, payload: EmailPreferenceIn):
    """Turn e-mail about your partner's runs on or off for yourself."""
    member = services.member_email_notifications_set(
        member=request.member, enabled=payload.enabled, actor=request.actor
    )
    return {"email_notifications": member.email_notifications}
