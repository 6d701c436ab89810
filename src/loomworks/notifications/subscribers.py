"""Who hears about what: the partner notice and the admin feed.

Both run after the change commits, so a slow or failing mail server never
holds up or undoes the action that caused the message. Each decides from the
event and the database as it is now; the services they call skip recipients
who already have their entry or e-mail, so a redelivery adds nothing.

A member added without a password gets an invitation e-mail, queued the same
way. E-mail goes out in two steps: the notice queues one e-mail per member and
publishes one `notification.email_queued` event per e-mail; `send_queued_email`
sends it. A refused address is retried on its own, and after the last attempt
the dead delivery reaches the admin feed.
"""

from django.contrib.auth import get_user_model

from loomworks.events.api import DELIVERY_DEAD, EventName, subscriber
from loomworks.events.models import Event
from loomworks.notifications import channels, emails, notices, services, summaries
from loomworks.notifications.models import Audience
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.work.models import AuthorKind, TaskComment

SENT = EventName.RUN_SENT_TO_PARTNER
REASSIGNED = EventName.RUN_PARTNER_REASSIGNED
CANCELLED = EventName.RUN_CANCELLED
COMPLETED = EventName.RUN_COMPLETED

PARTNER_NOTICE_EVENTS = (SENT, REASSIGNED, CANCELLED, COMPLETED)
ADMIN_RUN_EVENTS = (
    SENT,  # by hand or by the automatic chain: the feed says the work left
    EventName.RUN_ACCEPTED,
    EventName.RUN_DECLINED,
    EventName.RUN_STARTED,
    EventName.RUN_FINISHED,
    COMPLETED,
    CANCELLED,
    EventName.RUN_READY_TO_DISPATCH,
    EventName.RUN_BLOCKED,
    EventName.RUN_DELIVERY_RECORDED,
    EventName.RUN_QUANTITY_TO_CONFIRM,
)
COMMENT_ADDED = EventName.TASK_COMMENT_ADDED
SEND_EMAIL_SUBSCRIBER = "notifications.send_queued_email"
SEND_WHATSAPP_SUBSCRIBER = "notifications.send_queued_whatsapp"

# Statuses in which the partner can see a run: a cancellation then concerns it.
_SEEN_BY_PARTNER = (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS)


def _run(run_id: str | None) -> ProductionRun | None:
    if not run_id:
        return None
    return ProductionRun.objects.select_related("design").filter(pk=run_id).first()


def _partner_name(partner_id: str | None) -> str:
    if not partner_id:
        return ""
    return Partner.objects.filter(pk=partner_id).values_list("name", flat=True).first() or ""


def brand_admins():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")


# ---------------------------------------------------------------- partner notice


def _partner_notice(event: Event, run: ProductionRun) -> tuple[str | None, str]:
    """Which partner to tell, and with which message; (None, "") when nobody."""
    payload = event.payload
    if event.name == SENT:
        # Reassigned since? Then the new partner is told by the reassignment.
        if run.partner_id != payload.get("partner_id"):
            return None, ""
        return payload.get("partner_id"), emails.RUN_SENT
    if event.name == REASSIGNED:
        new_partner_id = payload.get("new_partner_id")
        if (
            payload.get("to_status") != RunStatus.SENT_TO_PARTNER
            or run.partner_id != new_partner_id
        ):
            return None, ""  # not sent yet: the dispatch will tell them
        return new_partner_id, emails.RUN_SENT
    if event.name == CANCELLED:
        if payload.get("from_status") not in _SEEN_BY_PARTNER:
            return None, ""
        return payload.get("partner_id"), emails.RUN_CANCELLED
    if event.name == COMPLETED:
        return payload.get("partner_id"), emails.RUN_COMPLETED
    return None, ""


@subscriber(*PARTNER_NOTICE_EVENTS, name="notifications.partner_notice")
def tell_the_partner(event: Event) -> None:
    """Work sent, cancelled or completed: every active member of the partner hears of it."""
    run = _run(event.payload.get("run_id"))
    if run is None:
        return
    partner_id, message = _partner_notice(event, run)
    partner = Partner.objects.filter(pk=partner_id).first() if partner_id else None
    if partner is None:
        return
    notice = notices.partner_notice(
        message,
        kind=event.name,
        run=run,
        partner=partner,
        reason=(event.payload.get("note") or "") if message == emails.RUN_CANCELLED else "",
        reassigned=event.name == REASSIGNED,
    )
    # Every active member: a feed entry each, e-mail and WhatsApp to those who chose them.
    channels.notify(
        event=event, notice=notice, people=channels.partner_people(partner, active_partner=False)
    )


@subscriber(EventName.PAYMENT_RECORDED, name="notifications.payment_notice")
def tell_the_partner_of_a_payment(event: Event) -> None:
    """A payment recorded: every active member hears of it, in their own language."""
    partner = Partner.objects.filter(pk=event.payload.get("partner_id")).first()
    if partner is None:
        return
    notice = notices.payment_notice(partner=partner, payment=event.payload)
    channels.notify(
        event=event, notice=notice, people=channels.partner_people(partner, active_partner=False)
    )


