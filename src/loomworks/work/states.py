"""The task state machine: the table, and the one function that applies it.

Tasks only move forward. Repeating the action that put a task where it is
changes nothing; an action that would move it back, or touch a cancelled
task, raises `TransitionNotAllowed`. Like runs, every change is a locked
compare-and-set with its outbox event in the same transaction.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound, TransitionNotAllowed
from loomworks.events.api import EventName, publish
from loomworks.work.models import Task, TaskStatus

T = TaskStatus


@dataclass(frozen=True)
class TaskTransition:
    action: str
    label: object
    from_statuses: frozenset[str]
    to_status: str
    done_statuses: frozenset[str]  # where a repeat of this action is a quiet no-op
    event: str
    stamp: str | None = None


TASK_TRANSITIONS: dict[str, TaskTransition] = {
    t.action: t
    for t in [
        TaskTransition(
            "accept",
            gettext_lazy("accept"),
            frozenset({T.PENDING}),
            T.ACCEPTED,
            frozenset({T.ACCEPTED}),
            EventName.TASK_ACCEPTED,
            stamp="accepted_at",
        ),
        TaskTransition(
            "finish",
            gettext_lazy("finish"),
            frozenset({T.PENDING, T.ACCEPTED, T.IN_PROGRESS}),
            T.COMPLETED,
            frozenset({T.COMPLETED}),
            EventName.TASK_COMPLETED,
            stamp="completed_at",
        ),
        TaskTransition(
            "cancel",
            gettext_lazy("cancel"),
            frozenset({T.PENDING, T.ACCEPTED, T.IN_PROGRESS}),
            T.CANCELLED,
            frozenset({T.CANCELLED}),
            EventName.TASK_CANCELLED,
            stamp="cancelled_at",
        ),
    ]
}


@dataclass
class TaskTransitionResult:
    task: Task
    changed: bool


def task_payload(task: Task, **extra) -> dict:
    return {
        "task_id": task.pk,
        "run_id": task.run_id,
        "parent_task_id": task.parent_id,
        "partner_id": task.partner_id,
        "title": task.title,
        "status": task.status,
        **extra,
    }


def transition_task(
    task: Task | str, action: str, *, actor: Actor, note: str = ""
) -> TaskTransitionResult:
    spec = TASK_TRANSITIONS[action]
    task_id = task if isinstance(task, str) else task.pk
    with transaction.atomic():
        current = Task.objects.select_for_update().filter(pk=task_id).first()
        if current is None:
            raise NotFound(_("No task with id %(id)s.") % {"id": task_id})
        if current.status in spec.done_statuses:
            return TaskTransitionResult(task=current, changed=False)
        if current.status not in spec.from_statuses:
            raise TransitionNotAllowed(
                _("Cannot %(action)s “%(title)s”: it is already %(status)s.")
                % {
                    "action": spec.label,
                    "title": current.title,
                    "status": str(T(current.status).label).lower(),
                },
                status=current.status,
                action=action,
            )
        now = timezone.now()
        from_status = current.status
        values = {"status": spec.to_status, "updated_at": now}
        if spec.stamp:
            values[spec.stamp] = now
        Task.objects.filter(pk=current.pk, status=from_status).update(**values)
        for name, value in values.items():
            setattr(current, name, value)
        publish(
            spec.event,
            task_payload(
                current,
                from_status=from_status,
                to_status=spec.to_status,
                actor=actor.as_payload(),
                note=note,
            ),
            aggregate_type="task",
            aggregate_id=current.pk,
        )
    return TaskTransitionResult(task=current, changed=True)


def record_task_creation(task: Task, *, actor: Actor) -> Task:
    """Insert a new task as `pending` with its `task.created` event."""
    task.status = T.PENDING
    task.save(force_insert=True)
    publish(
        EventName.TASK_CREATED,
        task_payload(task, actor=actor.as_payload()),
        aggregate_type="task",
        aggregate_id=task.pk,
    )
    return task
