"""Outgoing webhooks: signed the Standard Webhooks way, sent after commit, in order per run,
retried with back-off, logged, replayable, disabled when they keep failing, never to a
private address unless allowed."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState
from loomworks.integrations import webhooks
from loomworks.integrations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from loomworks.integrations.sending import post_signed, signature_headers
from loomworks.notifications.models import Notification
from loomworks.production import services

pytestmark = pytest.mark.django_db


def verify_standard_webhook(secret: str, headers: dict, body: bytes, *, tolerance=300) -> bool:
    """The receiver's check, written from the Standard Webhooks specification, not our code:
    HMAC-SHA256, keyed with the base64-decoded part of `whsec_…`, over
    `{webhook-id}.{webhook-timestamp}.{body}`; `webhook-signature` holds space-separated
    `v1,<base64>` signatures; the timestamp must be within the tolerance of now."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


# ---------------------------------------------------------------- signatures


def test_our_signature_verifies_with_an_independent_implementation():
    secret = webhooks.secret_new()
    body = json.dumps({"type": "production_run.created", "data": {"run_id": "run_1"}})
    headers = signature_headers(
        secret=secret, message_id="msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body=body, at=_now()
    )
    assert headers["webhook-signature"].startswith("v1,")
    assert verify_standard_webhook(secret, headers, body.encode())
    # Any change to the body, the id or the secret breaks it.
    assert not verify_standard_webhook(secret, headers, body.encode() + b" ")
    assert not verify_standard_webhook(
        secret, {**headers, "webhook-id": "msg_other"}, body.encode()
    )
    assert not verify_standard_webhook(webhooks.secret_new(), headers, body.encode())


def test_the_specification_example_checks_out_with_the_independent_check():
    """The example message of the Standard Webhooks specification, signed by our sender."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = '{"test": 2432232314}'
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(1614265330, tz=UTC)
    headers = signature_headers(
        secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body=body, at=at
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert verify_standard_webhook(secret, headers, body.encode(), tolerance=10**10)


def _now():
    from datetime import UTC, datetime

    return datetime.now(tz=UTC)


# ---------------------------------------------------------------- registration and SSRF


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8104/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "http://100.64.0.1/hooks",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(url, admin):
    with pytest.raises(InvalidInput) as refused:
        webhooks.webhook_endpoint_create(url=url, events=["production_run.created"], actor=admin)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


def test_a_loopback_target_is_accepted_when_the_setting_allows_it(allow_private, admin):
    endpoint = webhooks.webhook_endpoint_create(
        url="http://127.0.0.1:8104/hooks", events=["production_run.created"], actor=admin
    )
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32


@pytest.mark.parametrize(
    ("url", "field"),
    [("ftp://example.com/x", "url"), ("https://user:pw@example.com/x", "url"), ("", "url")],
)
def test_urls_that_are_not_webhook_targets_are_refused(url, field, admin):
    with pytest.raises(InvalidInput) as refused:
        webhooks.webhook_endpoint_create(url=url, events=["production_run.created"], actor=admin)
    assert refused.value.field == field


def test_unknown_events_are_refused(allow_private, admin):
    with pytest.raises(InvalidInput) as refused:
        webhooks.webhook_endpoint_create(
            url="http://127.0.0.1/x", events=["production_run.exploded"], actor=admin
        )
    assert refused.value.field == "events"


def test_a_send_to_a_private_address_is_refused_even_if_registered_earlier(settings, receiver):
    """The check runs again at send time (a host's addresses can change after registration)."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    result = post_signed(
        url=receiver.url, secret=webhooks.secret_new(), message_id="msg_1", body="{}"
    )
    assert not result.succeeded
    assert "private" in result.error
    assert receiver.requests == []


def test_redirects_are_not_followed(receiver):
    receiver.answers = [302]
    result = post_signed(
        url=receiver.url, secret=webhooks.secret_new(), message_id="msg_1", body="{}"
    )
    assert (result.succeeded, result.response_code) == (False, 302)
    assert "Redirects are not followed" in result.error
    assert len(receiver.requests) == 1  # the Location was not visited


# ---------------------------------------------------------------- sending from the outbox


def test_an_endpoint_gets_only_the_events_it_asked_for_signed_and_after_commit(
    receiver, endpoint_for, make_run, admin
):
    endpoint = endpoint_for(receiver.url, events=["production_run.approved"])
    run = make_run("pending_review")
    services.run_approve(run=run, actor=admin)
    assert receiver.requests == []  # nothing leaves before the outbox is worked

    drain()

    (request,) = receiver.requests
    body = json.loads(request["body"])
    assert body["type"] == "production_run.approved"
    assert body["data"]["run_id"] == run.pk
    assert verify_standard_webhook(endpoint.secret, request["headers"], request["body"])
    delivery = WebhookDelivery.objects.get()
    assert request["headers"]["webhook-id"] == delivery.pk
    assert (delivery.state, delivery.last_response_code, delivery.attempts) == ("delivered", 200, 1)


