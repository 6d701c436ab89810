"""Reassign, cancel, add tasks (redo) and the production policy."""

import pytest

from loomworks.core.errors import Conflict, InvalidInput, TransitionNotAllowed
from loomworks.events.api import drain
from loomworks.partners.models import Partner
from loomworks.production import services
from loomworks.production.services import Assignment
from tests.factories import PartnerFactory, TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_no_open_tasks_on_terminal_runs,
    fresh,
    history,
    open_tasks,
    run_events,
    task_events,
    tasks_of,
    world,
)

# ---------------------------------------------------------------- reassign


def test_reassigning_a_sent_run_keeps_its_status_and_moves_its_open_tasks(
    run_at, admin, workshop, other_workshop
):
    run = run_at("sent_to_partner")
    run = services.run_reassign(
        run=run, partner=other_workshop.partner, actor=admin, note="closer to the mill"
    )
    run = fresh(run)
    assert run.status == "sent_to_partner"
    assert run.partner_id == other_workshop.partner.pk
    assert run.previous_partner_id == workshop.partner.pk
    assert {t.partner_id for t in tasks_of(run)} == {other_workshop.partner.pk}
    row = history(run)[-1]
    assert (row.kind, row.from_status, row.to_status) == (
        "reassign",
        "sent_to_partner",
        "sent_to_partner",
    )
    assert row.details == {
        "from_partner_id": workshop.partner.pk,
        "to_partner_id": other_workshop.partner.pk,
    }
    event = run_events(run, "production_run.partner_reassigned")[0]
    assert event.payload["old_partner_id"] == workshop.partner.pk
    assert event.payload["new_partner_id"] == other_workshop.partner.pk
    # The new partner can work the run; the old one has lost it.
    services.run_accept(run=run, actor=other_workshop.actor)
    from loomworks.core.errors import NotFound

    with pytest.raises(NotFound):
        services.run_start(run=run, actor=workshop.actor)


def test_reassigning_a_declined_run_makes_it_ready_to_dispatch_again(
    run_at, admin, workshop, other_workshop, template
):
    run = run_at("awaiting_reassignment")
    run = services.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
    run = fresh(run)
    assert run.status == "approved"
    assert run.partner_id == other_workshop.partner.pk
    assert run.previous_partner_id == workshop.partner.pk
    assert_each_status_change_recorded_once(run)
    sent = services.run_dispatch(run=run, template_ids=[template.pk], actor=admin)
    assert sent.run.status == "sent_to_partner"
    assert {t.partner_id for t in open_tasks(run)} == {other_workshop.partner.pk}


def test_tasks_added_while_a_run_waits_for_a_partner_follow_the_new_partner(
    run_at, admin, other_workshop
):
    run = run_at("awaiting_reassignment")
    extra = services.run_add_tasks(run=run, actor=admin, title="Re-check the marker")[0]
    assert extra.partner_id is None
    services.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
    assert fresh(extra).partner_id == other_workshop.partner.pk


def test_reassigning_an_approved_run_moves_tasks_added_before_dispatch(
    run_at, admin, other_workshop
):
    run = run_at("approved")
    extra = services.run_add_tasks(run=run, actor=admin, title="Order thread")[0]
    services.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
    run = fresh(run)
    assert run.status == "approved"
    assert fresh(extra).partner_id == other_workshop.partner.pk


@pytest.mark.parametrize("start", ["in_progress", "started", "completed", "cancelled"])
def test_no_reassignment_after_acceptance(start, run_at, admin, other_workshop):
    run = run_at(start)
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
    assert world() == before


def test_reassigning_to_an_inactive_partner_is_refused(run_at, admin):
    run = run_at("sent_to_partner")
    sleeping = PartnerFactory(status="inactive")
    before = world()
    with pytest.raises(Conflict):
        services.run_reassign(run=run, partner=sleeping, actor=admin)
    assert world() == before


def test_reassigning_to_the_same_partner_is_a_no_op(run_at, admin, workshop):
    run = run_at("sent_to_partner")
    before = world()
    services.run_reassign(run=run, partner=workshop.partner, actor=admin)
    assert world() == before


# ---------------------------------------------------------------- cancel


@pytest.mark.parametrize(
    "start", ["draft", "pending_review", "approved", "sent_to_partner", "finished"]
)
def test_cancel_cancels_the_open_tasks_and_keeps_the_reason(start, run_at, admin):
    run = run_at(start)
    result = services.run_cancel(run=run, actor=admin, reason="  customer withdrew  ")
    run = fresh(run)
    assert result.run.status == run.status == "cancelled"
    assert run.cancelled_at is not None
    assert run.cancelled_reason == "customer withdrew"
    assert history(run)[-1].note == "customer withdrew"
    assert open_tasks(run) == []
    for task in tasks_of(run):
        assert task.status == "cancelled"
        assert len(task_events(task, "task.cancelled")) == 1
    assert_each_status_change_recorded_once(run)


def test_cancelling_a_completed_run_is_refused(run_at, admin):
    run = run_at("completed")
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_cancel(run=run, actor=admin)
    assert world() == before


