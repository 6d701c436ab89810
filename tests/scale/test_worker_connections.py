"""A worker keeps its database connection between deliveries (CONN_MAX_AGE), and
replaces one the server dropped before the next delivery uses it (CONN_HEALTH_CHECKS)."""

import pytest
from django.db import connection, transaction

from loomworks.events.api import publish
from loomworks.events.models import Delivery, DeliveryState
from loomworks.production.models import RunHistory
from tests.scale.conftest import needs_workers, wait_for
from tests.scale.probe import CONNECTION_EVENT, CONNECTION_KIND

pytestmark = [*needs_workers, pytest.mark.django_db(transaction=True)]


def _session_of_one_delivery(run) -> int:
    """Publish one probe, wait for the worker to do it; the backend pid it ran on."""
    with transaction.atomic():
        event = publish(CONNECTION_EVENT, {"run_id": run.pk})
    delivery = Delivery.objects.get(event=event)
    wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).state == DeliveryState.DONE,
        timeout=30,
        what="the probe delivery",
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 1, delivery.last_error  # never failed on a dead connection
    notes = RunHistory.objects.filter(run=run, kind=CONNECTION_KIND).order_by("-id")
    backend, synchronous_commit = notes.values_list("note", flat=True).first().split()
    assert synchronous_commit == "off"  # a worker's commits do not wait for the disk
    return int(backend)


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return bool(cursor.fetchone()[0])


@pytest.mark.parametrize(("max_age", "kept"), [(60, True), (0, False)])
def test_a_worker_keeps_its_connection_across_deliveries_as_conn_max_age_says(
    start_worker, make_run, max_age, kept
):
    run = make_run("approved")
    start_worker("w1", CONN_MAX_AGE=max_age, EVENTS_SWEEP_SECONDS=600)

    sessions = [_session_of_one_delivery(run) for _ in range(3)]

    assert (len(set(sessions)) == 1) is kept, sessions


def test_a_connection_killed_between_deliveries_is_replaced_before_the_next_one(
    start_worker, make_run
):
    run = make_run("approved")
    start_worker("w1", CONN_MAX_AGE=60, EVENTS_SWEEP_SECONDS=600)
    first = _session_of_one_delivery(run)
    assert _session_of_one_delivery(run) == first

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    wait_for(lambda: not _backend_alive(first), timeout=10, what="the session to end")

    # The health check finds the dead session before the handler's first query:
    # the delivery succeeds at its first attempt, on a new session, which is kept.
    second = _session_of_one_delivery(run)
    assert second != first
    assert _session_of_one_delivery(run) == second