def test_a_failing_endpoint_gets_the_event_once_it_recovers_in_order_per_run(
    receiver, endpoint_for, make_run, admin, settings
):
    settings.EVENTS_RETRY_BASE_SECONDS = 60  # no retry comes due until the test says so
    endpoint_for(receiver.url, events=["production_run.created", "production_run.approved"])
    receiver.answers = [500]
    run = make_run("pending_review")
    services.run_approve(run=run, actor=admin)

    drain()  # "created" fails with 500; "approved" waits behind it

    assert [r["status"] for r in receiver.requests] == [500]
    created, approved = WebhookDelivery.objects.order_by("sequence")
    assert (created.state, created.last_response_code) == ("pending", 500)
    assert (approved.state, approved.attempts) == ("pending", 0)

    drain(ignore_backoff=True)  # the retry: the endpoint answers 200 now

    assert receiver.types() == [
        "production_run.created",
        "production_run.created",
        "production_run.approved",
    ]
    assert receiver.types(succeeded_only=True) == [
        "production_run.created",
        "production_run.approved",
    ]
    # The retry is the same message: the same webhook-id, a fresh signature.
    first, second, _third = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_each_try_is_in_the_delivery_log(receiver, endpoint_for, make_run):
    endpoint_for(receiver.url)
    receiver.answers = [503, 200]
    make_run("pending_review")
    drain(ignore_backoff=True)
    attempts = list(WebhookAttempt.objects.order_by("attempted_at", "id"))
    assert [(a.succeeded, a.response_code) for a in attempts] == [(False, 503), (True, 200)]
    assert all(a.duration_ms >= 0 for a in attempts)
    assert '"received": false' in attempts[0].response_excerpt


def test_runs_do_not_wait_for_each_other(receiver, endpoint_for, make_run, settings):
    """Order is kept per run: one run's failing message holds back only that run's next ones."""
    settings.EVENTS_RETRY_BASE_SECONDS = 60
    endpoint_for(receiver.url, events=["production_run.created"])
    receiver.answers = [500]
    runs = {make_run("pending_review").pk, make_run("pending_review").pk}
    drain()
    assert sorted(r["status"] for r in receiver.requests) == [200, 500]
    drain(ignore_backoff=True)
    sent = [(json.loads(r["body"])["data"]["run_id"], r["status"]) for r in receiver.requests]
    (failed_run,) = [run for run, status in sent if status == 500]
    other_run = (runs - {failed_run}).pop()
    # The other run's message went out first time, before the failed one's retry.
    assert sent.index((other_run, 200)) < sent.index((failed_run, 200))


def test_a_message_that_fails_every_attempt_lets_the_next_one_go(
    receiver, endpoint_for, make_run, admin, settings
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    endpoint_for(receiver.url, events=["production_run.created", "production_run.approved"])
    receiver.answers = [500, 500]
    run = make_run("pending_review")
    services.run_approve(run=run, actor=admin)
    drain(ignore_backoff=True)
    created, approved = WebhookDelivery.objects.order_by("sequence")
    assert (created.state, created.attempts) == ("failed", 2)
    assert approved.state == "delivered"
    # The outbox did not count these as dead deliveries: the send gave up by itself.
    assert not Delivery.objects.filter(state=DeliveryState.DEAD).exists()


def test_an_endpoint_that_keeps_failing_is_disabled_and_the_admins_are_told(
    receiver, endpoint_for, make_run, admin_user, settings
):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    settings.WEBHOOKS_DISABLE_AFTER = 2
    endpoint = endpoint_for(receiver.url)
    receiver.answers = [500] * 10
    for _ in range(3):
        make_run("pending_review")
    drain(ignore_backoff=True)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "2 deliveries in a row" in endpoint.disabled_reason
    assert len(receiver.requests) == 2  # the third waits for the endpoint to come back
    (notice,) = Notification.objects.filter(recipient=admin_user, kind="webhook.endpoint_disabled")
    assert endpoint.url in notice.summary

    # Enabled again: what waited is sent.
    receiver.answers = []
    webhooks.webhook_endpoint_update(endpoint=endpoint, enabled=True, actor=_admin(admin_user))
    drain()
    assert len(receiver.requests) == 3
    states = sorted(WebhookDelivery.objects.values_list("state", flat=True))
    assert states == ["delivered", "failed", "failed"]


def test_a_delivery_can_be_replayed_with_the_same_id(receiver, endpoint_for, make_run, admin):
    endpoint = endpoint_for(receiver.url)
    make_run("pending_review")
    drain()
    delivery = WebhookDelivery.objects.get()

    webhooks.webhook_delivery_replay(delivery=delivery, actor=admin)
    drain()

    first, again = receiver.requests
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"] == delivery.pk
    assert first["body"] == again["body"]
    assert verify_standard_webhook(endpoint.secret, again["headers"], again["body"])
    assert [a.replay for a in WebhookAttempt.objects.order_by("attempted_at", "id")] == [
        False,
        True,
    ]
    assert AuditEntry.objects.filter(action="webhook.delivery_replayed").count() == 1


def test_a_disabled_endpoint_cannot_replay(receiver, endpoint_for, make_run, admin):
    endpoint = endpoint_for(receiver.url)
    make_run("pending_review")
    drain()
    webhooks.webhook_endpoint_update(endpoint=endpoint, enabled=False, actor=admin)
    with pytest.raises(Conflict):
        webhooks.webhook_delivery_replay(delivery=WebhookDelivery.objects.get(), actor=admin)


def test_a_redelivered_event_makes_no_second_message(receiver, endpoint_for, make_run):
    endpoint_for(receiver.url)
    make_run("pending_review")
    drain()
    Delivery.objects.update(state=DeliveryState.PENDING, attempts=0, finished_at=None)
    drain()
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_events_before_an_endpoint_existed_are_not_sent(receiver, endpoint_for, make_run):
    make_run("pending_review")
    drain()
    endpoint_for(receiver.url)
    drain()
    assert receiver.requests == []


def _admin(user):
    from loomworks.core.actors import Actor

    return Actor.admin(user)
