"""A parent run follows its parts: never worked directly, ended by its parts."""

import pytest

from loomworks.core.errors import NotFound, TransitionNotAllowed
from loomworks.events.api import drain
from loomworks.production import services
from loomworks.production.selectors import runs_visible_to
from loomworks.production.services import Assignment
from tests.factories import TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_no_open_tasks_on_terminal_runs,
    fresh,
    history,
    run_events,
    tasks_of,
    world,
)


@pytest.fixture
def family(make_run, admin, make_workshop, template):
    """A parent (created with a partner of its own) split across two workshops."""
    owner, north, south = make_workshop(), make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=4, partner=owner.partner)
    first, second = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=north.partner.pk, quantity=2, template_ids=[template.pk]),
            Assignment(partner_id=south.partner.pk, quantity=2, template_ids=[template.pk]),
        ],
    ).children
    return fresh(parent), owner, (first, north), (second, south)


def _direct_actions(parent, admin, owner, other, template):
    return {
        "dispatch": lambda: services.run_dispatch(
            run=parent, template_ids=[template.pk], actor=admin
        ),
        "accept (admin)": lambda: services.run_accept(run=parent, actor=admin),
        "accept (partner)": lambda: services.run_accept(run=parent, actor=owner.actor),
        "decline": lambda: services.run_decline(run=parent, actor=owner.actor, reason="other"),
        "start": lambda: services.run_start(run=parent, actor=admin),
        "finish": lambda: services.run_finish(run=parent, actor=admin),
        "complete": lambda: services.run_complete(run=parent, actor=admin),
        "reassign": lambda: services.run_reassign(run=parent, partner=other, actor=admin),
        "add tasks": lambda: services.run_add_tasks(run=parent, actor=admin, title="x"),
    }


@pytest.mark.parametrize(
    "action",
    [
        "dispatch",
        "accept (admin)",
        "accept (partner)",
        "decline",
        "start",
        "finish",
        "complete",
        "reassign",
        "add tasks",
    ],
)
@pytest.mark.parametrize("stage", ["approved", "in_progress"])
def test_a_parent_is_never_worked_directly(action, stage, family, admin, make_workshop, template):
    parent, owner, (first, north), _second = family
    if stage == "in_progress":
        services.run_accept(run=first, actor=north.actor)
        parent = fresh(parent)
    assert parent.status == stage
    other = make_workshop().partner
    act = _direct_actions(parent, admin, owner, other, template)[action]
    before = world()
    if action in ("accept (partner)", "decline"):
        # The partner named before the split no longer holds the parent at all.
        with pytest.raises(NotFound):
            act()
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            act()
        assert "split into parts" in refused.value.detail or "must be" in refused.value.detail
    assert world() == before


def test_splitting_a_run_takes_it_from_the_partner_named_before(family):
    parent, owner, *_ = family
    parent = fresh(parent)
    assert parent.partner_id is None
    assert not runs_visible_to(owner.partner).filter(pk=parent.pk).exists()


def test_the_parent_refusal_names_the_parts(family, admin, template):
    parent, *_ = family
    with pytest.raises(TransitionNotAllowed, match="split into parts"):
        services.run_dispatch(run=parent, template_ids=[template.pk], actor=admin)


def test_a_partner_cannot_reach_a_parent_it_does_not_hold(family, make_workshop):
    parent, _owner, (_first, north), _second = family
    with pytest.raises(NotFound):
        services.run_accept(run=parent, actor=north.actor)


def _finish_part(part, workshop, admin):
    services.run_accept(run=part, actor=workshop.actor)
    services.run_complete(run=part, actor=admin)


def test_parent_completes_when_every_part_completes(family, admin):
    parent, _owner, (first, north), (second, south) = family
    _finish_part(first, north, admin)
    drain()
    assert fresh(parent).status == "in_progress"  # one part is still open
    _finish_part(second, south, admin)
    drain()
    parent = fresh(parent)
    assert parent.status == "completed"
    assert parent.completed_at is not None
    row = history(parent)[-1]
    assert (row.kind, row.from_status, row.to_status, row.actor_kind) == (
        "complete",
        "in_progress",
        "completed",
        "system",
    )
    assert row.related_run_id == second.pk
    assert len(run_events(parent, "production_run.completed")) == 1
    assert_each_status_change_recorded_once(parent)


def test_parent_completes_if_any_part_completed_and_the_rest_were_cancelled(family, admin):
    parent, _owner, (first, north), (second, _south) = family
    _finish_part(first, north, admin)
    services.run_cancel(run=second, actor=admin, reason="moved to next season")
    drain()
    parent = fresh(parent)
    assert parent.status == "completed"
    assert len(run_events(parent, "production_run.cancelled")) == 0


def test_parent_is_cancelled_when_every_part_was_cancelled(family, admin):
    parent, _owner, (first, _north), (second, _south) = family
    services.run_cancel(run=first, actor=admin)
    drain()
    assert fresh(parent).status == "approved"
    services.run_cancel(run=second, actor=admin)
    drain()
    parent = fresh(parent)
    assert parent.status == "cancelled"
    assert parent.cancelled_at is not None
    assert history(parent)[-1].actor_kind == "system"
    assert len(run_events(parent, "production_run.cancelled")) == 1
    assert_each_status_change_recorded_once(parent)


def test_a_parent_that_ends_leaves_no_task_open(make_run, admin, workshop, template):
    parent = make_run("pending_review", quantity=2)
    services.run_add_tasks(run=parent, actor=admin, title="Book the fabric")
    (part,) = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[Assignment(partner_id=workshop.partner.pk, quantity=2)],
    ).children
    services.run_cancel(run=part, actor=admin)
    drain()
    assert fresh(parent).status == "cancelled"
    assert [t.status for t in tasks_of(parent)] == ["cancelled"]
    assert_no_open_tasks_on_terminal_runs()


def test_a_parent_s_own_tasks_never_complete_it_directly(make_run, admin, workshop):
    """A parent follows its parts; its own finished tasks do not complete it."""
    from loomworks.events.models import Delivery

    parent = make_run("pending_review", quantity=2)
    (task,) = services.run_add_tasks(run=parent, actor=admin, title="Book the fabric")
    (part,) = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[Assignment(partner_id=workshop.partner.pk, quantity=2)],
    ).children
    services.run_dispatch(run=part, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=part, actor=workshop.actor)
    assert fresh(parent).status == "in_progress"
    services.run_task_finish(task=task, actor=admin)
    drain(ignore_backoff=True)
    assert fresh(parent).status == "in_progress"
    assert not Delivery.objects.exclude(state="done").exists()
