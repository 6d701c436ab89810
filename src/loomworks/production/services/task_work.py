"""Working a run's tasks: a partner works only the tasks of runs it holds, and
only while the run is in progress; comments are open in any run status.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import (
    NotFound,
    TransitionNotAllowed,
)
from loomworks.production.models import (
    MediaFile,
    ProductionRun,
    RunStatus,
)
from loomworks.production.services.media import media_add
from loomworks.production.states import (
    record_progress,
    status_label,
)
from loomworks.work import services as work
from loomworks.work.models import Task, TaskComment, TaskStatus


def _check_task_holder(task: Task, actor: Actor, run: ProductionRun | None = None) -> None:
    """A partner reaches only the tasks of runs it holds (its own stand-alone tasks too).

    The API scopes its reads the same way; checking here as well means no
    caller can work or comment on another partner's task by its id.
    """
    if not actor.is_partner:
        return
    if task.run_id is not None:
        holder = (run or ProductionRun.objects.only("partner_id").get(pk=task.run_id)).partner_id
    else:
        holder = task.partner_id
    if holder != actor.partner_id:
        raise NotFound(_("No task with id %(id)s.") % {"id": task.pk})


def _lock_run_for_task_work(task: Task, actor: Actor, *, done: str | None = None) -> None:
    """A partner works a run's tasks only while the run is in progress (accepted).

    Repeating what is already done stays a quiet no-op whatever the run's
    status: ticking the last item completes the run, and a client that
    retries that tick must not be told it is too late.
    """
    if task.run_id is None:
        _check_task_holder(task, actor)
        return
    run = ProductionRun.objects.select_for_update().get(pk=task.run_id)
    _check_task_holder(task, actor, run)
    if run.status == RunStatus.IN_PROGRESS:
        record_progress(run.pk)
        return
    if done and Task.objects.filter(pk=task.pk, status=done).exists():
        return
    if run.status in (RunStatus.SENT_TO_PARTNER, RunStatus.APPROVED):
        detail = _("Accept %(ref)s before working on its tasks.") % {"ref": run.reference}
    else:
        detail = _("%(ref)s is %(status)s; its tasks cannot be worked on now.") % {
            "ref": run.reference,
            "status": status_label(run.status),
        }
    raise TransitionNotAllowed(detail, status=run.status, action="work_task")


@transaction.atomic
def run_task_accept(*, task: Task, actor: Actor) -> Task:
    _lock_run_for_task_work(task, actor, done=TaskStatus.ACCEPTED)
    return work.task_accept(task=task, actor=actor)


@transaction.atomic
def run_task_finish(*, task: Task, actor: Actor) -> work.FinishResult:
    _lock_run_for_task_work(task, actor, done=TaskStatus.COMPLETED)
    return work.task_finish(task=task, actor=actor)


@transaction.atomic
def run_subtask_complete(*, task: Task, subtask: Task, actor: Actor) -> work.FinishResult:
    if subtask.parent_id != task.pk:
        raise NotFound(_("No such checklist item on this task."))
    _lock_run_for_task_work(subtask, actor, done=TaskStatus.COMPLETED)
    return work.task_finish(task=subtask, actor=actor)


@transaction.atomic
def run_subtask_reopen(*, task: Task, subtask: Task, actor: Actor) -> Task:
    """Undo a tick while its task is open and the run in progress (409 after); audited."""
    if subtask.parent_id != task.pk:
        raise NotFound(_("No such checklist item on this task."))
    _lock_run_for_task_work(subtask, actor, done=TaskStatus.PENDING)
    return work.subtask_reopen(subtask=subtask, actor=actor)


@transaction.atomic
def run_subtask_check(
    *,
    task: Task,
    subtask: Task,
    actor: Actor,
    passed: bool,
    note: str = "",
    photos=(),
) -> work.FinishResult:
    """Pass or fail an item of a quality check, with photos of what was found."""
    if subtask.parent_id != task.pk:
        raise NotFound(_("No such checklist item on this task."))
    _lock_run_for_task_work(subtask, actor, done=TaskStatus.COMPLETED)
    result = work.subtask_check(subtask=subtask, actor=actor, passed=passed, note=note)
    if photos and result.changed:
        created = media_add(
            run=ProductionRun.objects.get(pk=subtask.run_id), actor=actor, files=photos
        )
        MediaFile.objects.filter(pk__in=[media.pk for media in created]).update(task=subtask)
    return result


def task_comment_add(*, task: Task, actor: Actor, body: str) -> TaskComment:
    """Comments are open in any run status: a workshop may ask before it accepts."""
    _check_task_holder(task, actor)
    return work.comment_add(task=task, actor=actor, body=body)
