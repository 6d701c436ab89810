"""Accept, decline, start, finish, complete: what each one does, and that a repeat does nothing."""

import datetime

import pytest
from django.utils import timezone

from loomworks.core.errors import InvalidInput, TransitionNotAllowed
from loomworks.production import services
from loomworks.production.services import Assignment
from loomworks.work.models import TaskStatus
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_task_events_match,
    event_names,
    fresh,
    history,
    run_events,
    task_events,
    tasks_of,
    world,
)


@pytest.fixture
def split(make_run, admin, make_workshop, template):
    """A parent split across two workshops, both parts sent."""
    north, south = make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=4)
    first, second = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=north.partner.pk, quantity=2, template_ids=[template.pk]),
            Assignment(partner_id=south.partner.pk, quantity=2, template_ids=[template.pk]),
        ],
    ).children
    return parent, (first, north), (second, south)


# ---------------------------------------------------------------- accept


def test_accept_stamps_the_time_and_keeps_the_promised_date(run_at, workshop):
    run = run_at("sent_to_partner")
    promised = timezone.localdate() + datetime.timedelta(days=14)
    run = services.run_accept(run=run, actor=workshop.actor, promised_date=promised, note="ok")
    run = fresh(run)
    assert run.status == "in_progress"
    assert run.accepted_at is not None
    assert run.promised_date == promised
    assert run.stage == "accepted"
    row = history(run)[-1]
    assert (row.kind, row.actor_kind, row.note) == ("accept", "partner", "ok")
    assert run_events(run)[-1].name == "production_run.accepted"


def test_a_promised_date_in_the_past_is_invalid_input(run_at, workshop):
    run = run_at("sent_to_partner")
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_accept(
            run=run,
            actor=workshop.actor,
            promised_date=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert invalid.value.field == "promised_date"
    assert world() == before


def test_accepting_a_part_moves_its_parent_forward_once(split):
    parent, (first, north), (second, south) = split
    services.run_accept(run=first, actor=north.actor)
    parent = fresh(parent)
    assert parent.status == "in_progress"
    row = history(parent)[-1]
    assert (row.kind, row.from_status, row.to_status, row.actor_kind) == (
        "parts_started",
        "approved",
        "in_progress",
        "system",
    )
    assert row.related_run_id == first.pk
    assert_each_status_change_recorded_once(parent)

    # The second part's acceptance finds the parent already in progress.
    rows_before = len(history(parent))
    services.run_accept(run=second, actor=south.actor)
    assert len(history(parent)) == rows_before
    assert fresh(parent).status == "in_progress"


def test_a_repeated_accept_does_not_touch_the_parent(split):
    _parent, (first, north), _second = split
    services.run_accept(run=first, actor=north.actor)
    before = world()
    services.run_accept(run=first, actor=north.actor)
    assert world() == before


def test_accepting_a_part_never_moves_a_finished_parent_back(split, admin):
    """The original moved any parent to in progress, whatever its status."""
    parent, (first, north), (second, _south) = split
    services.run_accept(run=first, actor=north.actor)
    services.run_complete(run=first, actor=admin)
    services.run_cancel(run=second, actor=admin)
    from loomworks.events.api import drain

    drain()
    assert fresh(parent).status == "completed"
    # Nothing is left to accept; and the parent rule itself is forward only:
    from loomworks.core.actors import Actor
    from loomworks.production.states import transition

    result = transition(parent, "parts_started", actor=Actor.system())
    assert not result.changed
    assert fresh(parent).status == "completed"


# ---------------------------------------------------------------- decline


def test_decline_frees_the_run_for_another_partner(run_at, workshop):
    run = run_at("sent_to_partner")
    tasks = tasks_of(run)
    assert tasks
    run = services.run_decline(
        run=run, actor=workshop.actor, reason="materials_unavailable", notes="no linen"
    )
    run = fresh(run)
    assert run.status == "awaiting_reassignment"
    assert run.partner_id is None
    assert run.previous_partner_id == workshop.partner.pk
    for task in tasks_of(run):
        assert task.status == TaskStatus.CANCELLED
        assert len(task_events(task, "task.cancelled")) == 1
        assert_task_events_match(task)
    row = history(run)[-1]
    assert row.kind == "decline"
    assert "Materials unavailable" in row.note and "no linen" in row.note
    assert row.details == {"reason": "materials_unavailable", "notes": "no linen"}
    event = run_events(run, "production_run.declined")[0]
    assert event.payload["reason"] == "materials_unavailable"
    assert event.payload["previous_partner_id"] == workshop.partner.pk


def test_decline_needs_a_known_reason(run_at, workshop):
    run = run_at("sent_to_partner")
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_decline(run=run, actor=workshop.actor, reason="bored")
    assert invalid.value.field == "reason"
    assert world() == before


def test_decline_after_acceptance_is_refused(run_at, workshop):
    run = run_at("in_progress")
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_decline(run=run, actor=workshop.actor, reason="capacity")
    assert world() == before


# ---------------------------------------------------------------- start, finish, complete


@pytest.mark.parametrize(
    ("start", "act", "stamp"),
    [
        ("sent_to_partner", services.run_accept, "accepted_at"),
        ("in_progress", services.run_start, "started_at"),
        ("started", services.run_finish, "finished_at"),
        ("finished", services.run_complete, "completed_at"),
    ],
)
def test_repeating_an_action_changes_nothing(start, act, stamp, run_at, workshop):
    run = run_at(start)
    act(run=run, actor=workshop.actor)
    stamped = getattr(fresh(run), stamp)
    assert stamped is not None
    before = world()
    again = act(run=run, actor=workshop.actor)
    assert world() == before
    assert getattr(again, stamp) == stamped
    assert getattr(fresh(run), stamp) == stamped


def test_the_stages_inside_in_progress(run_at, workshop):
    run = run_at("in_progress")
    assert run.stage == "accepted"
    run = services.run_start(run=run, actor=workshop.actor)
    assert (run.status, run.stage) == ("in_progress", "started")
    run = services.run_finish(run=run, actor=workshop.actor)
    assert (run.status, run.stage) == ("in_progress", "finished")
    assert [row.kind for row in history(run)[-2:]] == ["start", "finish"]
    assert [r.to_status for r in history(run)[-2:]] == ["in_progress", "in_progress"]
    assert event_names(run)[-2:] == ["production_run.started", "production_run.finished"]


def test_complete_closes_every_open_task_apart_from_the_ticked_ones(run_at, workshop):
    run = run_at("finished")
    tasks = tasks_of(run)
    assert len(tasks) == 3  # a task and its two checklist items
    run = services.run_complete(run=run, actor=workshop.actor)
    assert fresh(run).completed_at is not None
    for task in tasks_of(run):
        assert task.status == "closed"
        assert task.completed_at is None and task.closed_at is not None
        assert len(task_events(task, "task.closed")) == 1
        assert not task_events(task, "task.completed")
    assert history(run)[-1].details["closed_on_completion"] == 2  # the two checklist items
    assert_each_status_change_recorded_once(run)


def test_complete_stamps_time_emits_once_and_keeps_cancelled_tasks_cancelled(run_at, workshop):
    from loomworks.work.states import transition_task

    run = run_at("finished")
    subtask = tasks_of(run, top_level=False)[0]
    transition_task(subtask, "cancel", actor=workshop.actor)
    services.run_complete(run=run, actor=workshop.actor)
    assert fresh(subtask).status == "cancelled"
    assert len(run_events(run, "production_run.completed")) == 1
