"""Partners hear about work sent to them, cancelled or completed: feed entry and e-mail."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound
from loomworks.events import registry
from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.notifications import services
from loomworks.notifications.models import EmailState, Notification, OutgoingEmail
from loomworks.production import services as production
from tests.factories import MemberFactory, PartnerFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def dispatch(run, admin):
    return production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin).run


def mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def partner_feed(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("-created_at"))


def redeliver(event: Event) -> None:
    """Deliver `event` again through the outbox, as after a lost acknowledgement."""
    Delivery.objects.filter(event=event).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), lease_until=None
    )
    drain()


def test_work_sent_emails_each_active_member_once_and_never_an_inactive_one(team, make_run, admin):
    run = dispatch(make_run("approved", partner=team.partner), admin)
    drain()

    assert sorted(address for message in mail.outbox for address in message.to) == (
        team.mailed_addresses
    )
    assert mail_to(team.former.user.email) == []
    assert mail_to(team.quiet.user.email) == []  # turned e-mail off
    for member in (team.owner, team.manager, team.quiet):
        [entry] = partner_feed(member.user)
        assert entry.kind == "production_run.sent_to_partner"
        assert entry.run_id == run.pk
        assert entry.partner_id == team.partner.pk
        assert entry.read_at is None
    assert partner_feed(team.former.user) == []


def test_work_sent_email_names_the_run_design_quantity_due_date_role_and_links_to_it(
    team, make_run, admin, design
):
    run = make_run("approved", partner=team.partner, quantity=40)
    production.run_update(run=run, actor=admin, role="cutting", due_date=datetime.date(2031, 3, 14))
    run = dispatch(run, admin)
    drain()

    [message] = mail_to(team.owner.user.email)
    link = f"http://testserver/partner/production-runs/{run.pk}/"
    assert run.reference in message.subject
    assert design.name in message.subject
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    for body in (message.body, html):
        assert run.reference in body
        assert design.name in body
        assert "40" in body
        assert "cutting" in body
        assert "March 14, 2031" in body
        assert link in body
        assert "Ana" in body
    [entry] = partner_feed(team.owner.user)
    assert entry.summary == (
        f"{run.reference} (cutting, 40 × {design.name}) was sent to you; it is due March 14, 2031."
    )


def test_event_delivered_twice_sends_no_second_email_and_no_second_entry(team, make_run, admin):
    run = dispatch(make_run("approved", partner=team.partner), admin)
    drain()
    sent = Event.objects.get(name="production_run.sent_to_partner", aggregate_id=run.pk)

    redeliver(sent)
    with transaction.atomic():  # the subscribers themselves, run again by hand
        for listener in registry.subscribers_for(sent.name):
            listener.handler(sent)
    drain()
    for queued in Event.objects.filter(name=services.EMAIL_QUEUED):
        redeliver(queued)

    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.count() == 2
    assert Notification.objects.filter(event_id=sent.pk).count() == 3


def test_each_email_event_sends_only_its_own_email(team, make_run, admin):
    dispatch(make_run("approved", partner=team.partner), admin)
    drain()
    first = Event.objects.filter(name=services.EMAIL_QUEUED).first()
    mail.outbox.clear()

    redeliver(first)

    assert mail.outbox == []
    assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {EmailState.SENT}


def test_reassigning_a_sent_run_tells_the_new_partner_as_if_newly_sent(
    team, workshop, make_run, admin
):
    run = dispatch(make_run("approved", partner=workshop.partner), admin)
    drain()
    mail.outbox.clear()

    production.run_reassign(run=run, partner=team.partner, actor=admin)
    drain()

    assert sorted(a for m in mail.outbox for a in m.to) == team.mailed_addresses
    [message] = mail_to(team.owner.user.email)
    assert "It is yours now" in message.body
    [entry] = partner_feed(team.owner.user)
    assert entry.kind == "production_run.partner_reassigned"
    assert "was sent to you" in entry.summary
    assert len(partner_feed(workshop.user)) == 1  # the old partner only had the first notice


def test_a_run_reassigned_before_its_notice_went_out_is_announced_only_to_the_new_partner(
    team, workshop, make_run, admin
):
    run = dispatch(make_run("approved", partner=workshop.partner), admin)
    production.run_reassign(run=run, partner=team.partner, actor=admin)
    drain()

    assert mail_to(workshop.user.email) == []
    assert partner_feed(workshop.user) == []
    assert len(mail_to(team.owner.user.email)) == 1


def test_reassigning_a_run_not_yet_sent_tells_nobody_until_it_is_dispatched(
    team, workshop, make_run, admin
):
    run = make_run("approved", partner=workshop.partner)
    production.run_reassign(run=run, partner=team.partner, actor=admin)
    drain()
    assert mail.outbox == []

    dispatch(run, admin)
    drain()
    assert len(mail_to(team.owner.user.email)) == 1
    assert mail_to(workshop.user.email) == []


def test_cancelling_a_sent_run_tells_the_partner_with_the_reason(team, make_run, admin):
    run = dispatch(make_run("approved", partner=team.partner), admin)
    drain()
    mail.outbox.clear()

    production.run_cancel(run=run, actor=admin, reason="Fabric recalled by the mill")
    drain()

    assert sorted(a for m in mail.outbox for a in m.to) == team.mailed_addresses
    [message] = mail_to(team.owner.user.email)
    assert message.subject.startswith(f"Cancelled: {run.reference}")
    assert "Fabric recalled by the mill" in message.body
    entry = partner_feed(team.owner.user)[0]
    assert entry.kind == "production_run.cancelled"
    assert entry.summary.startswith("The brand cancelled ")
    assert entry.summary.endswith(": Fabric recalled by the mill.")


def test_cancelling_a_run_the_partner_never_saw_tells_nobody(team, make_run, admin):
    run = make_run("pending_review", partner=team.partner)
    production.run_cancel(run=run, actor=admin, reason="changed our mind")
    drain()

    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=team.owner.user).exists()


def test_completing_a_run_tells_the_partner(team, make_run, admin):
    run = make_run("in_progress", partner=team.partner, actor=team.actor)
    drain()
    mail.outbox.clear()

    production.run_complete(run=run, actor=admin)
    drain()

    assert sorted(a for m in mail.outbox for a in m.to) == team.mailed_addresses
    assert mail_to(team.owner.user.email)[0].subject.startswith(f"Completed: {run.reference}")
    assert partner_feed(team.owner.user)[0].kind == "production_run.completed"


def test_another_partner_hears_nothing(team, workshop, make_run, admin):
    dispatch(make_run("approved", partner=team.partner), admin)
    drain()

    assert mail_to(workshop.user.email) == []
    assert partner_feed(workshop.user) == []


def test_member_who_turns_email_off_keeps_the_feed(team, make_run, admin):
    services.member_email_notifications_set(member=team.owner, enabled=False, actor=team.actor)
    dispatch(make_run("approved", partner=team.partner), admin)
    drain()

    assert mail_to(team.owner.user.email) == []
    assert len(partner_feed(team.owner.user)) == 1
    team.owner.refresh_from_db()
    assert team.owner.email_notifications is False


def test_email_turned_off_after_it_was_queued_is_not_sent(team, make_run, admin):
    dispatch(make_run("approved", partner=team.partner), admin)
    with transaction.atomic():
        registry.get("notifications.partner_notice").handler(
            Event.objects.get(name="production_run.sent_to_partner")
        )
    services.member_email_notifications_set(member=team.owner, enabled=False, actor=team.actor)
    drain()

    assert mail_to(team.owner.user.email) == []
    assert OutgoingEmail.objects.get(recipient=team.owner.user).state == EmailState.SKIPPED
    assert len(mail_to(team.manager.user.email)) == 1


def test_a_member_cannot_change_another_members_email_setting(team):
    other = Actor.partner(team.manager.user, team.partner)
    with pytest.raises(NotFound):
        services.member_email_notifications_set(member=team.owner, enabled=False, actor=other)
    team.owner.refresh_from_db()
    assert team.owner.email_notifications is True


def test_a_brand_admin_can_change_a_members_email_setting(team, admin):
    services.member_email_notifications_set(member=team.owner, enabled=False, actor=admin)
    team.owner.refresh_from_db()
    assert team.owner.email_notifications is False


def test_dispatching_to_a_partner_whose_members_all_left_sends_nothing(make_run, admin):
    partner = PartnerFactory()
    dispatch(make_run("approved", partner=partner), admin)
    drain()
    assert mail.outbox == []


def test_plain_text_email_reads_cleanly(team, make_run, admin):
    run = make_run("approved", partner=team.partner, quantity=12)
    run = dispatch(run, admin)
    drain()

    [message] = mail_to(team.owner.user.email)
    assert "\n\n\n" not in message.body
    assert "<" not in message.body  # no markup, nothing escaped
    assert message.body.startswith("Hello Ana,\n\nThe brand has sent production run ")
    assert "Quantity: 12\nDue: no date set\n\nOpen the run" in message.body


def test_names_are_escaped_in_html_and_left_alone_in_plain_text(make_run, admin):
    member = MemberFactory(partner=PartnerFactory(name="Stitch & Co"))
    dispatch(make_run("approved", partner=member.partner), admin)
    drain()

    [message] = mail.outbox
    [(html, _mimetype)] = message.alternatives
    assert "Stitch & Co" in message.subject
    assert "member of Stitch & Co on Loomworks" in message.body
    assert "member of Stitch &amp; Co on Loomworks" in html
