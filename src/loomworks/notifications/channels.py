"""Notification channels: the in-app feed, e-mail and WhatsApp behind one small interface.

A `Notice` says what to tell people about one event (a sentence for the feed,
an e-mail, a WhatsApp template); `notify()` hands it to each channel with the
people who chose that channel. The feed is everyone's and cannot be turned
off; e-mail and WhatsApp are each person's choice (`chooses`), and WhatsApp
is there only when it is configured and the member gave a number and
consent.

Every channel keys what it stores by (event, recipient), so an event
delivered twice adds nothing the second time. E-mail and WhatsApp messages
are stored rendered, in the recipient's language, and sent by their own
outbox delivery each, with retries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from django.utils import timezone, translation

from loomworks.events.api import EventName, publish
from loomworks.events.models import Event
from loomworks.notifications import emails, services, whatsapp
from loomworks.notifications.models import WhatsAppMessage
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import ProductionRun


@dataclass(frozen=True)
class Person:
    """Someone to tell: a user, and their membership when they work for a partner."""

    user: object
    member: PartnerMember | None = None

    @property
    def is_partner_member(self) -> bool:
        return self.member is not None


@dataclass(frozen=True)
class WhatsAppTemplate:
    """A template approved in WhatsApp Manager, and its parameters (called in the reader's language)."""

    name: str
    parameters: Callable[[], list[str]]


@dataclass
class Notice:
    """What to tell people about one event, in a form each channel can use.

    `summary()` is the feed's sentence and `email(user)` the rendered e-mail;
    both are called with the reader's language active. `feed=False` keeps a
    notice (a digest) off the feed.
    """

    kind: str
    audience: str
    summary: Callable[[], str]
    email: Callable[[object], emails.RenderedEmail] | None = None
    whatsapp: WhatsAppTemplate | None = None
    run: ProductionRun | None = None
    partner: Partner | None = None
    feed: bool = True
    extra: dict = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def chooses(self, person: Person, notice: Notice) -> bool:
        """Whether `person` wants `notice` this way (and the channel can carry it)."""

    def queue(self, *, event: Event, notice: Notice, people: list[Person]) -> int:
        """Store what goes to `people` (skipping those who have it already); returns how many."""


class FeedChannel:
    name = "feed"

    def chooses(self, person: Person, notice: Notice) -> bool:
        return notice.feed

    def queue(self, *, event: Event, notice: Notice, people: list[Person]) -> int:
        added = services.feed_entries_add(
            event=event,
            audience=notice.audience,
            recipients=[person.user for person in people],
            summary=notice.summary,
            partner=notice.partner,
            run_id=notice.run.pk if notice.run else None,
            kind=notice.kind,
        )
        return len(added)


class EmailChannel:
    name = "email"

    def chooses(self, person: Person, notice: Notice) -> bool:
        if notice.email is None or not person.user.email:
            return False
        if notice.extra.get("digest"):
            return True  # a digest has its own switch, checked before it is made
        if person.member is not None:
            return person.member.email_notifications
        return person.user.email_notifications

    def queue(self, *, event: Event, notice: Notice, people: list[Person]) -> int:
        return len(
            services.emails_store(
                event=event,
                kind=notice.kind,
                run=notice.run,
                partner=notice.partner,
                recipients=[person.user for person in people],
                render=notice.email,
            )
        )


class WhatsAppChannel:
    name = "whatsapp"

    def chooses(self, person: Person, notice: Notice) -> bool:
        member = person.member
        return bool(
            notice.whatsapp is not None
            and whatsapp.is_configured()
            and member is not None
            and member.whatsapp_consent
            and member.phone
        )

    @transaction.atomic
    def queue(self, *, event: Event, notice: Notice, people: list[Person]) -> int:
        already = set(
            WhatsAppMessage.objects.filter(
                event_id=event.pk, recipient__in=[person.user.pk for person in people]
            ).values_list("recipient_id", flat=True)
        )
        queued = 0
        for person in people:
            if person.user.pk in already:
                continue
            language = emails.language_of(person.user)
            with (
                translation.override(language),
                timezone.override(emails.time_zone_of(person.user)),
            ):
                parameters = [str(value) for value in notice.whatsapp.parameters()]
            message = WhatsAppMessage.objects.create(
                event_id=event.pk,
                kind=notice.kind,
                recipient=person.user,
                partner=notice.partner,
                run=notice.run,
                to_number=person.member.phone,
                template=notice.whatsapp.name,
                language=whatsapp.language_code(language),
                parameters=parameters,
                created_at=event.occurred_at or timezone.now(),
            )
            publish(
                EventName.NOTIFICATION_WHATSAPP_QUEUED,
                {
                    "whatsapp_message_id": message.pk,
                    "kind": notice.kind,
                    "run_id": notice.run.pk if notice.run else None,
                    "partner_id": notice.partner.pk if notice.partner else None,
                },
                aggregate_type="whatsapp_message",
                aggregate_id=message.pk,
            )
            queued += 1
        return queued


CHANNELS: tuple[Channel, ...] = (FeedChannel(), EmailChannel(), WhatsAppChannel())


@transaction.atomic
def notify(*, event: Event, notice: Notice, people: Iterable[Person]) -> dict[str, int]:
    """Tell `people` about `event` on every channel each of them chose. Returns counts per channel.

    The person who acted is never among them: nobody is told of their own action.
    """
    actor_id = services.actor_user_id(event)
    people = [person for person in people if person.user.pk != actor_id]
    return {
        channel.name: channel.queue(
            event=event,
            notice=notice,
            people=[person for person in people if channel.chooses(person, notice)],
        )
        for channel in CHANNELS
    }


def partner_people(partner: Partner | None, *, active_partner: bool = True) -> list[Person]:
    """The active members of `partner` (of an active partner only, unless told otherwise)."""
    if partner is None or (active_partner and not partner.is_active):
        return []
    members = PartnerMember.objects.filter(
        partner=partner, is_active=True, user__is_active=True
    ).select_related("user")
    return [Person(user=member.user, member=member) for member in members]


def admin_people() -> list[Person]:
    from django.contrib.auth import get_user_model

    admins = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")
    return [Person(user=user) for user in admins]
