"""Races with real threads and real row locks (PostgreSQL only).

Each thread has its own database connection (Django's are per thread) and
closes it when done. A `threading.Barrier` releases the contenders at the
same instant; the assertions are on what was committed: history rows,
outbox events, statuses.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from loomworks.core.errors import TransitionNotAllowed
from loomworks.events.api import drain, run_delivery
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunHistory
from loomworks.production.services import Assignment
from loomworks.work.models import Task
from tests.factories import TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_task_events_match,
    fresh,
    history,
    run_events,
    tasks_of,
)

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def at_once(*calls: Callable) -> list:
    """Run the calls in threads released together; return each result or exception."""
    gate = threading.Barrier(len(calls), timeout=30)
    outcomes: list = [None] * len(calls)

    def work(index, call):
        try:
            gate.wait()
            outcomes[index] = call()
        except BaseException as exc:  # collected, asserted by the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive(), "a racing thread hung"
    return outcomes


def in_lockstep(rounds: list[tuple[Callable, ...]]) -> list[list]:
    """Like `at_once` for many rounds, with one thread per column (few connections)."""
    width = len(rounds[0])
    gate = threading.Barrier(width, timeout=30)
    outcomes: list[list] = [[None] * width for _ in rounds]

    def work(column):
        try:
            for row, calls in enumerate(rounds):
                gate.wait()
                try:
                    outcomes[row][column] = calls[column]()
                except Exception as exc:  # collected, asserted by the test
                    outcomes[row][column] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(column,)) for column in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
        assert not thread.is_alive(), "a racing thread hung"
    return outcomes


def errors_in(outcomes) -> list[BaseException]:
    flat = [o for row in outcomes for o in (row if isinstance(row, list) else [row])]
    return [o for o in flat if isinstance(o, BaseException)]


def assert_no_delivery_failed():
    troubled = Delivery.objects.exclude(state=DeliveryState.DONE).values_list(
        "subscriber", "state", "last_error"
    )
    assert list(troubled) == []
    retried = Delivery.objects.filter(attempts__gt=1).values_list("subscriber", "last_error")
    assert list(retried) == []


# ---------------------------------------------------------------- the last two tasks


@pytest.fixture
def runs_with_two_open_tasks(make_run, workshop):
    plain = [TemplateFactory(checklist=[]), TemplateFactory(checklist=[])]
    runs = [
        make_run("in_progress", partner=workshop.partner, actor=workshop.actor, templates=plain)
        for _ in range(50)
    ]
    drain()  # what making them caused; the race starts from a quiet outbox
    return runs


def _assert_completed_exactly_once(runs):
    for run in runs:
        run = fresh(run)
        assert run.status == "completed", run.reference
        assert run.completed_at is not None
        rows = [r for r in history(run) if r.to_status == "completed"]
        assert len(rows) == 1, run.reference
        assert len(run_events(run, "production_run.completed")) == 1, run.reference
        assert_each_status_change_recorded_once(run)
        for task in tasks_of(run):
            assert task.status == "completed"
            assert_task_events_match(task)


def test_last_two_tasks_finished_at_the_same_instant_complete_each_run_once(
    runs_with_two_open_tasks, workshop
):
    runs = runs_with_two_open_tasks
    rounds = []
    for run in runs:
        first, second = tasks_of(run, top_level=True)
        rounds.append(
            (
                lambda task=first: services.run_task_finish(task=task, actor=workshop.actor),
                lambda task=second: services.run_task_finish(task=task, actor=workshop.actor),
            )
        )
    outcomes = in_lockstep(rounds)
    assert errors_in(outcomes) == []
    assert all(result.changed for row in outcomes for result in row)

    # Four workers drain the outbox at once: both completions of a run race.
    outcomes = at_once(drain, drain, drain, drain)
    assert errors_in(outcomes) == []
    drain(ignore_backoff=True)
    assert_no_delivery_failed()
    _assert_completed_exactly_once(runs)
    assert not ProductionRun.objects.filter(status="in_progress").exists()


def test_two_deliveries_that_both_see_every_task_done_complete_the_run_once(
    runs_with_two_open_tasks, workshop
):
    runs = runs_with_two_open_tasks
    for run in runs:
        for task in tasks_of(run, top_level=True):
            services.run_task_finish(task=task, actor=workshop.actor)
    rounds = []
    for run in runs:
        task_ids = [t.pk for t in tasks_of(run, top_level=True)]
        checks = Delivery.objects.filter(
            event__name="task.completed",
            event__aggregate_id__in=task_ids,
            subscriber__endswith="complete_run_when_its_tasks_are_done",
        )
        # Only the last task asks for the check now; a second one (an event recorded
        # before that filter, or a check a redo made useful again) is made by hand.
        (check,) = checks
        first_event = Event.objects.get(name="task.completed", aggregate_id=task_ids[0])
        Delivery.objects.create(event=first_event, subscriber=check.subscriber)
        deliveries = list(checks.values_list("pk", flat=True))
        assert len(deliveries) == 2
        rounds.append(tuple(lambda pk=pk: run_delivery(pk) for pk in deliveries))
    outcomes = in_lockstep(rounds)
    assert errors_in(outcomes) == []
    assert all(row == ["done", "done"] for row in outcomes), outcomes
    drain(ignore_backoff=True)
    assert_no_delivery_failed()
    _assert_completed_exactly_once(runs)


# ---------------------------------------------------------------- one run, three hands


def test_two_admins_cancel_while_the_partner_accepts(run_at, admin, make_workshop, workshop):
    from loomworks.core.actors import Actor
    from tests.factories import AdminFactory

    other_admin = Actor.admin(AdminFactory())
    runs = [run_at("sent_to_partner") for _ in range(12)]
    rounds = [
        (
            lambda run=run: services.run_cancel(run=run, actor=admin, reason="first"),
            lambda run=run: services.run_cancel(run=run, actor=other_admin, reason="second"),
            lambda run=run: services.run_accept(run=run, actor=workshop.actor),
        )
        for run in runs
    ]
    outcomes = in_lockstep(rounds)
    accepted_first = 0
    for run, (cancel_one, cancel_two, accept) in zip(runs, outcomes, strict=True):
        assert not isinstance(cancel_one, BaseException), cancel_one
        assert not isinstance(cancel_two, BaseException), cancel_two
        run = fresh(run)
        assert run.status == "cancelled"
        cancels = RunHistory.objects.filter(run=run, kind="cancel")
        assert cancels.count() == 1  # exactly one admin won
        assert cancels.get().note in ("first", "second")
        assert run.cancelled_reason == cancels.get().note
        assert len(run_events(run, "production_run.cancelled")) == 1
        if isinstance(accept, BaseException):
            assert isinstance(accept, TransitionNotAllowed), accept
            assert run.accepted_at is None
            assert not RunHistory.objects.filter(run=run, kind="accept").exists()
        else:
            accepted_first += 1  # the partner got there first; then a cancel won
            assert RunHistory.objects.filter(run=run, kind="accept").count() == 1
            assert len(run_events(run, "production_run.accepted")) == 1
        assert_each_status_change_recorded_once(run)
        for task in tasks_of(run):
            assert task.status == "cancelled"
            assert_task_events_match(task)
    drain()
    assert_no_delivery_failed()


def test_cancelling_a_parent_while_a_part_is_accepted_never_deadlocks(
    make_run, admin, make_workshop
):
    template = TemplateFactory(checklist=["One"])
    families = []
    for _ in range(10):
        north, south = make_workshop(), make_workshop()
        parent = make_run("pending_review", quantity=2)
        parts = services.run_approve(
            run=parent,
            actor=admin,
            assignments=[
                Assignment(partner_id=north.partner.pk, quantity=1, template_ids=[template.pk]),
                Assignment(partner_id=south.partner.pk, quantity=1, template_ids=[template.pk]),
            ],
        ).children
        families.append((parent, parts, (north, south)))
    rounds = [
        (
            lambda parent=parent: services.run_cancel(run=parent, actor=admin, reason="stop"),
            lambda part=parts[0], who=workers[0]: services.run_accept(run=part, actor=who.actor),
            lambda part=parts[1], who=workers[1]: services.run_accept(run=part, actor=who.actor),
        )
        for parent, parts, workers in families
    ]
    outcomes = in_lockstep(rounds)
    for (parent, parts, _workers), (cancel, *accepts) in zip(families, outcomes, strict=True):
        assert not isinstance(cancel, BaseException), repr(cancel)
        for accept in accepts:
            if isinstance(accept, BaseException):
                assert isinstance(accept, TransitionNotAllowed), repr(accept)
        assert fresh(parent).status == "cancelled"
        for part in parts:
            assert fresh(part).status == "cancelled"
            assert_each_status_change_recorded_once(part)
        assert_each_status_change_recorded_once(parent)
    drain()
    assert_no_delivery_failed()


# ---------------------------------------------------------------- orders


def test_two_copies_of_order_placed_at_once_make_one_run_per_line(db):
    from django.db import transaction

    from loomworks.catalog.models import Product
    from loomworks.core.actors import Actor
    from loomworks.events.api import publish
    from loomworks.orders.services import order_place
    from tests.factories import DesignFactory

    product = Product.objects.create(title="Shirt", handle="shirt", design=DesignFactory())
    orders = []
    for n in range(10):
        placed = order_place(
            external_id=f"SHOP-{n}",
            lines=[
                {"external_id": f"SHOP-{n}-{line}", "product_id": product.pk, "quantity": 1}
                for line in range(3)
            ],
            actor=Actor.system(),
        )
        with transaction.atomic():  # the store's webhook, delivered twice
            publish("order.placed", {"order_id": placed.order.pk}, aggregate_id=placed.order.pk)
        orders.append(placed.order)
    rounds = []
    for order in orders:
        deliveries = Delivery.objects.filter(
            event__name="order.placed", event__aggregate_id=order.pk
        ).values_list("pk", flat=True)
        assert len(deliveries) == 2
        rounds.append(tuple(lambda pk=pk: run_delivery(pk) for pk in deliveries))
    outcomes = in_lockstep(rounds)
    assert errors_in(outcomes) == []
    for order in orders:
        assert ProductionRun.objects.filter(order=order).count() == 3
    assert Event.objects.filter(name="production_run.created").count() == 30
    assert Task.objects.count() == 0


# ---------------------------------------------------------------- redo against completion


def test_a_redo_added_while_the_run_completes_by_itself_is_never_swallowed(
    run_at, admin, workshop, monkeypatch
):
    """The completion check and the completion happen under one lock with the redo.

    The completion subscriber is held between its check ("every task is
    done") and the completion, long enough for an admin's redo to commit if
    nothing stops it. A redo that got in must keep the run open; one that
    did not must be refused, never completed on the partner's behalf.
    """
    run = run_at("in_progress", templates=[TemplateFactory(checklist=[])])
    (task,) = tasks_of(run)
    drain()
    services.run_task_finish(task=task, actor=workshop.actor)
    (delivery,) = Delivery.objects.filter(
        state=DeliveryState.PENDING,
        event__name="task.completed",
        subscriber__endswith="complete_run_when_its_tasks_are_done",
    ).values_list("pk", flat=True)

    checked, added = threading.Event(), threading.Event()
    real_complete = services.run_complete

    def complete_after_a_pause(**kwargs):
        checked.set()
        added.wait(timeout=2)  # the redo commits now, unless a lock keeps it out
        return real_complete(**kwargs)

    monkeypatch.setattr(services, "run_complete", complete_after_a_pause)

    def redo():
        assert checked.wait(timeout=30)
        try:
            return services.run_add_tasks(run=run, actor=admin, title="Redo the hem")
        finally:
            added.set()

    delivered, redone = at_once(lambda: run_delivery(delivery), redo)
    assert delivered == "done"
    run = fresh(run)
    redo_tasks = Task.objects.filter(run=run, title="Redo the hem")
    if run.status == "completed":
        assert isinstance(redone, TransitionNotAllowed), repr(redone)
        assert not redo_tasks.exists()
    else:
        assert run.status == "in_progress"
        assert [t.status for t in redo_tasks] == ["pending"]
    assert_each_status_change_recorded_once(run)


def test_two_deliveries_at_once_never_go_beyond_the_order(run_at, workshop):
    """Each delivery checks the order under the run's lock: one of two batches of 6 on a
    run of 10 is refused, and the totals are the one that went through."""
    from loomworks.core.errors import InvalidInput
    from loomworks.production.models import Delivery as Batch

    run = run_at("started", quantity=10)

    outcomes = at_once(
        lambda: services.delivery_record(run=run, actor=workshop.actor, good=6),
        lambda: services.delivery_record(run=run, actor=workshop.actor, good=6),
    )

    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert len(refused) == 1 and refused[0].field == "good"
    assert fresh(run).produced_quantity == 6
    assert list(Batch.objects.filter(run=run).values_list("number", "good")) == [(1, 6)]
