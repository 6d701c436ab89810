"""The cascades: tasks complete runs, parts end parents, completed runs release dependents."""

import pytest

from loomworks.catalog.models import DesignStatus
from loomworks.core.errors import TransitionNotAllowed
from loomworks.events.api import drain
from loomworks.events.models import Delivery, Event
from loomworks.partners.models import Partner
from loomworks.production import services
from loomworks.production.services import Assignment
from loomworks.work.states import transition_task
from tests.factories import DesignFactory, TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_task_events_match,
    fresh,
    history,
    history_kinds,
    run_events,
    task_events,
    tasks_of,
    world,
)

# ---------------------------------------------------------------- tasks -> run


@pytest.fixture
def working(make_run, workshop):
    """An accepted run with one task of two checklist items (subtasks)."""
    template = TemplateFactory(name="Sewing", checklist=["Sleeves", "Collar"])
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=[template]
    )
    (task,) = tasks_of(run, top_level=True)
    sleeves, collar = task.subtasks.order_by("position")
    return run, task, sleeves, collar


def test_last_subtask_completes_its_task_and_then_the_run(working, workshop):
    run, task, sleeves, collar = working
    services.run_subtask_complete(task=task, subtask=sleeves, actor=workshop.actor)
    assert fresh(task).status == "in_progress"  # the chip follows the first tick
    drain()
    assert fresh(run).status == "in_progress"

    result = services.run_subtask_complete(task=task, subtask=collar, actor=workshop.actor)
    assert result.parent_completed
    task = fresh(task)
    assert task.status == "completed" and task.completed_at is not None
    parent_event = task_events(task, "task.completed")
    assert len(parent_event) == 1
    assert parent_event[0].payload["run_id"] == run.pk

    drain()
    run = fresh(run)
    assert run.status == "completed"
    assert run.completed_at is not None
    row = history(run)[-1]
    assert (row.kind, row.from_status, row.to_status, row.actor_kind) == (
        "complete",
        "in_progress",
        "completed",
        "system",
    )
    assert len(run_events(run, "production_run.completed")) == 1
    assert_each_status_change_recorded_once(run)
    for each in tasks_of(run):
        assert_task_events_match(each)


def test_only_a_runs_last_open_task_wakes_the_completion_check(make_run, workshop):
    """10 tasks of 3 checklist items: 40 `task.completed` events, one delivery to the
    subscriber that completes the run (for the last task), none per checklist item
    nor for a task that left others open: those checks could complete nothing."""
    templates = [TemplateFactory(checklist=["a", "b", "c"]) for _ in range(10)]
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=templates
    )
    for task in tasks_of(run, top_level=True):
        for item in task.subtasks.all():
            services.run_subtask_complete(task=task, subtask=item, actor=workshop.actor)

    completed = Event.objects.filter(name="task.completed", payload__run_id=run.pk)
    check = "loomworks.production.subscribers.complete_run_when_its_tasks_are_done"
    assert completed.count() == 40
    (woke,) = Delivery.objects.filter(event__in=completed, subscriber=check)
    assert woke.event.aggregate_id == tasks_of(run, top_level=True)[-1].pk
    drain()
    assert fresh(run).status == "completed"


def test_finishing_a_task_finishes_its_open_checklist(working, workshop):
    run, task, sleeves, collar = working
    services.run_subtask_complete(task=task, subtask=sleeves, actor=workshop.actor)
    services.run_task_finish(task=task, actor=workshop.actor)
    assert {fresh(t).status for t in (task, sleeves, collar)} == {"completed"}
    assert len(task_events(sleeves, "task.completed")) == 1
    assert len(task_events(collar, "task.completed")) == 1
    drain()
    assert fresh(run).status == "completed"


def test_a_run_with_an_open_task_does_not_complete(make_run, workshop):
    first, second = TemplateFactory(checklist=[]), TemplateFactory(checklist=[])
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=[first, second]
    )
    task_one, _task_two = tasks_of(run, top_level=True)
    services.run_task_finish(task=task_one, actor=workshop.actor)
    drain()
    assert fresh(run).status == "in_progress"
    assert "complete" not in history_kinds(run)