def test_cancelling_a_parent_cancels_its_open_parts(make_run, admin, make_workshop, template):
    a, b, c = make_workshop(), make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=2)
    first, second, third = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=a.partner.pk, quantity=1, template_ids=[template.pk]),
            Assignment(partner_id=b.partner.pk, quantity=1, template_ids=[template.pk]),
            Assignment(partner_id=c.partner.pk, quantity=2, order=2),
        ],
    ).children
    services.run_accept(run=first, actor=a.actor)
    services.run_complete(run=first, actor=admin)
    result = services.run_cancel(run=parent, actor=admin, reason="season dropped")
    assert set(result.cancelled_children) == {second.pk, third.pk}
    assert fresh(first).status == "completed"  # a finished part stays finished
    for child in (second, third):
        child = fresh(child)
        assert child.status == "cancelled"
        assert parent.reference in child.cancelled_reason
        assert "season dropped" in child.cancelled_reason
        assert len(run_events(child, "production_run.cancelled")) == 1
        assert_each_status_change_recorded_once(child)
    assert open_tasks(second) == []
    drain()
    parent = fresh(parent)
    assert parent.status == "cancelled"  # cancelled by the admin, not rolled up
    assert len(run_events(parent, "production_run.cancelled")) == 1
    assert_each_status_change_recorded_once(parent)
    assert_no_open_tasks_on_terminal_runs()


# ---------------------------------------------------------------- add tasks (redo)


def test_added_tasks_block_completion_until_done(run_at, admin, workshop):
    run = run_at("in_progress")
    original = tasks_of(run, top_level=True)
    redo_template = TemplateFactory(name="Re-press", checklist=["Steam", "Fold"])
    added = services.run_add_tasks(
        run=run, actor=admin, template_ids=[redo_template.pk], title="Replace the label"
    )
    assert [t.title for t in added] == ["Re-press", "Replace the label"]
    assert [t.position for t in added] == [1, 2]
    assert {t.partner_id for t in added} == {workshop.partner.pk}
    row = history(run)[-1]
    assert (row.kind, row.to_status) == ("tasks_added", "in_progress")
    assert row.details["titles"] == ["Re-press", "Replace the label"]

    for task in original:
        services.run_task_finish(task=task, actor=workshop.actor)
    drain()
    assert fresh(run).status == "in_progress"  # the redo is still open
    for task in added:
        services.run_task_finish(task=task, actor=workshop.actor)
    drain()
    assert fresh(run).status == "completed"
    assert_each_status_change_recorded_once(run)


def test_redo_in_several_rounds(run_at, admin, workshop):
    run = run_at("in_progress")
    for round_number in range(3):
        task = services.run_add_tasks(run=run, actor=admin, title=f"Round {round_number}")[0]
        assert task.position == round_number + 1
    assert [r.kind for r in history(run)[-3:]] == ["tasks_added"] * 3


@pytest.mark.parametrize("start", ["completed", "cancelled"])
def test_no_tasks_are_added_to_a_finished_run(start, run_at, admin):
    run = run_at(start)
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_add_tasks(run=run, actor=admin, title="More")
    assert world() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"title": "   "}, "template_ids"), ({"template_ids": ["tpl_nope"]}, "template_ids")],
)
def test_added_tasks_need_a_template_or_a_title(kwargs, field, run_at, admin):
    run = run_at("in_progress")
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_add_tasks(run=run, actor=admin, **kwargs)
    assert invalid.value.field == field
    assert world() == before


# ---------------------------------------------------------------- policy


def test_the_policy_narrows_what_admins_may_do(run_at, admin):
    services.policy_update(config={"cancel": ["draft", "pending_review"]}, actor=admin)
    run = run_at("approved")
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_cancel(run=run, actor=admin)
    assert "Draft" in refused.value.detail and "Pending review" in refused.value.detail
    assert world() == before
    draft = run_at("draft")
    assert services.run_cancel(run=draft, actor=admin).run.status == "cancelled"


def test_an_empty_policy_list_forbids_the_action_for_admins(run_at, admin):
    services.policy_update(config={"approve": []}, actor=admin)
    run = run_at("pending_review")
    with pytest.raises(TransitionNotAllowed, match="policy"):
        services.run_approve(run=run, actor=admin)


def test_the_policy_does_not_bind_partners_or_the_system(run_at, admin, workshop):
    services.policy_update(config={"accept": [], "complete": []}, actor=admin)
    run = run_at("sent_to_partner")
    with pytest.raises(TransitionNotAllowed):
        services.run_accept(run=run, actor=admin)
    run = services.run_accept(run=run, actor=workshop.actor)
    assert run.status == "in_progress"
    for task in tasks_of(run, top_level=True):
        services.run_task_finish(task=task, actor=workshop.actor)
    drain()
    assert fresh(run).status == "completed"  # the system completed it


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"teleport": ["draft"]}, "config.teleport"),
        ({"decline": ["sent_to_partner"]}, "config.decline"),  # not an admin action
        ({"cancel": ["completed"]}, "config.cancel"),  # outside the state machine
        ({"cancel": "draft"}, "config.cancel"),
        ([], "config"),
    ],
)
def test_the_policy_stays_within_the_state_machine(config, field, admin):
    with pytest.raises(InvalidInput) as invalid:
        services.policy_update(config=config, actor=admin)
    assert invalid.value.field == field


def test_inactive_partner_workshop_cannot_be_reassigned(run_at, admin, other_workshop):
    Partner.objects.filter(pk=other_workshop.partner.pk).update(status="pending")
    with pytest.raises(Conflict):
        services.run_reassign(
            run=run_at("approved"), partner=fresh(other_workshop.partner), actor=admin
        )
