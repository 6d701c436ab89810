"""Event deliveries on real Celery workers: the cascade across two workers, and a kill mid-delivery."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import transaction

from loomworks.events import registry
from loomworks.events.api import publish
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunHistory, RunStatus
from loomworks.work.models import Task, TaskStatus
from tests.factories import TemplateFactory
from tests.scale.conftest import needs_workers, wait_for
from tests.scale.probe import PROBE_EVENT, PROBE_KIND

pytestmark = [*needs_workers, pytest.mark.django_db(transaction=True)]


def _status(run) -> str:
    return ProductionRun.objects.values_list("status", flat=True).get(pk=run.pk)


def _finish_every_task(run, actor) -> None:
    """What the partner does in the portal: tick every checklist item, then finish the tasks."""
    for task in Task.objects.filter(run=run, parent__isnull=True).order_by("position"):
        for subtask in Task.objects.filter(parent=task).order_by("position"):
            services.run_subtask_complete(task=task, subtask=subtask, actor=actor)
        services.run_task_finish(task=Task.objects.get(pk=task.pk), actor=actor)


def _pending_deliveries() -> int:
    return Delivery.objects.exclude(state=DeliveryState.DONE).count()


def test_two_workers_carry_the_cascade_from_tasks_to_parent_and_dependent(
    start_worker, admin, make_workshop, make_run, design
):
    cutting, sewing = make_workshop(), make_workshop()
    template = TemplateFactory(checklist=["Lay out", "Cut"])
    parent = make_run("pending_review", quantity=20)
    approved = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(cutting.partner.pk, 20, "cutting", 1, [template.pk]),
            services.Assignment(sewing.partner.pk, 20, "sewing", 2, [template.pk]),
        ],
    )
    first, second = approved.children
    # Stand-alone runs give the two workers enough deliveries to share.
    others = [
        make_run("in_progress", partner=cutting.partner, actor=cutting.actor) for _ in range(6)
    ]
    start_worker("w1", "w2", EVENTS_LEASE_SECONDS=30, EVENTS_SWEEP_SECONDS=2)

    services.run_accept(run=first, actor=cutting.actor)
    _finish_every_task(first, cutting.actor)
    for run in others:
        _finish_every_task(run, cutting.actor)

    # The workers complete the first part, and release the second to its partner.
    wait_for(lambda: _status(second) == RunStatus.SENT_TO_PARTNER, timeout=60, what="dispatch")
    assert _status(first) == RunStatus.COMPLETED
    assert Task.objects.filter(run=second, parent__isnull=True).count() == 1

    services.run_accept(run=second, actor=sewing.actor)
    _finish_every_task(second, sewing.actor)
    wait_for(lambda: _status(parent) == RunStatus.COMPLETED, timeout=60, what="the parent")
    wait_for(lambda: _pending_deliveries() == 0, timeout=60, what="every delivery done")

    for run in [parent, first, second, *others]:
        assert _status(run) == RunStatus.COMPLETED
        assert RunHistory.objects.filter(run=run, kind="complete").count() == 1, run
        completed = Event.objects.filter(name="production_run.completed", aggregate_id=run.pk)
        assert completed.count() == 1, run
    assert not Task.objects.filter(run__in=[first, second, *others]).exclude(
        status=TaskStatus.COMPLETED
    )
    assert Delivery.objects.filter(state=DeliveryState.DONE).count() > 20
    worker_processes = set(
        Delivery.objects.values_list("lease_owner", flat=True).exclude(lease_owner="")
    )
    assert len({owner.split(":")[1] for owner in worker_processes}) >= 2, worker_processes
    if any(s.name.startswith("loomworks.notifications") for s in registry.all_subscribers()):
        from loomworks.notifications.models import Notification

        # Partner notice for the part the workers dispatched by themselves.
        assert Notification.objects.filter(run=second, partner=sewing.partner).exists()


@pytest.mark.parametrize("killed", ["whole worker", "pool process"])
def test_a_delivery_killed_mid_handler_runs_again_after_its_lease_and_takes_effect_once(
    start_worker, make_run, tmp_path, killed
):
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    run = make_run("approved")
    workers = start_worker(
        "w1",
        "w2",
        EVENTS_LEASE_SECONDS=6,
        EVENTS_SWEEP_SECONDS=1,
        EVENTS_SWEEP_GRACE_SECONDS=2,
        LOOMWORKS_PROBE_DIR=probe_dir,
    )
    with transaction.atomic():
        event = publish(PROBE_EVENT, {"run_id": run.pk})
    delivery = Delivery.objects.get(event=event)

    started = wait_for(
        lambda: list(probe_dir.glob("started-*")), timeout=30, what="the handler to start"
    )
    handler_pid = int(started[0].name.split("-")[1])
    killed_at = time.monotonic()
    if killed == "whole worker":
        victim = next(w for w in workers if w.pid == os.getpgid(handler_pid))
        victim.kill()
    else:
        os.kill(handler_pid, signal.SIGKILL)
    Path(probe_dir, "released").touch()

    # Nothing of the killed attempt survives: its transaction died with it.
    wait_for(
        lambda: not RunHistory.objects.filter(run=run, kind=PROBE_KIND).exists(),
        timeout=10,
        what="the killed attempt to roll back",
    )
    wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).state == DeliveryState.DONE,
        timeout=60,
        what="the delivery to run again",
    )
    recovered_after = time.monotonic() - killed_at

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert f":{handler_pid}:" not in delivery.lease_owner
    assert RunHistory.objects.filter(run=run, kind=PROBE_KIND).count() == 1
    assert recovered_after >= 5  # not before the lease ran out
    print(f"{killed} killed: delivery done again {recovered_after:.1f}s later")
