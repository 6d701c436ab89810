"""`states.allowed_actions` offers exactly what `transition()` would do.

Every page button and every `available_actions` in the API comes from it, so
it must agree with the state machine for every status, actor and action: an
action offered goes through (and changes something), an action refused is
refused by `transition()` with the same reason.
"""

import pytest
from django.db import transaction

from loomworks.core.errors import TransitionNotAllowed
from loomworks.production.models import ProductionRun
from loomworks.production.services import Assignment, run_approve, run_finish, run_start
from loomworks.production.states import allowed_actions, transition

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def what_transition_does(run, action, actor):
    """(went through and changed something, refusal) — and nothing is kept."""
    try:
        with transaction.atomic():
            result = transition(run.pk, action, actor=actor)
            raise Rollback(result.changed)
    except Rollback as done:
        return done.args[0], None
    except TransitionNotAllowed as refused:
        return False, refused.detail


@pytest.fixture
def runs(make_run, workshop, admin, make_workshop):
    started = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    run_start(run=started, actor=workshop.actor)
    finished = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    run_start(run=finished, actor=workshop.actor)
    run_finish(run=finished, actor=workshop.actor)
    parent = make_run(quantity=4)
    run_approve(
        run=parent,
        actor=admin,
        assignments=[Assignment(partner_id=make_workshop().partner.pk, quantity=4)],
    )
    return [
        make_run("draft"),
        make_run("pending_review", partner=workshop.partner),
        make_run("approved", partner=workshop.partner),
        make_run("sent_to_partner", partner=workshop.partner),
        make_run("in_progress", partner=workshop.partner, actor=workshop.actor),
        started,
        finished,
        make_run("completed", partner=workshop.partner, actor=workshop.actor),
        make_run("cancelled"),
        make_run("awaiting_reassignment", partner=workshop.partner, actor=workshop.actor),
        parent,
    ]


@pytest.mark.parametrize("who", ["admin", "partner"])
def test_every_offer_and_refusal_matches_the_state_machine(runs, who, admin, workshop):
    actor = admin if who == "admin" else workshop.actor
    for run in runs:
        run = ProductionRun.objects.get(pk=run.pk)
        if who == "partner" and run.partner_id != workshop.partner.pk:
            continue
        has_parts = ProductionRun.objects.filter(parent_id=run.pk).exists()
        for check in allowed_actions(run, actor, has_parts=has_parts):
            changed, refusal = what_transition_does(run, check.action, actor)
            assert check.allowed == changed, (run.status, check.action, check.reason, refusal)
            if refusal is not None:
                assert check.reason == refusal, (run.status, check.action)


def test_an_actor_is_never_offered_what_it_may_not_do(runs, workshop):
    offered = {
        check.action
        for run in runs
        for check in allowed_actions(run, workshop.actor, has_parts=False)
    }
    assert offered <= {"accept", "decline", "start", "finish", "complete", "media_added"}
