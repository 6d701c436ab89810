"""Every write to notifications: feed entries, queued e-mails, read marks, e-mail preference.

Feed entries and e-mails are keyed by (event, recipient): the functions that
add them skip recipients who already have theirs, and the unique constraints
catch anything that slips past, so an event delivered twice adds nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.events.api import EventName, publish
from loomworks.events.models import Event
from loomworks.notifications import emails, selectors, summaries
from loomworks.notifications.models import Audience, EmailState, Notification, OutgoingEmail
from loomworks.partners.models import Partner, PartnerMember
from loomworks.partners.services import MEMBER_INVITED
from loomworks.production.models import ProductionRun

EMAIL_QUEUED = EventName.NOTIFICATION_EMAIL_QUEUED
INVITED = MEMBER_INVITED


def _by_language(users: Iterable) -> dict[str, list]:
    groups: dict[str, list] = defaultdict(list)
    for user in users:
        groups[emails.language_of(user)].append(user)
    return groups


@transaction.atomic
def feed_entries_add(
    *,
    event: Event,
    audience: str,
    recipients: Iterable,
    summary: Callable[[], str],
    partner: Partner | None = None,
    run_id: str | None = None,
    task_id: str | None = None,
) -> list[Notification]:
    """One feed entry per recipient for `event`; `summary()` is called in each reader's language."""
    recipients = list(recipients)
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
                kind=event.name,
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
def emails_queue(
    *,
    event: Event,
    message: str,
    run: ProductionRun,
    partner: Partner,
    recipients: Iterable,
    reason: str = "",
) -> list[OutgoingEmail]:
    """Render and store one e-mail per recipient, and publish one event per e-mail to send it."""
    recipients = [user for user in recipients if user.email]
    already = set(
        OutgoingEmail.objects.filter(
            event_id=event.pk, recipient__in=[user.pk for user in recipients]
        ).values_list("recipient_id", flat=True)
    )
    queued = []
    for user in recipients:
        if user.pk in already:
            continue
        rendered = emails.render(
            message,
            run=run,
            partner=partner,
            recipient=user,
            reason=reason,
            reassigned=event.name == EventName.RUN_PARTNER_REASSIGNED,
        )
        queued.append(
            _email_store(event=event, recipient=user, partner=partner, run=run, rendered=rendered)
        )
    return queued


def _email_store(
    *, event: Event, recipient, partner: Partner, run: ProductionRun | None, rendered
) -> OutgoingEmail:
    """Keep the rendered e-mail and publish the event that sends it (in the caller's transaction)."""
    email = OutgoingEmail.objects.create(
        event_id=event.pk,
        kind=event.name,
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
            "partner_id": partner.pk,
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


@transaction.atomic
def partner_notice_record(
    *, event: Event, message: str, run: ProductionRun, partner: Partner, reason: str = ""
) -> None:
    """Tell every active member of `partner`: a feed entry each, and an e-mail to those who want one."""
    members = list(
        PartnerMember.objects.filter(
            partner=partner, is_active=True, user__is_active=True
        ).select_related("user")
    )
    feed_entries_add(
        event=event,
        audience=Audience.PARTNER,
        recipients=[member.user for member in members],
        summary=lambda: summaries.partner_summary(message, run=run, reason=reason),
        partner=partner,
        run_id=run.pk,
    )
    emails_queue(
        event=event,
        message=message,
        run=run,
        partner=partner,
        recipients=[member.user for member in members if member.email_notifications],
        reason=reason,
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
        else:
            wanted = not email.partner_id or _still_wants_email(email)
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
    if member.email_notifications != enabled:
        PartnerMember.objects.filter(pk=member.pk).update(
            email_notifications=enabled, updated_at=timezone.now()
        )
        member.email_notifications = enabled
    return member