@subscriber(services.INVITED, name="notifications.invitation")
def invite_the_member(event: Event) -> None:
    """A member was added without a password (or re-invited): e-mail them a link to set one."""
    member = (
        PartnerMember.objects.select_related("user", "partner")
        .filter(pk=event.payload.get("member_id"))
        .first()
    )
    if member is None:
        return
    services.invitation_queue(event=event, member=member)


@subscriber(services.EMAIL_QUEUED, name=SEND_EMAIL_SUBSCRIBER, atomic=False)
def send_queued_email(event: Event) -> None:
    services.email_send(email_id=event.payload["email_id"])


@subscriber(EventName.NOTIFICATION_WHATSAPP_QUEUED, name=SEND_WHATSAPP_SUBSCRIBER, atomic=False)
def send_queued_whatsapp(event: Event) -> None:
    """Outside a transaction, like e-mail: a slow API holds no lock. 5xx and time-outs raise (retried)."""
    services.whatsapp_send(message_id=event.payload["whatsapp_message_id"], event=event)


# ---------------------------------------------------------------- admin feed


def _not_a_part_starting(event_name: str, payload: dict) -> bool:
    # A parent run started by its part's acceptance: that acceptance is on the feed already.
    return payload.get("action") != "parts_started"


@subscriber(*ADMIN_RUN_EVENTS, name="notifications.admin_feed_runs", when=_not_a_part_starting)
def tell_the_admins_about_a_run(event: Event) -> None:
    payload = event.payload
    if not _not_a_part_starting(event.name, payload):
        return  # an event published before the filter existed
    run = _run(payload.get("run_id"))
    if run is None:
        return
    partner_name = _partner_name(payload.get("partner_id") or payload.get("previous_partner_id"))
    services.feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=lambda: summaries.run_event_summary(
            event.name, payload, run=run, partner_name=partner_name
        ),
        run_id=run.pk,
    )


@subscriber(COMMENT_ADDED, name="notifications.admin_feed_comments")
def tell_the_admins_about_a_partner_comment(event: Event) -> None:
    payload = event.payload
    if payload.get("author_kind") != AuthorKind.PARTNER:
        return
    comment = (
        TaskComment.objects.select_related("task__run").filter(pk=payload["comment_id"]).first()
    )
    if comment is None:
        return
    task = comment.task
    partner_name = _partner_name(payload.get("partner_id"))
    services.feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=lambda: summaries.comment_summary(
            actor=payload.get("actor") or {},
            partner_name=partner_name,
            task_title=task.title,
            reference=task.run.reference if task.run else "",
            body=comment.body,
        ),
        run_id=task.run_id,
        task_id=task.pk,
    )


@subscriber(COMMENT_ADDED, name="notifications.partner_feed_comments")
def tell_the_partner_about_a_brand_comment(event: Event) -> None:
    """The brand replied (or wrote first) on a task: the partner's members hear of it."""
    payload = event.payload
    if payload.get("author_kind") != AuthorKind.ADMIN:
        return
    comment = (
        TaskComment.objects.select_related("task__run__design", "task__partner")
        .filter(pk=payload["comment_id"])
        .first()
    )
    if comment is None or comment.task.partner is None:
        return
    task = comment.task
    notice = channels.Notice(
        kind=event.name,
        audience=Audience.PARTNER,
        summary=lambda: summaries.brand_comment_summary(
            task_title=task.title,
            reference=task.run.reference if task.run else "",
            body=comment.body,
        ),
        run=task.run,
        partner=task.partner,
    )
    channels.notify(event=event, notice=notice, people=channels.partner_people(task.partner))


@subscriber(DELIVERY_DEAD, name="notifications.admin_feed_dead_deliveries")
def tell_the_admins_about_a_dead_delivery(event: Event) -> None:
    """Follow-up work that failed every attempt; for an e-mail, say to whom it did not go."""
    payload = event.payload
    original = payload.get("event_payload") or {}
    attempts = payload.get("attempts") or 0
    error = payload.get("error") or ""
    if payload.get("subscriber") == SEND_WHATSAPP_SUBSCRIBER:
        # The WhatsApp API failed every attempt (5xx, time-outs): the message
        # is marked failed and the admins told, with the last error.
        services.whatsapp_mark_failed(
            message_id=original.get("whatsapp_message_id", ""),
            code="",
            error=summaries.gave_up_error(attempts=attempts, error=error),
            event=event,
        )
        return
    if payload.get("subscriber") == SEND_EMAIL_SUBSCRIBER:
        email = services.email_mark_failed(email_id=original.get("email_id", ""))
        if email is None:
            return
        run_id = email.run_id
        reference = email.run.reference if email.run else ""

        def summary() -> str:
            return summaries.failed_email_summary(
                address=email.to_address, reference=reference, attempts=attempts, error=error
            )
    else:
        run = _run(original.get("run_id"))
        run_id = run.pk if run else None
        reference = run.reference if run else ""

        def summary() -> str:
            return summaries.dead_delivery_summary(
                event_name=payload.get("event_name", ""),
                subscriber=payload.get("subscriber", ""),
                reference=reference,
                attempts=attempts,
                error=error,
            )

    services.feed_entries_add(
        event=event,
        audience=Audience.ADMIN,
        recipients=brand_admins(),
        summary=summary,
        run_id=run_id,
    )
