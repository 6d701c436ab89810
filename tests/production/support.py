"""What the engine tests look at: the durable artefacts of a change.

A change is proven by what it leaves behind (the run row, its history rows,
its outbox events, its tasks), and a refusal by leaving nothing behind.
"""

from collections import Counter

from loomworks.catalog.models import Design
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionRun,
    RunDependency,
    RunHistory,
)
from loomworks.work.models import OPEN_TASK_STATUSES, Task, TaskComment


def fresh(obj):
    """The row as the database has it now."""
    return type(obj).objects.get(pk=obj.pk)


def history(run) -> list[RunHistory]:
    return list(RunHistory.objects.filter(run_id=run.pk).order_by("occurred_at", "id"))


def history_kinds(run) -> list[str]:
    return [row.kind for row in history(run)]


def run_events(run, name: str | None = None) -> list[Event]:
    events = Event.objects.filter(aggregate_type="production_run", aggregate_id=run.pk)
    if name:
        events = events.filter(name=name)
    return list(events.order_by("occurred_at", "id"))


def event_names(run) -> list[str]:
    return [event.name for event in run_events(run)]


def task_events(task, name: str | None = None) -> list[Event]:
    events = Event.objects.filter(aggregate_type="task", aggregate_id=task.pk)
    if name:
        events = events.filter(name=name)
    return list(events.order_by("occurred_at", "id"))


def tasks_of(run, *, top_level: bool | None = None) -> list[Task]:
    tasks = Task.objects.filter(run_id=run.pk)
    if top_level is True:
        tasks = tasks.filter(parent__isnull=True)
    elif top_level is False:
        tasks = tasks.filter(parent__isnull=False)
    return list(tasks.order_by("parent_id", "position", "created_at"))


def open_tasks(run) -> list[Task]:
    return list(Task.objects.filter(run_id=run.pk, status__in=OPEN_TASK_STATUSES))


def world() -> dict:
    """Everything an action could write, in a form that compares with ==."""
    return {
        "runs": {
            run.pk: (
                run.status,
                run.partner_id,
                run.previous_partner_id,
                run.accepted_at,
                run.started_at,
                run.finished_at,
                run.completed_at,
                run.cancelled_at,
                run.cancelled_reason,
                run.promised_date,
                run.quantity,
                run.updated_at,
            )
            for run in ProductionRun.objects.all()
        },
        "tasks": {
            task.pk: (task.status, task.partner_id, task.accepted_at, task.completed_at)
            for task in Task.objects.all()
        },
        "designs": dict(Design.objects.values_list("pk", "status")),
        "history": RunHistory.objects.count(),
        "events": Event.objects.count(),
        "deliveries": Delivery.objects.count(),
        "dependencies": RunDependency.objects.count(),
        "comments": TaskComment.objects.count(),
    }


def pending_deliveries() -> int:
    return Delivery.objects.filter(state=DeliveryState.PENDING).count()


def assert_history_is_a_chain(run) -> None:
    """Each row starts where the previous one ended; the last ends at the run's status."""
    run = fresh(run)
    current = ""
    for row in history(run):
        assert row.from_status == current, (run.reference, row.kind, row.from_status, current)
        current = row.to_status
    assert current == run.status, (run.reference, current, run.status)


def status_changes_in_history(run) -> Counter:
    return Counter(
        (row.from_status, row.to_status) for row in history(run) if row.from_status != row.to_status
    )


def status_changes_in_events(run) -> Counter:
    return Counter(
        (event.payload.get("from_status", ""), event.payload["to_status"])
        for event in run_events(run)
        if event.payload.get("from_status", "") != event.payload.get("to_status")
    )


def assert_each_status_change_recorded_once(run) -> None:
    """Every status change of the run has exactly one history row and one event."""
    assert_history_is_a_chain(run)
    assert status_changes_in_history(run) == status_changes_in_events(run), run


def assert_task_events_match(task) -> None:
    """A task's events walk from creation to its current status, one event per step."""
    task = fresh(task)
    steps = {}
    for event in task_events(task):
        if event.name == "task.comment_added":
            continue
        start = event.payload.get("from_status", "")
        assert start not in steps, (task.title, start, "moved twice from the same status")
        steps[start] = event.payload.get("to_status", event.payload.get("status"))
    current = ""
    while current in steps:
        current = steps.pop(current)
    assert not steps, (task.title, steps)
    assert current == task.status, (task.title, current, task.status)


def assert_no_open_tasks_on_terminal_runs() -> None:
    stuck = Task.objects.filter(
        run__status__in=TERMINAL_STATUSES, status__in=OPEN_TASK_STATUSES
    ).values_list("run__number", "title", "status")
    assert not list(stuck)
