"""The WhatsApp channel: the documented request, retries on 5xx, a final refusal on 4xx shown to admins.

The Cloud API is stood in for by a local HTTP server (`whatsapp_server.py`)
that checks each request's shape and answers as the API documents.
"""

import socket

import pytest
from django.utils import timezone

from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState
from loomworks.notifications import whatsapp
from loomworks.notifications.models import Notification, WhatsAppMessage, WhatsAppState
from loomworks.production import services as production
from tests.factories import TemplateFactory
from tests.notifications.whatsapp_server import (
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeWhatsApp,
    error_body,
)

pytestmark = pytest.mark.django_db

PHONE = "+351912345678"


@pytest.fixture
def api(settings):
    settings.EVENTS_RETRY_BASE_SECONDS = 60  # retries wait for the test's `retry_now()`
    fake = FakeWhatsApp().start()
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_API_URL = fake.url
    settings.WHATSAPP_API_VERSION = VERSION
    settings.WHATSAPP_TIMEOUT = 2
    yield fake
    fake.stop()


@pytest.fixture
def member_on_whatsapp(team):
    member = team.owner
    member.phone = PHONE
    member.whatsapp_consent = True
    member.whatsapp_consent_at = timezone.now()
    member.save()
    return member


def send_work(run, admin):
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)


def retry_now() -> None:
    """Make waiting retries due now (the back-off has passed) and work them."""
    Delivery.objects.filter(state=DeliveryState.PENDING).update(next_attempt_at=timezone.now())
    drain()


def test_work_sent_goes_to_a_consenting_member_as_the_documented_template_request(
    api, team, member_on_whatsapp, make_run, admin
):
    run = make_run("approved", partner=team.partner)
    send_work(run, admin)
    drain()

    [request] = api.requests
    assert request["path"] == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    body = request["body"]
    assert body["messaging_product"] == "whatsapp"
    assert body["type"] == "template"
    assert body["to"] == PHONE
    assert body["template"]["name"] == "loomworks_run_sent"
    assert body["template"]["language"] == {"code": "en"}
    [component] = body["template"]["components"]
    texts = [parameter["text"] for parameter in component["parameters"]]
    assert texts[0] == run.reference
    assert texts[-1] == f"http://testserver/partner/production-runs/{run.pk}/"

    [message] = WhatsAppMessage.objects.all()
    assert message.state == WhatsAppState.SENT
    assert message.provider_message_id.startswith("wamid.")
    assert message.recipient == member_on_whatsapp.user


def test_members_without_consent_or_number_get_no_whatsapp(api, team, make_run, admin):
    team.manager.phone = PHONE  # a number, but no consent
    team.manager.save()
    send_work(make_run("approved", partner=team.partner), admin)
    drain()
    assert api.requests == []
    assert not WhatsAppMessage.objects.exists()


def test_whatsapp_is_off_unless_configured(settings, team, member_on_whatsapp, make_run, admin):
    settings.WHATSAPP_TOKEN = ""
    send_work(make_run("approved", partner=team.partner), admin)
    drain()
    assert not WhatsAppMessage.objects.exists()


def test_a_portuguese_member_gets_the_template_in_european_portuguese(
    api, team, member_on_whatsapp, make_run, admin
):
    user = member_on_whatsapp.user
    user.language = "pt"
    user.save()
    send_work(make_run("approved", partner=team.partner), admin)
    drain()
    [request] = api.requests
    assert request["body"]["template"]["language"] == {"code": "pt_PT"}


def test_a_hindi_member_gets_the_hindi_template_with_hindi_values(
    api, team, member_on_whatsapp, make_run, admin
):
    user = member_on_whatsapp.user
    user.language = "hi"
    user.save()
    run = make_run("approved", partner=team.partner)
    send_work(run, admin)
    drain()
    [request] = api.requests
    assert request["body"]["template"]["language"] == {"code": "hi"}
    [component] = request["body"]["template"]["components"]
    texts = [parameter["text"] for parameter in component["parameters"]]
    assert texts[0] == run.reference
    assert any("×" in text for text in texts), texts


