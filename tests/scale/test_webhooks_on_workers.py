"""Outgoing webhooks sent by real Celery workers: a run's whole life reaches a receiver on
localhost in order, each event once, though two workers share the outbox and the receiver
fails once."""

import json

import pytest

from loomworks.integrations import webhooks
from loomworks.integrations.models import WebhookDelivery
from loomworks.production import services
from tests.factories import TemplateFactory
from tests.integrations.conftest import Receiver
from tests.integrations.test_webhooks import verify_standard_webhook
from tests.integrations.test_webhooks_end_to_end import LIFE
from tests.scale.conftest import needs_workers, wait_for

pytestmark = [*needs_workers, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def test_workers_send_a_runs_life_in_order_each_once(
    start_worker, receiver, admin, workshop, design
):
    endpoint = webhooks.webhook_endpoint_create(url=receiver.url, events=LIFE, actor=admin)
    start_worker(
        "w1",
        "w2",
        WEBHOOKS_ALLOW_PRIVATE=1,
        EVENTS_RETRY_BASE_SECONDS=0.2,
        EVENTS_SWEEP_SECONDS=1,
        EVENTS_LEASE_SECONDS=30,
    )
    receiver.answers = [200, 200, 200, 503]  # "accepted" fails once

    run = services.run_create(design=design, actor=admin, quantity=5, partner=workshop.partner)
    run = services.run_approve(run=run, actor=admin).run
    run = services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin).run
    run = services.run_accept(run=run, actor=workshop.actor)
    run = services.run_start(run=run, actor=workshop.actor)
    run = services.run_finish(run=run, actor=workshop.actor)
    services.run_complete(run=run, actor=workshop.actor)

    wait_for(
        lambda: WebhookDelivery.objects.filter(state="delivered").count() == len(LIFE),
        timeout=90,
        what="every webhook delivered",
    )
    delivered = [r for r in receiver.requests if r["status"] < 300]
    assert [json.loads(r["body"])["type"] for r in delivered] == LIFE
    assert len({r["headers"]["webhook-id"] for r in delivered}) == len(LIFE)
    assert [r["status"] for r in receiver.requests].count(503) == 1
    for request in receiver.requests:
        assert verify_standard_webhook(endpoint.secret, request["headers"], request["body"])
