"""Prometheus metrics at `GET /metrics`: requests, and the outbox read at scrape time.

Requests are counted by the middleware below, per route (the URL pattern, so
the label set stays small), method and status, with a latency histogram.
Under gunicorn every worker process counts its own requests; with
`PROMETHEUS_MULTIPROC_DIR` set (the systemd unit and the container do),
prometheus-client shares them through files in that directory and any
process answers for all (gunicorn.conf.py tidies a dead worker's files).

The outbox figures are read from the database when Prometheus scrapes, with
queries the (state, next_attempt_at) index answers, so they are the same
whichever process is asked and cost nothing between scrapes.

Who may read: callers presenting `Authorization: Bearer $METRICS_TOKEN`, or
from an address in `METRICS_ALLOW_IPS` (default: this machine only).
"""

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "loomworks_http_requests",
    "HTTP requests answered, by route pattern, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "loomworks_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNMATCHED = "<unmatched>"
log = logging.getLogger("loomworks.ops")


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED
    return "/" + match.route.lstrip("^").rstrip("$")


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route, method = route_of(request), request.method
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        return response


class OutboxCollector:
    """Outbox figures from the database, read at each scrape."""

    def collect(self):
        try:
            lag, counts, created = self.read()
        except Exception:  # the database is down: say so, and keep the request metrics
            log.warning("Could not read the outbox for /metrics", exc_info=True)
            yield GaugeMetricFamily(
                "loomworks_outbox_readable", "1 when the outbox could be read.", value=0
            )
            return
        yield GaugeMetricFamily(
            "loomworks_outbox_readable", "1 when the outbox could be read.", value=1
        )
        yield GaugeMetricFamily(
            "loomworks_outbox_lag_seconds",
            "Age of the oldest event delivery that is due and not done (0 when none waits).",
            value=lag,
        )
        deliveries = GaugeMetricFamily(
            "loomworks_outbox_deliveries",
            "Event deliveries not done: pending (all), due (pending and due now), dead "
            "(gave up after EVENTS_MAX_ATTEMPTS; shown to admins).",
            labels=["state"],
        )
        for state in ("pending", "due", "dead"):
            deliveries.add_metric([state], counts[state])
        yield deliveries
        yield CounterMetricFamily(
            "loomworks_outbox_deliveries_created",
            "Event deliveries ever created (read from the id sequence; rate() is the "
            "incoming delivery rate).",
            value=created,
        )

    @staticmethod
    def read():
        from django.db.models import Count, Max, Q
        from django.utils import timezone

        from loomworks.events.models import Delivery, DeliveryState
        from loomworks.ops.readiness import outbox_lag_seconds

        now = timezone.now()
        lag = outbox_lag_seconds(now)
        counts = Delivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.DEAD]
        ).aggregate(
            pending=Count("id", filter=Q(state=DeliveryState.PENDING)),
            due=Count("id", filter=Q(state=DeliveryState.PENDING, next_attempt_at__lte=now)),
            dead=Count("id", filter=Q(state=DeliveryState.DEAD)),
        )
        created = Delivery.objects.aggregate(last=Max("id"))["last"] or 0
        return lag, counts, created


_outbox_registry = CollectorRegistry(auto_describe=False)
_outbox_registry.register(OutboxCollector())


def _request_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(
            given.removeprefix("Bearer ").strip().encode(), token.encode()
        ):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOW_NETWORKS)


def metrics(request) -> HttpResponse:
    if not allowed(request):
        response = HttpResponse(
            "Metrics need 'Authorization: Bearer <METRICS_TOKEN>' or an address in "
            "METRICS_ALLOW_IPS.\n",
            status=403 if not settings.METRICS_TOKEN else 401,
            content_type="text/plain",
        )
        if settings.METRICS_TOKEN:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = generate_latest(_request_registry()) + generate_latest(_outbox_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
