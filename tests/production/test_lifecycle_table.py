"""Every row of the run lifecycle table, from every status: allowed, repeated or refused.

An allowed action moves the run, stamps its time, and writes one history row
and one event. A repeated action answers with the run as it is and writes
nothing. A refused one raises 409 naming the current status and writes
nothing. A partner acting on a run it does not hold gets 404.
"""

import pytest

from loomworks.core.errors import NotFound, TransitionNotAllowed
from loomworks.production import services
from tests.production.support import (
    assert_each_status_change_recorded_once,
    fresh,
    history,
    run_events,
    world,
)

STARTS = [
    "draft",
    "pending_review",
    "approved",
    "sent_to_partner",
    "in_progress",
    "started",
    "finished",
    "completed",
    "cancelled",
    "awaiting_reassignment",
]

REFUSED, NOOP, NOT_FOUND = "refused", "noop", "not_found"

# action -> {start: expected}; a start not listed is refused (409).
TABLE = {
    "approve": {"draft": "approved", "pending_review": "approved"},
    "dispatch": {"approved": "sent_to_partner"},
    "accept": {
        "sent_to_partner": "in_progress",
        "in_progress": NOOP,
        "started": NOOP,
        "finished": NOOP,
        "completed": NOOP,  # it was accepted before it completed
        "awaiting_reassignment": NOT_FOUND,  # the partner declined it: no longer theirs
    },
    "decline": {"sent_to_partner": "awaiting_reassignment", "awaiting_reassignment": NOT_FOUND},
    "start": {
        "in_progress": "in_progress",
        "started": NOOP,
        "finished": NOOP,
        "awaiting_reassignment": NOT_FOUND,
    },
    "finish": {"started": "in_progress", "finished": NOOP, "awaiting_reassignment": NOT_FOUND},
    "complete": {"finished": "completed", "completed": NOOP, "awaiting_reassignment": NOT_FOUND},
    "reassign": {
        "approved": "approved",
        "sent_to_partner": "sent_to_partner",
        "awaiting_reassignment": "approved",
    },
    "cancel": {
        "draft": "cancelled",
        "pending_review": "cancelled",
        "approved": "cancelled",
        "sent_to_partner": "cancelled",
        "in_progress": "cancelled",
        "started": "cancelled",
        "finished": "cancelled",
        "awaiting_reassignment": "cancelled",
        "cancelled": NOOP,
    },
}

EVENTS = {
    "approve": "production_run.approved",
    "dispatch": "production_run.sent_to_partner",
    "accept": "production_run.accepted",
    "decline": "production_run.declined",
    "start": "production_run.started",
    "finish": "production_run.finished",
    "complete": "production_run.completed",
    "reassign": "production_run.partner_reassigned",
    "cancel": "production_run.cancelled",
}

STAMPS = {
    "accept": "accepted_at",
    "start": "started_at",
    "finish": "finished_at",
    "complete": "completed_at",
    "cancel": "cancelled_at",
}

ACTORS = {
    "approve": "admin",
    "dispatch": "admin",
    "accept": "partner",
    "decline": "partner",
    "start": "partner",
    "finish": "partner",
    "complete": "partner",
    "reassign": "admin",
    "cancel": "admin",
}


def _act(action, run, *, admin, workshop, other_workshop, template):
    partner = workshop.actor
    match action:
        case "approve":
            return services.run_approve(run=run, actor=admin)
        case "dispatch":
            return services.run_dispatch(run=run, template_ids=[template.pk], actor=admin)
        case "accept":
            return services.run_accept(run=run, actor=partner)
        case "decline":
            return services.run_decline(run=run, actor=partner, reason="capacity")
        case "start":
            return services.run_start(run=run, actor=partner)
        case "finish":
            return services.run_finish(run=run, actor=partner)
        case "complete":
            return services.run_complete(run=run, actor=partner)
        case "reassign":
            return services.run_reassign(run=run, partner=other_workshop.partner, actor=admin)
        case "cancel":
            return services.run_cancel(run=run, actor=admin, reason="no longer needed")
    raise AssertionError(action)


ROWS = [(action, start, TABLE[action].get(start, REFUSED)) for action in TABLE for start in STARTS]