def test_cancelled_checklist_items_and_tasks_never_block(make_run, workshop):
    templates = [TemplateFactory(checklist=["a", "b"]), TemplateFactory(checklist=[])]
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=templates
    )
    checklist_task, lone_task = tasks_of(run, top_level=True)
    item_a, item_b = checklist_task.subtasks.order_by("position")
    transition_task(item_b, "cancel", actor=workshop.actor)
    transition_task(lone_task, "cancel", actor=workshop.actor)
    result = services.run_subtask_complete(
        task=checklist_task, subtask=item_a, actor=workshop.actor
    )
    assert result.parent_completed
    drain()
    assert fresh(run).status == "completed"
    assert fresh(lone_task).status == "cancelled"


@pytest.mark.parametrize("start", ["approved", "sent_to_partner", "completed", "cancelled"])
def test_tasks_are_worked_only_while_the_run_is_in_progress(start, run_at, workshop, admin):
    """The original let tasks finish before acceptance; the run then skipped acceptance."""
    if start == "cancelled":
        run = run_at("sent_to_partner")
        services.run_cancel(run=run, actor=admin)
    else:
        run = run_at(start)
    if start == "approved":
        services.run_add_tasks(run=run, actor=admin, title="Prep")
    task = tasks_of(run, top_level=True)[0]
    subtasks = list(task.subtasks.all())
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_task_accept(task=task, actor=workshop.actor)
    if start == "completed":
        # Its open tasks were closed with it, unticked: ticking them now is too late.
        assert fresh(task).status == "closed"
        with pytest.raises(TransitionNotAllowed):
            services.run_task_finish(task=task, actor=workshop.actor)
        if subtasks:
            with pytest.raises(TransitionNotAllowed):
                services.run_subtask_complete(task=task, subtask=subtasks[0], actor=workshop.actor)
    else:
        with pytest.raises(TransitionNotAllowed):
            services.run_task_finish(task=task, actor=workshop.actor)
        if subtasks:
            with pytest.raises(TransitionNotAllowed):
                services.run_subtask_complete(task=task, subtask=subtasks[0], actor=workshop.actor)
    assert world() == before


def test_completion_through_the_partner_and_through_the_tasks_agree(make_run, workshop, admin):
    """The original had two completion paths that did different things; here both are one."""
    by_hand = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    by_tasks = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    services.run_start(run=by_hand, actor=workshop.actor)
    services.run_finish(run=by_hand, actor=workshop.actor)
    services.run_complete(run=by_hand, actor=workshop.actor)
    for task in tasks_of(by_tasks, top_level=True):
        services.run_task_finish(task=task, actor=workshop.actor)
    drain()
    for run in (fresh(by_hand), fresh(by_tasks)):
        assert run.status == "completed"
        assert run.completed_at is not None
        assert len(run_events(run, "production_run.completed")) == 1
        assert history(run)[-1].kind == "complete"
    # Completed by hand, its unticked items are closed on completion, never "completed";
    # through its tasks, every one was done.
    assert {t.status for t in tasks_of(fresh(by_hand))} == {"closed"}
    assert history(by_hand)[-1].details["closed_on_completion"] == 2
    assert {t.status for t in tasks_of(fresh(by_tasks))} == {"completed"}


# ---------------------------------------------------------------- dependents


def _steps(make_run, admin, make_workshop, *, first_templates, second_templates, parts=1):
    """Cutting (group 1, `parts` workshops) then sewing (group 2)."""
    cutters = [make_workshop() for _ in range(parts)]
    sewer = make_workshop()
    parent = make_run("pending_review", quantity=parts * 2)
    children = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            *(
                Assignment(
                    partner_id=cutter.partner.pk,
                    quantity=2,
                    role="cutting",
                    template_ids=first_templates,
                )
                for cutter in cutters
            ),
            Assignment(
                partner_id=sewer.partner.pk,
                quantity=parts * 2,
                role="sewing",
                order=2,
                template_ids=second_templates,
            ),
        ],
    ).children
    return parent, list(zip(children[:-1], cutters, strict=True)), (children[-1], sewer)


