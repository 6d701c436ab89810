"""GET /metrics: Prometheus text with requests by route, and the outbox read at scrape time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from loomworks.events.models import Delivery, DeliveryState, Event

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_served_to_this_machine_by_default(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content


def test_metrics_take_a_bearer_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    settings.METRICS_ALLOW_NETWORKS = []
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **far).status_code == 401
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **far).status_code == 401
    )
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}, **far)
    assert ok.status_code == 200


def test_metrics_allow_a_configured_network(client, settings):
    import ipaddress

    settings.METRICS_ALLOW_NETWORKS = [ipaddress.ip_network("10.1.0.0/16")]
    assert client.get("/metrics", REMOTE_ADDR="10.1.4.20").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.4.20").status_code == 403


def test_requests_are_counted_by_route_pattern_method_and_status(client, admin_user):
    before = scrape(client)
    route = "/api/admin/production-runs/<run_id>"
    client.get("/api/admin/production-runs/run_missing1")  # anonymous: 401
    client.get("/api/admin/production-runs/run_missing2")
    client.get("/no-such-page/")
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("loomworks_http_requests_total", route=route, method="GET", status="401") == 2
    assert (
        grew("loomworks_http_requests_total", route="<unmatched>", method="GET", status="404") == 1
    )
    assert grew("loomworks_http_request_duration_seconds_count", route=route, method="GET") == 2


def test_probes_are_not_counted(client):
    client.get("/healthz")
    client.get("/readyz")
    samples = scrape(client)
    assert not any("healthz" in str(key) or "readyz" in str(key) for key in samples)


def _delivery(state=DeliveryState.PENDING, due_seconds_ago=0.0) -> Delivery:
    event = Event.objects.create(name="test.metrics", payload={})
    return Delivery.objects.create(
        event=event,
        subscriber="tests.nobody",
        state=state,
        next_attempt_at=timezone.now() - timedelta(seconds=due_seconds_ago),
    )


def test_outbox_figures_are_read_at_scrape_time(client):
    empty = scrape(client)
    assert value(empty, "loomworks_outbox_lag_seconds") == 0
    assert value(empty, "loomworks_outbox_readable") == 1

    _delivery(due_seconds_ago=120)
    _delivery(due_seconds_ago=-600)  # waiting for its retry: pending, not due
    _delivery(state=DeliveryState.DEAD)
    last = _delivery(state=DeliveryState.DONE)
    samples = scrape(client)

    assert value(samples, "loomworks_outbox_deliveries", state="pending") == 2
    assert value(samples, "loomworks_outbox_deliveries", state="due") == 1
    assert value(samples, "loomworks_outbox_deliveries", state="dead") == 1
    assert 120 <= value(samples, "loomworks_outbox_lag_seconds") < 180
    assert value(samples, "loomworks_outbox_deliveries_created_total") == last.pk


def test_a_scrape_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(5):
        _delivery(due_seconds_ago=10)
    with django_assert_max_num_queries(3):
        scrape(client)


def test_prometheus_may_scrape_by_ip_address(client, settings):
    settings.ALLOWED_HOSTS = ["loomworks.example.com"]
    response = client.get("/metrics", HTTP_HOST="127.0.0.1:8000", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
