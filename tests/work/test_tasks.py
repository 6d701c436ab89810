"""Tasks move forward only; a repeat is a no-op; checklists complete their task."""

import pytest

from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from loomworks.core.models import AuditEntry
from loomworks.production import services
from loomworks.work import services as work
from loomworks.work.models import Task
from loomworks.work.states import transition_task
from tests.factories import TemplateFactory
from tests.production.support import assert_task_events_match, fresh, task_events, world


@pytest.fixture
def task(run_at):
    run = run_at("in_progress", templates=[TemplateFactory(checklist=["Cut", "Sew", "Press"])])
    return Task.objects.get(run=run, parent__isnull=True)


def test_accept_then_finish(task, workshop):
    accepted = services.run_task_accept(task=task, actor=workshop.actor)
    assert accepted.status == "accepted" and accepted.accepted_at is not None
    result = services.run_task_finish(task=task, actor=workshop.actor)
    assert result.changed and result.task.status == "completed"
    assert result.task.completed_at is not None
    assert [e.name for e in task_events(task)] == [
        "task.created",
        "task.accepted",
        "task.completed",
    ]
    assert_task_events_match(task)


@pytest.mark.parametrize("action", ["accept", "finish"])
def test_a_repeated_task_action_changes_nothing(action, task, workshop):
    act = services.run_task_accept if action == "accept" else services.run_task_finish
    act(task=task, actor=workshop.actor)
    before = world()
    act(task=task, actor=workshop.actor)
    assert world() == before


def test_a_finished_task_cannot_be_accepted_again(task, workshop):
    """The original let accept move a completed task back."""
    services.run_task_finish(task=task, actor=workshop.actor)
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_task_accept(task=task, actor=workshop.actor)
    assert refused.value.status == "completed"
    assert world() == before


@pytest.mark.parametrize("action", ["accept", "finish"])
def test_a_cancelled_task_cannot_be_worked(action, task, workshop):
    transition_task(task, "cancel", actor=workshop.actor)
    before = world()
    with pytest.raises(TransitionNotAllowed):
        transition_task(task, action, actor=workshop.actor)
    assert world() == before


def test_finish_works_from_pending_accepted_and_in_progress(run_at):
    run = run_at("in_progress")
    for start in ("pending", "accepted", "in_progress"):
        one = Task.objects.create(run=run, partner=run.partner, title=start, status=start)
        assert transition_task(one, "finish", actor=Actor.system()).task.status == ("completed")


def test_two_last_checklist_items_complete_their_task_once(task, workshop):
    cut, sew, press = task.subtasks.order_by("position")
    services.run_subtask_complete(task=task, subtask=cut, actor=workshop.actor)
    services.run_subtask_complete(task=task, subtask=sew, actor=workshop.actor)
    assert fresh(task).status == "in_progress"
    result = services.run_subtask_complete(task=task, subtask=press, actor=workshop.actor)
    assert result.parent_completed
    again = services.run_subtask_complete(task=task, subtask=press, actor=workshop.actor)
    assert not again.changed and not again.parent_completed
    assert len(task_events(task, "task.completed")) == 1


def test_a_checklist_item_of_another_task_is_not_found(run_at, task, workshop):
    other_run = run_at("in_progress")
    stranger = Task.objects.filter(run=other_run, parent__isnull=False).first()
    before = world()
    with pytest.raises(NotFound):
        services.run_subtask_complete(task=task, subtask=stranger, actor=workshop.actor)
    assert world() == before


def test_another_partner_cannot_work_or_comment_on_a_task(task, other_workshop):
    before = world()
    for act in (
        lambda: services.run_task_accept(task=task, actor=other_workshop.actor),
        lambda: services.run_task_finish(task=task, actor=other_workshop.actor),
        lambda: services.run_subtask_complete(
            task=task, subtask=task.subtasks.first(), actor=other_workshop.actor
        ),
        lambda: services.task_comment_add(task=task, actor=other_workshop.actor, body="hi"),
    ):
        with pytest.raises(NotFound):
            act()
    assert world() == before


def test_an_admin_may_work_a_task_for_the_partner(task, admin):
    assert services.run_task_finish(task=task, actor=admin).task.status == "completed"


# ---------------------------------------------------------------- comments


def test_comments_in_any_run_status_oldest_first(run_at, workshop, admin):
    run = run_at("sent_to_partner")  # a workshop may ask before it accepts
    task = Task.objects.filter(run=run, parent__isnull=True).get()
    services.task_comment_add(task=task, actor=workshop.actor, body="Which thread colour?")
    services.task_comment_add(task=task, actor=admin, body="  Sand, like the swatch.  ")
    comments = list(task.comments.all())
    assert [(c.author_kind, c.body) for c in comments] == [
        ("partner", "Which thread colour?"),
        ("admin", "Sand, like the swatch."),
    ]
    events = task_events(task, "task.comment_added")
    assert [e.payload["author_kind"] for e in events] == ["partner", "admin"]
    assert events[0].payload["run_id"] == run.pk


def test_a_comment_joins_the_audit_trail_naming_its_author(task, workshop):
    comment = services.task_comment_add(task=task, actor=workshop.actor, body="Which thread?")
    [entry] = AuditEntry.objects.filter(action="task.comment_added")
    assert (entry.actor_kind, entry.actor_id) == ("partner", workshop.user.pk)
    assert (entry.target_type, entry.target_id) == ("task", task.pk)
    assert entry.details == {"run_id": task.run_id, "comment_id": comment.pk}


def test_comments_on_a_checklist_item(task, workshop):
    item = task.subtasks.first()
    comment = services.task_comment_add(task=item, actor=workshop.actor, body="Done twice")
    assert comment.task_id == item.pk


@pytest.mark.parametrize("body", ["", "   ", None, "x" * 10_001])
def test_blank_or_huge_comments_are_refused(body, task, workshop):
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.task_comment_add(task=task, actor=workshop.actor, body=body)
    assert invalid.value.field == "body"
    assert world() == before


def test_templates_are_chosen_by_id_in_the_order_given(db):
    first, second = TemplateFactory(name="Same"), TemplateFactory(name="Same")
    assert work.templates_by_ids([second.pk, first.pk]) == [second, first]
    with pytest.raises(InvalidInput):
        work.templates_by_ids([first.pk, "tpl_gone"])
