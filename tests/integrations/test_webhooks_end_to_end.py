"""End to end: a real HTTP receiver on localhost gets the signed events of one run's
whole life, in order, each once, through the outbox as the app works it."""

import json

import pytest

from loomworks.events.api import drain
from loomworks.production import services
from tests.factories import TemplateFactory
from tests.integrations.test_webhooks import verify_standard_webhook

pytestmark = pytest.mark.django_db

LIFE = [
    "production_run.created",
    "production_run.approved",
    "production_run.sent_to_partner",
    "production_run.accepted",
    "production_run.started",
    "production_run.finished",
    "production_run.completed",
]


def test_a_receiver_gets_a_runs_whole_life_signed_in_order_each_once(
    receiver, endpoint_for, admin, workshop, design
):
    endpoint = endpoint_for(receiver.url, events=LIFE)

    # The brand's side, with the outbox worked after each step.
    run = services.run_create(design=design, actor=admin, quantity=5, partner=workshop.partner)
    drain()
    run = services.run_approve(run=run, actor=admin).run
    drain()
    run = services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin).run
    drain()
    # The workshop's side in a burst, while the receiver stumbles once (502 to "accepted"):
    # the rest waits for it, then follows in order.
    receiver.answers = [502]
    run = services.run_accept(run=run, actor=workshop.actor)
    run = services.run_start(run=run, actor=workshop.actor)
    run = services.run_finish(run=run, actor=workshop.actor)
    run = services.run_complete(run=run, actor=workshop.actor)
    drain(ignore_backoff=True)

    delivered = [r for r in receiver.requests if r["status"] < 300]
    assert [json.loads(r["body"])["type"] for r in delivered] == LIFE
    assert [r["status"] for r in receiver.requests].count(502) == 1
    ids = [r["headers"]["webhook-id"] for r in delivered]
    assert len(set(ids)) == len(LIFE)  # each once, each its own message
    for request in receiver.requests:
        assert verify_standard_webhook(endpoint.secret, request["headers"], request["body"])
        assert json.loads(request["body"])["data"]["run_id"] == run.pk

    # Nothing is left to send, and working the outbox again sends nothing more.
    drain(ignore_backoff=True)
    assert len(receiver.requests) == len(LIFE) + 1
