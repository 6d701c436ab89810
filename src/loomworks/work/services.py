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
from loomworks.core.audit import audit_record
from loomworks.core.choices import Priority
from loomworks.core.errors import InvalidInput, TransitionNotAllowed
from loomworks.core.limits import MAX_DURATION_MINUTES, MAX_TEXT
from loomworks.events.api import EventName, publish
from loomworks.work.models import (
    OPEN_TASK_STATUSES,
    QUALITY_CATEGORIES,
    AuthorKind,
    CheckResult,
    Task,
    TaskComment,
    TaskStatus,
    TaskTemplate,
)
from loomworks.work.states import record_task_creation, transition_task


def templates_by_ids(
    template_ids: Sequence[str], *, field: str = "template_ids", planned: Sequence[str] = ()
) -> list[TaskTemplate]:
    """The templates in the order given; an unknown or archived id is invalid input naming it.

    `planned` are ids chosen before (an approved run's plan): those are kept even
    if their template was archived since.
    """
    if not isinstance(template_ids, list | tuple):
        raise InvalidInput(field, _("Give the templates as a list of ids."))
    found = TaskTemplate.objects.in_bulk(list(template_ids))
    missing = [tid for tid in template_ids if tid not in found]
    if missing:
        raise InvalidInput(
            field, _("Unknown task template: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
        )
    archived = [
        found[tid].name for tid in template_ids if found[tid].archived and tid not in planned
    ]
    if archived:
        raise InvalidInput(
            field,
            _("This template is archived: %(names)s. Choose one in use.")
            % {"names": ", ".join(archived)},
        )
    return [found[tid] for tid in template_ids]


MAX_CHECKLIST_ITEMS = 100
MAX_CHECKLIST_ITEM_LENGTH = 300
TEMPLATE_FIELDS = (
    "name",
    "description",
    "category",
    "priority",
    "estimated_duration",
    "checklist",
    "archived",
)


def _template_values(fields: dict) -> dict:
    """Check a template's fields; the ones given, cleaned."""
    values = dict(fields)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise InvalidInput("name", _("A template needs a name."))
    for key in ("description", "category"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "priority" in values and values["priority"] not in Priority.values:
        raise InvalidInput("priority", _("Priority is low, medium, high or urgent."))
    if "estimated_duration" in values:
        duration = values["estimated_duration"]
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not 0 <= duration <= MAX_DURATION_MINUTES
        ):
            raise InvalidInput(
                "estimated_duration",
                _("The estimated duration must be between 0 and %(max)s minutes.")
                % {"max": MAX_DURATION_MINUTES},
            )
    if "checklist" in values:
        checklist = values["checklist"]
        if checklist is None or isinstance(checklist, str):
            raise InvalidInput("checklist", _("Give the checklist as a list of items."))
        items = [str(item).strip() for item in checklist]
        if len(items) > MAX_CHECKLIST_ITEMS:
            raise InvalidInput(
                "checklist",
                _("Give at most %(count)d checklist items.") % {"count": MAX_CHECKLIST_ITEMS},
            )
        for index, item in enumerate(items):
            if not item:
                raise InvalidInput(f"checklist[{index}]", _("Checklist items cannot be blank."))
            if len(item) > MAX_CHECKLIST_ITEM_LENGTH:
                raise InvalidInput(
                    f"checklist[{index}]",
                    _("A checklist item has at most %(count)d characters.")
                    % {"count": MAX_CHECKLIST_ITEM_LENGTH},
                )
        values["checklist"] = items
    if "archived" in values and not isinstance(values["archived"], bool):
        raise InvalidInput("archived", _("Archived is true or false."))
    return values


@transaction.atomic
def template_update(*, template: TaskTemplate, actor: Actor, **fields) -> TaskTemplate:
    """Change a template; only the fields given change. Tasks already made from it keep
    what they were given: a template is copied into each task when a run is sent."""
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    values = _template_values(fields)
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    changed = {
        key: [getattr(template, key), value]
        for key, value in values.items()
        if getattr(template, key) != value
    }
    if not changed:
        return template
    for key in changed:
        setattr(template, key, values[key])
    template.save(update_fields=[*changed, "updated_at"])
    action = "task_template.updated"
    if set(changed) == {"archived"}:
        action = "task_template.archived" if template.archived else "task_template.restored"
    audit_record(
        actor=actor,
        action=action,
        target_type="task_template",
        target_id=template.pk,
        details={"name": template.name, "changed": changed},
    )
    return template


def template_in_use(template: TaskTemplate) -> bool:
    """Whether any task (of any run) was made from the template."""
    return Task.objects.filter(template=template).exists()


@transaction.atomic
def template_remove(*, template: TaskTemplate, actor: Actor) -> str:
    """Delete a template no task came from; one that runs used is archived instead, so
    their tasks still say where they came from. Returns "deleted" or "archived"."""
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    if template_in_use(template):
        template_update(template=template, actor=actor, archived=True)
        return "archived"
    audit_record(
        actor=actor,
        action="task_template.deleted",
        target_type="task_template",
        target_id=template.pk,
        details={"name": template.name, "checklist": template.checklist},
    )
    template.delete()
    return "deleted"


@transaction.atomic
def template_create(
    *,
    name: str,
    actor: Actor,
    description: str = "",
    category: str = "",
    priority: str = "medium",
    estimated_duration: int | None = None,
    checklist: Sequence[str] = (),
) -> TaskTemplate:
    values = _template_values(
        {
            "name": name,
            "description": description,
            "category": category,
            "priority": priority,
            "estimated_duration": estimated_duration,
            "checklist": list(checklist),
        }
    )
    template = TaskTemplate.objects.create(**values)
    audit_record(
        actor=actor,
        action="task_template.created",
        target_type="task_template",
        target_id=template.pk,
        details={"name": template.name, "checklist": template.checklist},
    )
    return template


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
        quality = (template.category or "").strip().lower() in QUALITY_CATEGORIES
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
                quality_check=quality,
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
                    quality_check=quality,
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
        elif parent.status in (TaskStatus.PENDING, TaskStatus.ACCEPTED):
            # The chip follows the work: a first tick puts the task in progress.
            transition_task(parent, "progress", actor=actor, note=_("a checklist item was ticked"))
    return FinishResult(task=result.task, changed=True, parent_completed=parent_completed)


@transaction.atomic
def subtask_reopen(*, subtask: Task, actor: Actor) -> Task:
    """Undo a tick: the checklist item is open again, while its task is still open.

    Once the task is completed (its last item ticked, or finished by hand) its
    items stay as they are: 409. Reopening an item that is open already is a
    quiet no-op. The undo leaves an audit row naming who did it.
    """
    if subtask.parent_id is None:
        raise InvalidInput("subtask_id", _("Only a checklist item can be unticked."))
    parent = Task.objects.select_for_update().get(pk=subtask.parent_id)
    current = Task.objects.select_for_update().get(pk=subtask.pk)
    if current.is_open:
        return current
    if not parent.is_open:
        raise TransitionNotAllowed(
            _("“%(task)s” is %(status)s; its checklist can no longer be changed.")
            % {"task": parent.title, "status": str(TaskStatus(parent.status).label).lower()},
            status=parent.status,
            action="reopen",
        )
    result = transition_task(current, "reopen", actor=actor, note=_("the tick was undone"))
    if result.changed and (current.check_result or current.check_note):
        Task.objects.filter(pk=current.pk).update(check_result="", check_note="")
        result.task.check_result, result.task.check_note = "", ""
    if result.changed:
        audit_record(
            actor=actor,
            action="task.reopened",
            target_type="task",
            target_id=current.pk,
            details={"task_id": parent.pk, "run_id": current.run_id, "title": current.title},
        )
    return result.task


@transaction.atomic
def subtask_check(*, subtask: Task, actor: Actor, passed: bool, note: str = "") -> FinishResult:
    """An item of a quality check passes or fails; either way it is checked (ticked).

    A failure says what failed. Checking again with the same result changes
    nothing; another result needs the tick undone first (409). Audited.
    """
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise InvalidInput("note", _("Write at most %(max)s characters here.") % {"max": MAX_TEXT})
    if not passed and not note:
        raise InvalidInput("note", _("Say what failed the check."))
    result = CheckResult.PASSED if passed else CheckResult.FAILED
    current = Task.objects.select_for_update().get(pk=subtask.pk)
    if current.status == TaskStatus.COMPLETED:
        if current.check_result == result:
            return FinishResult(task=current, changed=False)
        raise TransitionNotAllowed(
            _("“%(title)s” is already checked; untick it to check it again.")
            % {"title": current.title},
            status=current.status,
            action="check",
        )
    Task.objects.filter(pk=current.pk).update(check_result=result, check_note=note)
    finished = task_finish(task=current, actor=actor, note=note)
    finished.task.check_result, finished.task.check_note = result, note
    audit_record(
        actor=actor,
        action="task.checked",
        target_type="task",
        target_id=current.pk,
        details={"run_id": current.run_id, "result": result, "note": note},
    )
    return finished


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
def tasks_close_open(*, run_id: str, actor: Actor, note: str = "") -> int:
    """Close every open task and subtask of a run that is completing without them.

    They end as "closed on completion", never as completed: what was ticked
    stays told apart from what nobody checked. Returns how many were closed.
    """
    ids = list(
        Task.objects.filter(run_id=run_id, status__in=OPEN_TASK_STATUSES)
        .order_by("parent_id", "position")
        .values_list("pk", flat=True)
    )
    for task_id in ids:
        transition_task(task_id, "close", actor=actor, note=note)
    return len(ids)


def open_checklist_count(run_id: str) -> int:
    """Open leaf tasks of a run (checklist items, and tasks without a checklist)."""
    open_tasks = Task.objects.filter(run_id=run_id, status__in=OPEN_TASK_STATUSES)
    with_items = set(
        Task.objects.filter(run_id=run_id, parent__isnull=False).values_list("parent_id", flat=True)
    )
    return sum(
        1
        for pk, parent in open_tasks.values_list("pk", "parent_id")
        if parent or pk not in with_items
    )


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
    audit_record(
        actor=actor,
        action="task.comment_added",
        target_type="task",
        target_id=task.pk,
        details={"run_id": task.run_id, "comment_id": comment.pk},
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