@pytest.mark.parametrize(
    ("action", "start", "expected"), ROWS, ids=[f"{a}-from-{s}-{e}" for a, s, e in ROWS]
)
def test_lifecycle_table(
    action, start, expected, run_at, admin, workshop, other_workshop, template
):
    run = run_at(start)
    status_before = fresh(run).status
    before = world()

    def act():
        return _act(
            action,
            run,
            admin=admin,
            workshop=workshop,
            other_workshop=other_workshop,
            template=template,
        )

    if expected == REFUSED:
        with pytest.raises(TransitionNotAllowed) as refused:
            act()
        assert refused.value.status == status_before
        assert refused.value.detail  # says why
        assert world() == before
        return
    if expected == NOT_FOUND:
        with pytest.raises(NotFound):
            act()
        assert world() == before
        return
    if expected == NOOP:
        act()
        assert world() == before
        return

    history_before = len(history(run))
    events_before = len(run_events(run, EVENTS[action]))
    act()
    run = fresh(run)
    assert run.status == expected
    rows = history(run)[history_before:]
    assert len(rows) == 1
    assert (rows[0].from_status, rows[0].to_status) == (status_before, expected)
    assert rows[0].actor_kind == ACTORS[action]
    assert len(run_events(run, EVENTS[action])) == events_before + 1
    if action in STAMPS:
        assert getattr(run, STAMPS[action]) is not None
    assert_each_status_change_recorded_once(run)


def test_the_table_covers_every_action_and_status():
    from loomworks.production.models import RunStatus

    assert set(STARTS) >= set(RunStatus.values)
    assert len(ROWS) == len(TABLE) * len(STARTS)


# ---------------------------------------------------------------- who may act


@pytest.mark.parametrize(
    ("action", "start"),
    [
        ("approve", "pending_review"),
        ("dispatch", "approved"),
        ("reassign", "sent_to_partner"),
        ("cancel", "in_progress"),
        ("cancel", "cancelled"),  # not a quiet no-op for someone who may not cancel at all
    ],
)
def test_partner_cannot_take_admin_actions(
    action, start, run_at, workshop, other_workshop, template
):
    run = run_at(start)
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        match action:
            case "approve":
                services.run_approve(run=run, actor=workshop.actor)
            case "dispatch":
                services.run_dispatch(run=run, template_ids=[template.pk], actor=workshop.actor)
            case "reassign":
                services.run_reassign(run=run, partner=other_workshop.partner, actor=workshop.actor)
            case "cancel":
                services.run_cancel(run=run, actor=workshop.actor)
    assert "Only admin" in refused.value.detail
    assert world() == before


def test_admin_cannot_decline_for_the_partner(run_at, admin):
    run = run_at("sent_to_partner")
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_decline(run=run, actor=admin, reason="capacity")
    assert world() == before


@pytest.mark.parametrize("start", ["sent_to_partner", "in_progress", "started", "finished"])
def test_another_partner_gets_not_found_for_every_partner_action(start, run_at, other_workshop):
    run = run_at(start)
    stranger = other_workshop.actor
    before = world()
    for act in (
        lambda: services.run_accept(run=run, actor=stranger),
        lambda: services.run_decline(run=run, actor=stranger, reason="capacity"),
        lambda: services.run_start(run=run, actor=stranger),
        lambda: services.run_finish(run=run, actor=stranger),
        lambda: services.run_complete(run=run, actor=stranger),
    ):
        with pytest.raises(NotFound):
            act()
    assert world() == before


def test_admin_acts_for_the_partner_through_the_whole_life(run_at, admin):
    run = run_at("sent_to_partner")
    run = services.run_accept(run=run, actor=admin)
    run = services.run_start(run=run, actor=admin)
    run = services.run_finish(run=run, actor=admin)
    run = services.run_complete(run=run, actor=admin)
    assert run.status == "completed"
    assert [row.actor_kind for row in history(run)[-4:]] == ["admin"] * 4
    assert_each_status_change_recorded_once(run)


def test_admin_may_complete_a_run_that_was_never_finished(run_at, admin):
    run = services.run_complete(run=run_at("in_progress"), actor=admin)
    assert run.status == "completed" and run.finished_at is None


def test_partner_completes_only_after_finishing(run_at, workshop):
    run = run_at("started")
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_complete(run=run, actor=workshop.actor)
    assert "finished" in refused.value.detail
    run = services.run_finish(run=run, actor=workshop.actor)
    assert services.run_complete(run=run, actor=workshop.actor).status == "completed"


def test_start_needs_acceptance_and_finish_needs_start(run_at, workshop):
    run = run_at("in_progress")
    with pytest.raises(TransitionNotAllowed, match="Start"):
        services.run_finish(run=run, actor=workshop.actor)
    assert fresh(run).finished_at is None


def test_system_cannot_accept_for_a_partner(run_at, system):
    run = run_at("sent_to_partner")
    with pytest.raises(TransitionNotAllowed):
        services.run_accept(run=run, actor=system)
    assert fresh(run).status == "sent_to_partner"