def test_a_server_error_is_retried_and_the_message_goes_once(
    api, team, member_on_whatsapp, make_run, admin
):
    api.answer_next(500, error_body(2, "Service temporarily unavailable", "", "OAuthException"))
    api.answer_next(503, {})
    send_work(make_run("approved", partner=team.partner), admin)
    drain()
    [message] = WhatsAppMessage.objects.all()
    assert message.state == WhatsAppState.QUEUED
    [delivery] = Delivery.objects.filter(subscriber="notifications.send_queued_whatsapp")
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert "500" in delivery.last_error

    retry_now()
    retry_now()
    message.refresh_from_db()
    assert message.state == WhatsAppState.SENT
    assert len(api.requests) == 3
    retry_now()
    assert len(api.requests) == 3  # sent: never again


def test_a_refusal_is_final_and_its_error_is_shown_to_the_admins(
    api, team, member_on_whatsapp, make_run, admin, admin_user
):
    api.answer_next(
        400,
        error_body(
            131026,
            "(#131026) Message undeliverable",
            "Unable to deliver message: the recipient is not on WhatsApp.",
        ),
    )
    run = make_run("approved", partner=team.partner)
    send_work(run, admin)
    drain()
    retry_now()

    [message] = WhatsAppMessage.objects.all()
    assert message.state == WhatsAppState.FAILED
    assert message.error_code == "131026"
    assert "Message undeliverable" in message.error
    assert len(api.requests) == 1  # given up at once: no retry of a 4xx
    [delivery] = Delivery.objects.filter(subscriber="notifications.send_queued_whatsapp")
    assert delivery.state == DeliveryState.DONE
    [entry] = Notification.objects.filter(recipient=admin_user, kind="notification.whatsapp_queued")
    assert "Message undeliverable" in entry.summary
    assert PHONE in entry.summary and run.reference in entry.summary


def test_a_server_that_never_recovers_ends_in_a_failed_message_the_admins_see(
    api, settings, team, member_on_whatsapp, make_run, admin, admin_user
):
    settings.EVENTS_MAX_ATTEMPTS = 3
    for _ in range(3):
        api.answer_next(502, {})
    send_work(make_run("approved", partner=team.partner), admin)
    drain()
    retry_now()
    retry_now()

    [message] = WhatsAppMessage.objects.all()
    assert message.state == WhatsAppState.FAILED
    assert "502" in message.error
    assert len(api.requests) == 3
    [entry] = Notification.objects.filter(recipient=admin_user, kind="outbox.delivery_dead")
    assert PHONE in entry.summary


def test_a_member_who_withdrew_consent_before_the_send_gets_nothing(
    api, team, member_on_whatsapp, make_run, admin
):
    send_work(make_run("approved", partner=team.partner), admin)
    from loomworks.events.api import run_delivery

    # Everything but the WhatsApp send, then the member says no more.
    for delivery in Delivery.objects.exclude(subscriber="notifications.send_queued_whatsapp"):
        run_delivery(delivery.pk)
    member_on_whatsapp.whatsapp_consent = False
    member_on_whatsapp.save()
    drain()
    assert api.requests == []
    assert WhatsAppMessage.objects.get().state == WhatsAppState.SKIPPED


# ---------------------------------------------------------------- no answer at all


@pytest.fixture
def configured(settings):
    settings.WHATSAPP_TOKEN = TOKEN
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_API_VERSION = VERSION
    settings.WHATSAPP_TIMEOUT = 0.3
    return settings


def _send():
    return whatsapp.send_template(
        to=PHONE, template="loomworks_run_late", language="fr", parameters=["PR-1"]
    )


def test_a_refused_connection_is_a_failure_to_try_again(configured):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        configured.WHATSAPP_API_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with pytest.raises(whatsapp.WhatsAppUnavailable):
        _send()


def test_a_server_that_never_answers_times_out_as_a_failure_to_try_again(configured):
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        configured.WHATSAPP_API_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(whatsapp.WhatsAppUnavailable):
            _send()
