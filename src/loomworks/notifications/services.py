"""Every write to notifications: feed entries, queued e-mails, read marks, e-mail preference.

Feed entries and e-mails are keyed by (event, recipient): the functions that
add them skip recipients who already have theirs, and the unique constraints
catch anything that slips past, so an event delivered twice adds nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.events.api import EventName, publish
from loomworks.events.models import Event
from loomworks.notifications import emails, selectors, summaries, whatsapp
from loomworks.notifications.models import (
    Audience,
    EmailState,
    Notification,
    OutgoingEmail,
    WhatsAppMessage,
    WhatsAppState,
)
from loomworks.partners.models import Partner, PartnerMember
from loomworks.partners.services import MEMBER_INVITED, member_preferences_update
from loomworks.production.models import ProductionRun

EMAIL_QUEUED = EventName.NOTIFICATION_EMAIL_QUEUED
INVITED = MEMBER_INVITED
User = get_user_model()


def _by_language(users: Iterable) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for user in users:
        groups[emails.language_of(user)].append(user)
    return groups


@transaction.atomic
def actor_user_id(event: Event):
    """The person whose action raised `event` (None for the system or an API key alone).

    Nobody is told of their own action: every channel leaves them out.
    """
    actor = (event.payload or {}).get("actor") or {}
    return actor.get("user_id")


def feed_entries_add(
    *,
    event: Event,
    audience: str,
    recipients: Iterable,
    summary: Callable[[], str],
    partner: Partner | None = None,
    run_id: str | None = None,
    task_id: str | None = None,
    kind: str = "",
    tell_the_actor: bool = False,
) -> list[Notification]:
    """One feed entry per recipient for `event`; `summary()` is called in each reader's language.

    The entry's `kind` is the event's name unless given (a reminder's says which rule fired).
    The person who acted is left out, unless the entry is work left for them
    (`tell_the_actor`: runs an order's cancellation could not stop).
    """
    recipients = [user for user in recipients if tell_the_actor or user.pk != actor_user_id(event)]
    already = set(
        Notification.objects.filter(
            event_id=event.pk, recipient__in=[user.pk for user in recipients]
        ).values_list("recipient_id", flat=True)
    )
    entries = []
    for language, users in _by_language(u for u in recipients if u.pk not in already).items():
        with translation.override(language):
            text = summary()
        entries.extend(
            Notification(
                recipient=user,
                audience=audience,
                partner=partner,
                kind=kind or event.name,
                summary=text,
                run_id=run_id,
                task_id=task_id,
                event_id=event.pk,
                created_at=event.occurred_at,
            )
            for user in users
        )
    return Notification.objects.bulk_create(entries)


@transaction.atomic
def emails_store(
    *,
    event: Event,
    kind: str,
    run: ProductionRun | None,
    partner: Partner | None,
    recipients: Iterable,
    render: Callable[[object], emails.RenderedEmail],
) -> list[OutgoingEmail]:
    """One e-mail per recipient for `event`, rendered by `render(user)` in their language.

    The e-mail channel's way in: recipients who already have theirs are
    skipped, so a redelivered event sends nothing twice.
    """
    recipients = [user for user in recipients if user.email]
    already = set(
        OutgoingEmail.objects.filter(
            event_id=event.pk, recipient__in=[user.pk for user in recipients]
        ).values_list("recipient_id", flat=True)
    )
    stored = []
    for user in recipients:
        if user.pk in already:
            continue
        with (
            translation.override(emails.language_of(user)),
            timezone.override(emails.time_zone_of(user)),
        ):
            rendered = render(user)
        stored.append(
            _email_store(
                event=event, recipient=user, partner=partner, run=run, rendered=rendered, kind=kind
            )
        )
    return stored


def _email_store(
    *,
    event: Event,
    recipient,
    partner: Partner | None,
    run: ProductionRun | None,
    rendered,
    kind: str = "",
) -> OutgoingEmail:
    """Keep the rendered e-mail and publish the event that sends it (in the caller's transaction)."""
    email = OutgoingEmail.objects.create(
        event_id=event.pk,
        kind=kind or event.name,
        recipient=recipient,
        partner=partner,
        run=run,
        to_address=recipient.email,
        subject=rendered.subject[:300],
        body_text=rendered.text,
        body_html=rendered.html,
        created_at=event.occurred_at,
    )
    publish(
        EMAIL_QUEUED,
        {
            "email_id": email.pk,
            "kind": event.name,
            "run_id": run.pk if run else None,
            "partner_id": partner.pk if partner else None,
        },
        aggregate_type="outgoing_email",
        aggregate_id=email.pk,
    )
    return email


@transaction.atomic
def invitation_queue(*, event: Event, member: PartnerMember) -> OutgoingEmail | None:
    """Queue the member's invitation e-mail, once per invitation event.

    Nothing is sent to someone who has set a password meanwhile, or who is no
    longer an active member: the link would be of no use to them.
    """
    user = member.user
    if not user.email or not _still_invited(member_id=member.pk, user_id=user.pk):
        return None
    if OutgoingEmail.objects.filter(event_id=event.pk, recipient=user).exists():
        return None
    rendered = emails.render_invitation(
        partner=member.partner, recipient=user, resent=bool(event.payload.get("resent"))
    )
    return _email_store(
        event=event, recipient=user, partner=member.partner, run=None, rendered=rendered
    )


def email_send(*, email_id: str) -> str:
    """Send one queued e-mail. Returns its state afterwards.

    Runs outside the delivery's transaction (its subscriber is not atomic) and
    holds no transaction while the mail server answers: whether the e-mail is
    still wanted is decided in a short transaction, the backend is called, and
    the e-mail is marked sent after it accepted the message. A refusal leaves
    it queued for the outbox's retry; once marked, a redelivery sends nothing.
    The lease on the delivery keeps two workers from sending it at once; only
    a worker that dies between the send and the mark sends it a second time.
    """
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.state != EmailState.QUEUED:
            return email.state if email else ""
        if email.kind == INVITED:
            wanted = _still_invited(user_id=email.recipient_id, partner_id=email.partner_id)
        elif email.kind == EventName.DIGEST_DUE:
            wanted = _still_wants_digest(email)
        elif email.partner_id:
            wanted = _still_wants_email(email)
        else:
            wanted = _admin_still_wants_email(email)
        if not wanted:
            OutgoingEmail.objects.filter(pk=email.pk).update(state=EmailState.SKIPPED)
            return EmailState.SKIPPED
    emails.send(email)
    OutgoingEmail.objects.filter(pk=email.pk, state=EmailState.QUEUED).update(
        state=EmailState.SENT, sent_at=timezone.now()
    )
    return EmailState.SENT


def _still_wants_email(email: OutgoingEmail) -> bool:
    """The recipient is still an active member of the partner and still wants e-mail."""
    return PartnerMember.objects.filter(
        user_id=email.recipient_id,
        partner_id=email.partner_id,
        is_active=True,
        email_notifications=True,
        user__is_active=True,
    ).exists()


def _admin_still_wants_email(email: OutgoingEmail) -> bool:
    """An e-mail to a brand admin: still an admin, and still wants e-mail."""
    return User.objects.filter(
        pk=email.recipient_id, is_active=True, is_staff=True, email_notifications=True
    ).exists()


def _still_wants_digest(email: OutgoingEmail) -> bool:
    """A digest goes to whoever still has digests on (and, for a member, is still one)."""
    if not User.objects.filter(pk=email.recipient_id, is_active=True, digest_enabled=True).exists():
        return False
    if email.partner_id:
        return PartnerMember.objects.filter(
            user_id=email.recipient_id, partner_id=email.partner_id, is_active=True
        ).exists()
    return True


def _still_invited(*, user_id, member_id=None, partner_id=None) -> bool:
    """An active member who has not set a password yet (an invitation is still of use)."""
    members = PartnerMember.objects.filter(user_id=user_id, is_active=True, user__is_active=True)
    if member_id:
        members = members.filter(pk=member_id)
    if partner_id:
        members = members.filter(partner_id=partner_id)
    member = members.select_related("user").first()
    return member is not None and not member.user.has_usable_password()


def email_mark_failed(*, email_id: str) -> OutgoingEmail | None:
    """Every attempt to send it failed: mark it so, for the record."""
    OutgoingEmail.objects.filter(pk=email_id, state=EmailState.QUEUED).update(
        state=EmailState.FAILED
    )
    return OutgoingEmail.objects.select_related("run").filter(pk=email_id).first()


# ---------------------------------------------------------------- readers' actions


def notification_mark_read(*, user, notification_id: str) -> Notification:
    """Mark one of `user`'s own entries read (again is fine). Another user's entry is 404."""
    notification = selectors.notification_for(user, notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_read_for(*, user, run_id: str | None = None, task_ids=()) -> int:
    """Opening a run (or a task) marks the reader's own notices about it read."""
    if not run_id and not task_ids:
        return 0
    condition = Q(run_id=run_id) if run_id else Q()
    if task_ids:
        condition |= Q(task_id__in=list(task_ids))
    return Notification.objects.filter(condition, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread entry of `user` read. Returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def member_email_notifications_set(
    *, member: PartnerMember, enabled: bool, actor: Actor
) -> PartnerMember:
    """Turn e-mail about the partner's runs on or off for `member`. The feed stays either way.

    Members decide for themselves; a brand admin may change it for them.
    """
    if not actor.is_admin and actor.user_id != member.user_id:
        raise NotFound(_("No such member."))
    return member_preferences_update(member=member, actor=actor, email_notifications=enabled)


# ---------------------------------------------------------------- WhatsApp


def whatsapp_send(*, message_id: str, event: Event | None = None) -> str:
    """Send one queued WhatsApp message. Returns its state afterwards.

    Like `email_send`: whether it is still wanted is decided in a short
    transaction, the API is called with no transaction open, and the result is
    recorded after. `WhatsAppUnavailable` (5xx, 429, time-out) propagates, so
    the outbox tries again with back-off; a refusal (4xx) is final: the
    message is marked failed with WhatsApp's error, and admins are told on
    their feed.
    """
    with transaction.atomic():
        message = (
            WhatsAppMessage.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=message_id)
            .first()
        )
        if message is None or message.state != WhatsAppState.QUEUED:
            return message.state if message else ""
        if not whatsapp.is_configured() or not _still_wants_whatsapp(message):
            WhatsAppMessage.objects.filter(pk=message.pk).update(state=WhatsAppState.SKIPPED)
            return WhatsAppState.SKIPPED
    try:
        provider_id = whatsapp.send_template(
            to=message.to_number,
            template=message.template,
            language=message.language,
            parameters=list(message.parameters),
        )
    except whatsapp.WhatsAppRefused as refusal:
        whatsapp_mark_failed(
            message_id=message.pk, code=refusal.code, error=str(refusal), event=event
        )
        return WhatsAppState.FAILED
    WhatsAppMessage.objects.filter(pk=message.pk, state=WhatsAppState.QUEUED).update(
        state=WhatsAppState.SENT, sent_at=timezone.now(), provider_message_id=provider_id[:200]
    )
    return WhatsAppState.SENT


def _still_wants_whatsapp(message: WhatsAppMessage) -> bool:
    """Still an active member who consents, at the number the message was written for."""
    return PartnerMember.objects.filter(
        user_id=message.recipient_id,
        is_active=True,
        user__is_active=True,
        whatsapp_consent=True,
        phone=message.to_number,
    ).exists()


@transaction.atomic
def whatsapp_mark_failed(
    *, message_id: str, code: str = "", error: str = "", event: Event | None = None
) -> WhatsAppMessage | None:
    """WhatsApp refused the message, or every attempt failed: keep the error, tell the admins.

    `event` keys the admins' feed entries (the message's own queued event, or
    the dead-delivery event), so telling them twice adds nothing.
    """
    WhatsAppMessage.objects.filter(pk=message_id, state=WhatsAppState.QUEUED).update(
        state=WhatsAppState.FAILED, error_code=str(code)[:20], error=error[:4000]
    )
    message = (
        WhatsAppMessage.objects.select_related("run", "recipient").filter(pk=message_id).first()
    )
    if message is None or event is None:
        return message
    reference = message.run.reference if message.run else ""
    feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=User.objects.filter(is_staff=True, is_active=True).order_by("pk"),
        summary=lambda: summaries.failed_whatsapp_summary(
            name=message.recipient.display_name,
            number=message.to_number,
            reference=reference,
            error=message.error or error,
        ),
        run_id=message.run_id,
    )
    return message
