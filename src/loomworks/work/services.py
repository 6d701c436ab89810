"""Every write to tasks, templates and comments.

Tasks know nothing of run statuses: `loomworks.production.services` checks
the run before calling in here.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_DURATION_MINUTES, MAX_TEXT
from loomworks.events.api import EventName, publish
from loomworks.work.models import (
    OPEN_TASK_STATUSES,
    AuthorKind,
    Task,
    TaskComment,
    TaskStatus,
    TaskTemplate,
)
from loomworks.work.states import record_task_creation, transition_task


def templates_by_ids(
    template_ids: Sequence[str], *, field: str = "template_ids"
) -> list[TaskTemplate]:
    """The templates in the order given; an unknown id is invalid input naming it."""
    if not isinstance(template_ids, list | tuple):
        raise InvalidInput(field, _("Give the templates as a list of ids."))
    found = TaskTemplate.objects.in_bulk(list(template_ids))
    missing = [tid for tid in template_ids if tid not in found]
    if missing:
        raise InvalidInput(
            field, _("Unknown task template: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
        )
    return [found[tid] for tid in template_ids]


@transaction.atomic
def template_create(
    *,
    name: str,
    description: str = "",
    category: str = "",
    priority: str = "medium",
    estimated_duration: int | None = None,
    checklist: Sequence[str] = (),
) -> TaskTemplate:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", _("A template needs a name."))
    items = [str(item).strip() for item in checklist]
    if any(not item for item in items):
        raise InvalidInput("checklist", _("Checklist items cannot be blank."))
    if estimated_duration is not None and not 0 <= estimated_duration <= MAX_DURATION_MINUTES:
        raise InvalidInput(
            "estimated_duration",
            _("The estimated duration must be between 0 and %(max)s minutes.")
            % {"max": MAX_DURATION_MINUTES},
        )
    return TaskTemplate.objects.create(
        name=name,
        description=description or "",
        category=category or "",
        priority=priority,
        estimated_duration=estimated_duration,
        checklist=items,
    )


def _next_position(run_id: str | None) -> int:
    if run_id is None:
        return 0
    top = Task.objects.filter(run_id=run_id, parent__isnull=True).aggregate(top=Max("position"))[
        "top"
    ]
    return 0 if top is None else top + 1


@transaction.atomic
def tasks_create_from_templates(
    *, run, partner, templates: Sequence[TaskTemplate], actor: Actor
) -> list[Task]:
    """One task per template, in the order given, each with its checklist as subtasks."""
    position = _next_position(run.pk if run else None)
    created = []
    for offset, template in enumerate(templates):
        task = record_task_creation(
            Task(
                run=run,
                partner=partner,
                template=template,
                title=template.name,
                description=template.description,
                priority=template.priority,
                position=position + offset,
                due_date=getattr(run, "due_date", None),
            ),
            actor=actor,
        )
        for index, item in enumerate(template.checklist or []):
            record_task_creation(
                Task(
                    run=run,
                    partner=partner,
                    parent=task,
                    template=template,
                    title=str(item),
                    priority=template.priority,
                    position=index,
                ),
                actor=actor,
            )
        created.append(task)
    return created


@transaction.atomic
def task_create(*, run, partner, title: str, description: str = "", actor: Actor) -> Task:
    title = (title or "").strip()
    if not title:
        raise InvalidInput("title", _("A task needs a title."))
    return record_task_creation(
        Task(
            run=run,
            partner=partner,
            title=title,
            description=description or "",
            position=_next_position(run.pk if run else None),
            due_date=getattr(run, "due_date", None),
        ),
        actor=actor,
    )


def task_accept(*, task: Task, actor: Actor) -> Task:
    return transition_task(task, "accept", actor=actor).task


@dataclass
class FinishResult:
    task: Task
    changed: bool
    parent_completed: bool = False


@transaction.atomic
def task_finish(*, task: Task, actor: Actor, note: str = "") -> FinishResult:
    """Complete a task (and its open subtasks); complete its parent when this was its last open subtask.

    The parent row is locked before its subtasks are counted, so two last
    subtasks finished at the same instant still complete the parent once.
    """
    result = transition_task(task, "finish", actor=actor, note=note)
    if not result.changed:
        return FinishResult(task=result.task, changed=False)
    for subtask_id in Task.objects.filter(
        parent_id=result.task.pk, status__in=OPEN_TASK_STATUSES
    ).values_list("pk", flat=True):
        transition_task(subtask_id, "finish", actor=actor, note=_("its task was finished"))
    parent_completed = False
    if result.task.parent_id:
        parent = Task.objects.select_for_update().get(pk=result.task.parent_id)
        siblings = Task.objects.filter(parent_id=parent.pk).exclude(status=TaskStatus.CANCELLED)
        if parent.is_open and not siblings.filter(status__in=OPEN_TASK_STATUSES).exists():
            parent_completed = transition_task(
                parent, "finish", actor=actor, note=_("every checklist item is done")
            ).changed
    return FinishResult(task=result.task, changed=True, parent_completed=parent_completed)


@transaction.atomic
def tasks_cancel_open(*, run_id: str, actor: Actor, note: str = "") -> int:
    """Cancel every open task and subtask of a run."""
    ids = list(
        Task.objects.filter(run_id=run_id, status__in=OPEN_TASK_STATUSES).values_list(
            "pk", flat=True
        )
    )
    for task_id in ids:
        transition_task(task_id, "cancel", actor=actor, note=note)
    return len(ids)


@transaction.atomic
def tasks_complete_open(*, run_id: str, actor: Actor, note: str = "") -> int:
    """Complete every open task and subtask of a run (the run itself is completing)."""
    ids = list(
        Task.objects.filter(run_id=run_id, status__in=OPEN_TASK_STATUSES)
        .order_by("parent_id", "position")
        .values_list("pk", flat=True)
    )
    for task_id in ids:
        transition_task(task_id, "finish", actor=actor, note=note)
    return len(ids)


def tasks_move_to_partner(*, run_id: str, partner) -> int:
    """Hand a run's open tasks to another partner (a reassignment)."""
    return Task.objects.filter(run_id=run_id, status__in=OPEN_TASK_STATUSES).update(partner=partner)


@transaction.atomic
def comment_add(*, task: Task, actor: Actor, body: str) -> TaskComment:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("body", _("Write something before sending the comment."))
    if len(body) > MAX_TEXT:
        raise InvalidInput(
            "body",
            _("Comments are limited to %(max)s characters.")
            % {"max": number_format(MAX_TEXT, force_grouping=True)},
        )
    comment = TaskComment.objects.create(
        task=task,
        author_id=actor.user_id,
        author_kind=AuthorKind.PARTNER if actor.is_partner else AuthorKind.ADMIN,
        author_name=actor.name,
        body=body,
    )
    publish(
        EventName.TASK_COMMENT_ADDED,
        {
            "comment_id": comment.pk,
            "task_id": task.pk,
            "task_title": task.title,
            "run_id": task.run_id,
            "partner_id": task.partner_id,
            "author_kind": comment.author_kind,
            "author_name": comment.author_name,
            "actor": actor.as_payload(),
        },
        aggregate_type="task",
        aggregate_id=task.pk,
    )
    return comment