def _complete(run, workshop, admin):
    if fresh(run).status == "approved":
        services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=run, actor=workshop.actor)
    services.run_complete(run=run, actor=admin)


def test_a_dependent_with_templates_is_sent_once_its_dependencies_complete(
    make_run, admin, make_workshop
):
    sewing = TemplateFactory(name="Sewing", checklist=["Sides"])
    parent, cutting_parts, (sew, sewer) = _steps(
        make_run,
        admin,
        make_workshop,
        first_templates=[TemplateFactory().pk],
        second_templates=[sewing.pk],
        parts=2,
    )
    (cut_a, cutter_a), (cut_b, cutter_b) = cutting_parts
    _complete(cut_a, cutter_a, admin)
    drain()
    assert fresh(sew).status == "approved"  # still waits for the other cutter
    assert tasks_of(sew) == []
    _complete(cut_b, cutter_b, admin)
    drain()
    sew = fresh(sew)
    assert sew.status == "sent_to_partner"
    row = history(sew)[-1]
    assert (row.kind, row.actor_kind) == ("dispatch", "system")
    assert [t.title for t in tasks_of(sew, top_level=True)] == ["Sewing"]
    assert {t.partner_id for t in tasks_of(sew)} == {sewer.partner.pk}
    assert len(run_events(sew, "production_run.sent_to_partner")) == 1
    assert run_events(sew, "production_run.ready_to_dispatch") == []
    drain()  # nothing more to do
    assert len(run_events(sew, "production_run.sent_to_partner")) == 1
    assert fresh(parent).status == "in_progress"


def test_a_dependent_without_templates_is_announced_ready_once(make_run, admin, make_workshop):
    _parent, ((cut, cutter),), (sew, _sewer) = _steps(
        make_run, admin, make_workshop, first_templates=[], second_templates=[]
    )
    _complete(cut, cutter, admin)
    drain()
    sew = fresh(sew)
    assert sew.status == "approved"
    ready = run_events(sew, "production_run.ready_to_dispatch")
    assert len(ready) == 1
    assert history_kinds(sew)[-1] == "ready_to_dispatch"
    assert history(sew)[-1].to_status == "approved"


def test_a_dependent_that_cannot_be_sent_by_itself_is_announced_with_the_reason(
    make_run, admin, make_workshop
):
    _parent, ((cut, cutter),), (sew, sewer) = _steps(
        make_run,
        admin,
        make_workshop,
        first_templates=[],
        second_templates=[TemplateFactory().pk],
    )
    Partner.objects.filter(pk=sewer.partner.pk).update(status="inactive")
    _complete(cut, cutter, admin)
    drain()
    sew = fresh(sew)
    assert sew.status == "approved"
    assert tasks_of(sew) == []
    assert "inactive" in history(sew)[-1].note
    assert len(run_events(sew, "production_run.ready_to_dispatch")) == 1


def test_a_cancelled_dependency_blocks_its_dependents(make_run, admin, make_workshop):
    _parent, cutting_parts, (sew, _sewer) = _steps(
        make_run,
        admin,
        make_workshop,
        first_templates=[],
        second_templates=[TemplateFactory().pk],
        parts=2,
    )
    (cut_a, _cutter_a), (cut_b, cutter_b) = cutting_parts
    services.run_cancel(run=cut_a, actor=admin, reason="machine broke")
    drain()
    sew = fresh(sew)
    assert sew.status == "approved"
    blocked = run_events(sew, "production_run.blocked")
    assert len(blocked) == 1
    assert blocked[0].payload["blocked_by_run_id"] == cut_a.pk
    row = history(sew)[-1]
    assert (row.kind, row.related_run_id) == ("blocked", cut_a.pk)
    # The other cutter finishing does not release it: one of its inputs is gone.
    _complete(cut_b, cutter_b, admin)
    drain()
    sew = fresh(sew)
    assert sew.status == "approved"
    assert tasks_of(sew) == []
    assert run_events(sew, "production_run.ready_to_dispatch") == []
    assert len(run_events(sew, "production_run.blocked")) == 1


