"""A run gone late reaches the webhook endpoints that asked for `production_run.late`."""

import datetime
import json

import pytest

from loomworks.events.api import drain
from loomworks.integrations import webhooks
from tests.integrations.conftest import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    server = Receiver()
    yield server
    server.close()


def test_the_late_mark_is_posted_once_to_an_endpoint_with_the_date_it_missed(
    clock, tick, make_run, workshop, admin, receiver
):
    webhooks.webhook_endpoint_create(
        url=receiver.url, events=["production_run.late"], description="ERP", actor=admin
    )
    today = clock.now.date()
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=today)
    drain()
    assert receiver.types() == []  # it asked only for late runs

    clock.shift(days=1)
    tick()
    clock.shift(days=1)
    tick()

    [request] = receiver.requests
    body = json.loads(request["body"])
    assert body["type"] == "production_run.late"
    assert body["data"]["run_id"] == run.pk
    assert body["data"]["missed_date"] == today.isoformat()
    assert body["data"]["deadline"] == "due"
    assert (today + datetime.timedelta(days=1)).isoformat() in body["timestamp"]
