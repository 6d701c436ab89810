"""GET /healthz (the process is up) and GET /readyz (fit for traffic), for load balancers."""

import os
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from loomworks.events.models import Delivery, Event

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_probes_answer_a_load_balancer_that_calls_by_ip_address(settings):
    settings.ALLOWED_HOSTS = ["loomworks.example.com"]
    probe = Client(HTTP_HOST="10.0.0.7:8000")
    assert probe.get("/healthz").status_code == 200
    assert probe.get("/readyz").status_code == 200
    assert probe.get("/login").status_code == 400  # everything else still checks the host


def test_probes_need_no_login_and_set_no_cookie(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert not response.cookies


def test_probes_refuse_other_methods(client):
    assert client.post("/healthz").status_code == 405


def test_readyz_is_ready_when_every_check_passes(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "detail": "all applied"}
    assert body["checks"]["outbox"]["ok"] is True
    assert "broker" not in body["checks"]  # events run inline: there is no broker to ask


def test_readyz_is_not_ready_while_migrations_are_missing(client):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'events'")
    response = client.get("/readyz")
    checks = response.json()["checks"]
    assert response.status_code == 503
    assert checks["migrations"]["ok"] is False
    assert "events.0001_initial" in checks["migrations"]["detail"]


def _delivery_due_since(seconds: float) -> Delivery:
    event = Event.objects.create(name="test.lagging", payload={})
    return Delivery.objects.create(
        event=event,
        subscriber="tests.nobody",
        next_attempt_at=timezone.now() - timedelta(seconds=seconds),
    )


def test_readyz_is_not_ready_when_the_outbox_lags_past_the_threshold(client, settings):
    settings.READY_OUTBOX_LAG_SECONDS = 60
    _delivery_due_since(30)
    assert client.get("/readyz").status_code == 200
    _delivery_due_since(600)
    response = client.get("/readyz")
    outbox = response.json()["checks"]["outbox"]
    assert response.status_code == 503
    assert outbox["ok"] is False
    assert outbox["lag_seconds"] >= 600
    assert outbox["threshold_seconds"] == 60


def test_a_delivery_waiting_for_its_retry_is_not_lag(client, settings):
    settings.READY_OUTBOX_LAG_SECONDS = 60
    _delivery_due_since(-3600)  # its next attempt is an hour away
    assert client.get("/readyz").json()["checks"]["outbox"]["lag_seconds"] == 0


def test_with_celery_readyz_is_not_ready_when_the_broker_is_unreachable(client, settings):
    from loomworks.celery import app

    settings.EVENTS_BACKEND = "celery"
    settings.READY_BROKER_TIMEOUT = 0.5
    previous, app.conf.broker_url = app.conf.broker_url, "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = previous
    broker = response.json()["checks"]["broker"]
    assert response.status_code == 503
    assert broker["ok"] is False
    assert "127.0.0.1:1" in broker["detail"]


@pytest.mark.skipif(
    not os.environ.get("LOOMWORKS_TEST_REDIS_URL"),
    reason="needs a Redis: set LOOMWORKS_TEST_REDIS_URL (redis://…/<db>)",
)
def test_with_celery_readyz_is_ready_when_the_broker_answers(client, settings):
    from loomworks.celery import app

    settings.EVENTS_BACKEND = "celery"
    previous, app.conf.broker_url = app.conf.broker_url, os.environ["LOOMWORKS_TEST_REDIS_URL"]
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["ok"] is True


def test_a_failing_readyz_poll_writes_no_log_line(client, console_log, settings):
    settings.READY_OUTBOX_LAG_SECONDS = 1
    _delivery_due_since(600)
    assert client.get("/readyz").status_code == 503
    assert console_log.getvalue() == ""