# ---------------------------------------------------------------- sample runs drive designs


def _design_events(design):
    return list(
        Event.objects.filter(name="design.status_changed", aggregate_id=design.pk).order_by(
            "occurred_at"
        )
    )


def test_a_sample_run_moves_its_design_forward(make_run, workshop, admin):
    design = DesignFactory(status=DesignStatus.IN_DEVELOPMENT)
    run = make_run("sent_to_partner", partner=workshop.partner, design=design, run_type="sample")
    services.run_accept(run=run, actor=workshop.actor)
    drain()
    assert fresh(design).status == DesignStatus.SAMPLE_PRODUCTION
    services.run_start(run=run, actor=workshop.actor)
    drain()
    assert fresh(design).status == DesignStatus.SAMPLE_PRODUCTION
    services.run_complete(run=run, actor=admin)
    drain()
    assert fresh(design).status == DesignStatus.TECHNICAL_REVIEW
    assert [(e.payload["from_status"], e.payload["to_status"]) for e in _design_events(design)] == [
        (DesignStatus.IN_DEVELOPMENT, DesignStatus.SAMPLE_PRODUCTION),
        (DesignStatus.SAMPLE_PRODUCTION, DesignStatus.TECHNICAL_REVIEW),
    ]


@pytest.mark.parametrize(
    "settled",
    [
        DesignStatus.APPROVED,
        DesignStatus.COMMERCE_READY,
        DesignStatus.REJECTED,
        DesignStatus.SUPERSEDED,
    ],
)
def test_a_sample_run_never_moves_a_settled_design(settled, make_run, workshop, admin):
    design = DesignFactory(status=settled)
    run = make_run("sent_to_partner", partner=workshop.partner, design=design, run_type="sample")
    services.run_accept(run=run, actor=workshop.actor)
    drain()
    services.run_complete(run=run, actor=admin)
    drain()
    assert fresh(design).status == settled
    assert _design_events(design) == []


def test_a_production_run_leaves_its_design_alone(make_run, workshop, admin):
    design = DesignFactory(status=DesignStatus.IN_DEVELOPMENT)
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, design=design)
    services.run_complete(run=run, actor=admin)
    drain()
    assert fresh(design).status == DesignStatus.IN_DEVELOPMENT


def test_a_late_delivery_never_pulls_a_design_back(make_run, workshop, admin):
    design = DesignFactory(status=DesignStatus.IN_DEVELOPMENT)
    run = make_run("sent_to_partner", partner=workshop.partner, design=design, run_type="sample")
    services.run_accept(run=run, actor=workshop.actor)
    services.run_complete(run=run, actor=admin)
    drain()  # "accepted" is delivered after the run completed
    assert fresh(design).status == DesignStatus.TECHNICAL_REVIEW
    assert len(_design_events(design)) == 1


def test_a_newer_design_decision_wins_over_an_older_sample_event(make_run, workshop, admin):
    from loomworks.catalog import services as catalog

    design = DesignFactory(status=DesignStatus.IN_DEVELOPMENT)
    run = make_run("sent_to_partner", partner=workshop.partner, design=design, run_type="sample")
    services.run_accept(run=run, actor=workshop.actor)
    # The admin puts the design on hold before the acceptance is delivered.
    catalog.design_update(design=design, actor=admin, status=DesignStatus.ON_HOLD)
    drain()
    assert fresh(design).status == DesignStatus.ON_HOLD
    # A later event of the run is newer than the admin's decision: it applies.
    services.run_complete(run=run, actor=admin)
    drain()
    assert fresh(design).status == DesignStatus.TECHNICAL_REVIEW
