"""`/api/admin/notifications` and `/api/partners/notifications`: each reader's own feed.

The same handlers serve both routers; only the auth differs. Entries are
recipient-based, so a reader only ever reaches their own (anyone else's id is 404).
"""

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from loomworks.accounts.services import user_preferences_set
from loomworks.api.admin_schemas import Flag, Strict
from loomworks.api.schemas import ErrorOut
from loomworks.api.security import ADMIN, PARTNER, auth_for
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_OFFSET
from loomworks.notifications import selectors, services
from loomworks.partners.services import member_whatsapp_set

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


# ---------------------------------------------------------------- how each person is reached


class PreferencesOut(Schema):
    time_zone: str
    digest_enabled: bool
    email_notifications: bool
    phone: str | None = None
    whatsapp_consent: bool | None = None


class PreferencesIn(Strict):
    """Any of your settings; those left out keep their value.

    `email_notifications` is e-mail about reminders and runs; `phone` (E.164,
    e.g. +351912345678) and `whatsapp_consent` are for partner members only.
    """

    time_zone: str | None = None
    digest_enabled: Flag | None = None
    email_notifications: Flag | None = None
    phone: str | None = None
    whatsapp_consent: Flag | None = None


def _preferences_out(user, member=None) -> dict:
    if member is None:
        return {
            "time_zone": user.time_zone,
            "digest_enabled": user.digest_enabled,
            "email_notifications": user.email_notifications,
        }
    return {
        "time_zone": user.time_zone,
        "digest_enabled": user.digest_enabled,
        "email_notifications": member.email_notifications,
        "phone": member.phone,
        "whatsapp_consent": member.whatsapp_consent,
    }


@admin_router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **AUTH},
    operation_id="admin_notification_preferences_get",
)
def admin_preferences_get(request):
    """Your time zone, morning digest and e-mail (the feed is always on)."""
    return _preferences_out(request.auth)


@admin_router.patch(
    "/notifications/preferences",
    response={200: PreferencesOut, 400: ErrorOut, **AUTH, 422: ErrorOut},
    operation_id="admin_notification_preferences_set",
)
def admin_preferences_set(request, payload: PreferencesIn):
    """Change your time zone, digest or e-mail; a zone Python does not know is a 422."""
    if payload.phone is not None or payload.whatsapp_consent is not None:
        field = "phone" if payload.phone is not None else "whatsapp_consent"
        raise InvalidInput(field, _("WhatsApp is for partner members."))
    user = user_preferences_set(
        user=request.auth,
        actor=request.actor,
        time_zone=payload.time_zone,
        digest_enabled=payload.digest_enabled,
        email_notifications=payload.email_notifications,
    )
    return _preferences_out(user)


@partner_router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **AUTH},
    operation_id="partner_notification_preferences_get",
)
def partner_preferences_get(request):
    """Your time zone, morning digest, e-mail, and WhatsApp number and consent."""
    return _preferences_out(request.auth, request.member)


@partner_router.patch(
    "/notifications/preferences",
    response={200: PreferencesOut, 400: ErrorOut, **AUTH, 422: ErrorOut},
    operation_id="partner_notification_preferences_set",
)
def partner_preferences_set(request, payload: PreferencesIn):
    """Change how you are reached. A bad number or zone is a 422 naming it; nothing is saved then."""
    member, user = request.member, request.auth
    with transaction.atomic():
        if payload.phone is not None or payload.whatsapp_consent is not None:
            member = member_whatsapp_set(
                member=member,
                actor=request.actor,
                phone=member.phone if payload.phone is None else payload.phone,
                consent=(
                    member.whatsapp_consent
                    if payload.whatsapp_consent is None
                    else payload.whatsapp_consent
                ),
            )
        if payload.email_notifications is not None:
            member = services.member_email_notifications_set(
                member=member, enabled=payload.email_notifications, actor=request.actor
            )
        user = user_preferences_set(
            user=user,
            actor=request.actor,
            time_zone=payload.time_zone,
            digest_enabled=payload.digest_enabled,
        )
    return _preferences_out(user, member)
