"""Morning digests: one per person and local day, at the digest hour in their own time zone.

`digests_due()` runs with the reminder rules on every scheduler tick. It
looks at each time zone people live in; where the local time is between the
digest hour and four hours later, it takes the people there who want a
digest and have none for that local day, a page at a time, and inserts their
`Digest` keys with the same claim-and-publish steps as the reminders: the
unique (person, local day) makes it once, whatever runs twice.

`digest_send()` then writes it, in the person's language and zone: for a
brand admin what waits for someone, what went late and what completed; for
a partner member the workshop's open work and what is due. A digest with
nothing in it is not sent.
"""

import uuid
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.events.api import EventName, publish_many
from loomworks.events.models import Event
from loomworks.notifications import emails
from loomworks.notifications.channels import Notice, Person, WhatsAppTemplate, notify
from loomworks.notifications.models import Audience
from loomworks.partners.models import PartnerMember, PartnerStatus
from loomworks.reminders import selectors
from loomworks.reminders.models import ChaseRules, Digest

User = get_user_model()
DIGEST_WINDOW_HOURS = 4  # a digest not sent by then (the scheduler was down) waits for tomorrow
WHATSAPP_DIGEST_TEMPLATE = "loomworks_daily_digest"


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _wanting_digests():
    """People who want a digest and may read one: active admins, active members of active partners."""
    member = PartnerMember.objects.filter(
        user_id=OuterRef("pk"), is_active=True, partner__status=PartnerStatus.ACTIVE
    )
    return User.objects.filter(is_active=True, digest_enabled=True).filter(
        Q(is_staff=True) | Exists(member)
    )


def digests_due(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Claim and publish every digest due at `now`. Returns how many were claimed."""
    now = now or timezone.now()
    size = batch_size or settings.REMINDERS_BATCH
    hour = ChaseRules.current().digest_hour
    claimed = 0
    zones = sorted(set(_wanting_digests().values_list("time_zone", flat=True)))
    for name in zones:
        local = now.astimezone(zone_of(name))
        if not hour <= local.hour < hour + DIGEST_WINDOW_HOURS:
            continue
        day = local.date()
        people = (
            _wanting_digests()
            .filter(time_zone=name)
            .exclude(Exists(Digest.objects.filter(recipient_id=OuterRef("pk"), local_date=day)))
            .order_by("pk")
        )
        while True:
            ids = list(people.values_list("pk", flat=True)[:size])
            if not ids:
                break
            claimed += _claim(ids, day=day, zone=name or settings.TIME_ZONE, now=now)
            if len(ids) < size:
                break
    return claimed


def _claim(user_ids: list[int], *, day, zone: str, now: datetime) -> int:
    claim = uuid.uuid4().hex
    with transaction.atomic():
        Digest.objects.bulk_create(
            [
                Digest(recipient_id=pk, local_date=day, time_zone=zone, claim=claim, created_at=now)
                for pk in user_ids
            ],
            ignore_conflicts=True,
        )
        rows = list(Digest.objects.filter(claim=claim).values_list("pk", "recipient_id"))
        publish_many(
            [
                (
                    EventName.DIGEST_DUE,
                    {
                        "digest_id": pk,
                        "user_id": user_id,
                        "local_date": day.isoformat(),
                        "time_zone": zone,
                    },
                )
                for pk, user_id in rows
            ],
            aggregate_type="user",
            aggregate_ids=[str(user_id) for _pk, user_id in rows],
        )
    return len(rows)


@transaction.atomic
def digest_send(*, digest_id: int, event: Event) -> str:
    """Write one person's digest on their channels, once. Returns "sent", "empty" or "skipped"."""
    digest = Digest.objects.select_for_update().filter(pk=digest_id).first()
    if digest is None or digest.handled_at is not None:
        return "skipped"
    Digest.objects.filter(pk=digest.pk).update(handled_at=timezone.now())
    user = User.objects.filter(pk=digest.recipient_id, is_active=True, digest_enabled=True).first()
    if user is None:
        return "skipped"
    member = (
        PartnerMember.objects.select_related("partner")
        .filter(user=user, is_active=True, partner__status=PartnerStatus.ACTIVE)
        .first()
    )
    if member is None and not user.is_staff:
        return "skipped"
    now = timezone.now()
    with timezone.override(zone_of(digest.time_zone)):
        if member is not None:
            notice = _partner_notice(member, day=digest.local_date)
        else:
            notice = _admin_notice(now=now, day=digest.local_date)
    if notice is None:
        return "empty"
    notify(event=event, notice=notice, people=[Person(user=user, member=member)])
    return "sent"


def _render(template: str, context: dict, *, user) -> emails.RenderedEmail:
    base = f"notifications/email/{template}"
    context = {"recipient_name": user.first_name or user.display_name, **context}
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    text = render_to_string(f"{base}.txt", context).strip() + "\n"
    html = render_to_string(f"{base}.html", context)
    return emails.RenderedEmail(subject=subject, text=text, html=html)


def _admin_notice(*, now: datetime, day) -> Notice | None:
    digest = selectors.admin_digest(now=now, today=timezone.localdate(now))
    if digest.is_empty:
        return None
    context = {
        "digest": digest,
        "day": day,
        "console_url": f"{settings.SITE_URL}/admin/",
        "runs_url": f"{settings.SITE_URL}/admin/production-runs/",
        "site_url": settings.SITE_URL,
    }
    return Notice(
        kind=EventName.DIGEST_DUE,
        audience=Audience.ADMIN,
        summary=lambda: _("Your morning digest"),
        email=lambda user: _render("digest_admin", context, user=user),
        feed=False,
        extra={"digest": True},
    )


def _partner_notice(member: PartnerMember, *, day) -> Notice | None:
    digest = selectors.partner_digest(partner_id=member.partner_id, today=day)
    if digest.is_empty:
        return None
    portal = f"{settings.SITE_URL}/partner/"
    context = {
        "digest": digest,
        "day": day,
        "partner_name": member.partner.name,
        "portal_url": portal,
        "site_url": settings.SITE_URL,
    }
    return Notice(
        kind=EventName.DIGEST_DUE,
        audience=Audience.PARTNER,
        summary=lambda: _("Your morning digest"),
        email=lambda user: _render("digest_partner", context, user=user),
        whatsapp=WhatsAppTemplate(
            name=WHATSAPP_DIGEST_TEMPLATE,
            parameters=lambda: [
                str(digest.open_count),
                str(digest.due_soon + digest.late),
                portal,
            ],
        ),
        partner=member.partner,
        feed=False,
        extra={"digest": True},
    )
