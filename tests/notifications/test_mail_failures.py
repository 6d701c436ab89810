"""A failing mail server never fails the action; e-mails are retried one by one and reported."""

import pytest
from django.core import mail

from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState
from loomworks.notifications.models import EmailState, Notification, OutgoingEmail
from loomworks.notifications.subscribers import SEND_EMAIL_SUBSCRIBER
from loomworks.production import services as production
from loomworks.production.models import RunStatus
from tests.factories import MemberFactory, TemplateFactory, UserFactory
from tests.notifications.backends import TransactionWatchingBackend

pytestmark = pytest.mark.django_db


def email_deliveries():
    return Delivery.objects.filter(subscriber=SEND_EMAIL_SUBSCRIBER)


def test_dispatch_succeeds_while_the_smtp_server_refuses_and_admins_see_the_failure(
    settings, team, make_run, admin, admin_user, closed_port
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EVENTS_MAX_ATTEMPTS = 3
    settings.EVENTS_RETRY_BASE_SECONDS = 60  # retries wait, until drain(ignore_backoff=True)
    run = make_run("approved", partner=team.partner)

    run = production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin).run
    assert run.status == RunStatus.SENT_TO_PARTNER

    drain()  # first attempt: refused, scheduled for a retry
    assert {d.state for d in email_deliveries()} == {DeliveryState.PENDING}
    assert {d.attempts for d in email_deliveries()} == {1}
    assert all("Connection refused" in d.last_error for d in email_deliveries())
    assert not Notification.objects.filter(kind="outbox.delivery_dead").exists()
    # The partner's feed does not wait for the mail server.
    assert Notification.objects.filter(recipient=team.owner.user, run=run).exists()

    drain(ignore_backoff=True)  # the retries, until the last one gives up

    assert {d.state for d in email_deliveries()} == {DeliveryState.DEAD}
    assert {d.attempts for d in email_deliveries()} == {3}
    assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {EmailState.FAILED}
    dead = Notification.objects.filter(recipient=admin_user, kind="outbox.delivery_dead")
    assert sorted(entry.summary.split(" about ")[0] for entry in dead) == sorted(
        f"The e-mail to {address}" for address in team.mailed_addresses
    )
    for entry in dead:
        assert entry.run_id == run.pk
        assert f"about {run.reference} could not be sent after 3 attempts" in entry.summary
        assert "Connection refused" in entry.summary
    run.refresh_from_db()
    assert run.status == RunStatus.SENT_TO_PARTNER


def test_one_refused_address_is_retried_alone_and_never_resends_to_the_others(
    settings, team, make_run, admin, admin_user
):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    settings.EVENTS_MAX_ATTEMPTS = 4
    bouncing = MemberFactory(
        partner=team.partner, user=UserFactory(email="bounce@atelier-nord.test")
    )
    run = make_run("approved", partner=team.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)

    drain(ignore_backoff=True)

    assert sorted(a for m in mail.outbox for a in m.to) == team.mailed_addresses
    statuses = dict(OutgoingEmail.objects.values_list("to_address", "state"))
    assert statuses.pop(bouncing.user.email) == EmailState.FAILED
    assert set(statuses.values()) == {EmailState.SENT}
    [dead] = Notification.objects.filter(recipient=admin_user, kind="outbox.delivery_dead")
    assert dead.summary.startswith("The e-mail to bounce@atelier-nord.test about ")
    assert "after 4 attempts" in dead.summary
    assert "Mailbox unavailable" in dead.summary


def test_mail_that_works_on_a_later_attempt_is_sent_once(
    settings, team, make_run, admin, admin_user
):
    settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
    settings.EVENTS_RETRY_BASE_SECONDS = 60
    bouncing = MemberFactory(partner=team.partner, user=UserFactory(email="bounce@later.test"))
    run = make_run("approved", partner=team.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()
    assert OutgoingEmail.objects.get(recipient=bouncing.user).state == EmailState.QUEUED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    drain(ignore_backoff=True)

    assert sorted(a for m in mail.outbox for a in m.to) == sorted(
        [*team.mailed_addresses, bouncing.user.email]
    )
    assert OutgoingEmail.objects.get(recipient=bouncing.user).state == EmailState.SENT
    assert not Notification.objects.filter(kind="outbox.delivery_dead").exists()


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_waited_on_outside_any_database_transaction(
    settings, team, make_run, admin
):
    """On SQLite an open transaction would hold the only write lock while SMTP answers."""
    settings.EMAIL_BACKEND = "tests.notifications.backends.TransactionWatchingBackend"
    TransactionWatchingBackend.seen_in_transaction.clear()
    run = make_run("approved", partner=team.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)

    drain()

    assert sorted(a for m in mail.outbox for a in m.to) == team.mailed_addresses
    assert TransactionWatchingBackend.seen_in_transaction == [False, False]
    assert set(OutgoingEmail.objects.values_list("state", flat=True)) == {EmailState.SENT}
    assert {d.state for d in email_deliveries()} == {DeliveryState.DONE}


def test_a_redelivered_email_after_it_was_sent_sends_nothing(settings, team, make_run, admin):
    run = make_run("approved", partner=team.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()
    assert len(mail.outbox) == 2

    for delivery in email_deliveries():  # as if each message reached a worker twice
        Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.PENDING)
    drain()

    assert len(mail.outbox) == 2
    assert {d.state for d in email_deliveries()} == {DeliveryState.DONE}
