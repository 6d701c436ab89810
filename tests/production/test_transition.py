"""The one function that changes a run's status, on its own."""

import pytest

from loomworks.core.errors import NotFound
from loomworks.production.states import TRANSITIONS, transition
from tests.production.support import fresh, world


def test_an_unknown_run_is_not_found(admin, db):
    with pytest.raises(NotFound):
        transition("run_doesnotexist", "cancel", actor=admin)


def test_changes_cannot_smuggle_in_a_status(make_run, admin):
    run = make_run("pending_review")
    before = world()
    with pytest.raises(ValueError):
        transition(run, "edit", actor=admin, changes={"status": "completed", "notes": "x"})
    assert world() == before
    assert fresh(run).status == "pending_review"


def test_every_status_change_in_the_table_has_an_event():
    for spec in TRANSITIONS.values():
        if spec.to_status is not None:
            assert spec.event, spec.action


def test_a_changed_result_carries_its_history_row(make_run, admin):
    run = make_run("pending_review")
    result = transition(run, "approve", actor=admin, note="looks good")
    assert result.changed
    assert (result.history.from_status, result.history.to_status, result.history.note) == (
        "pending_review",
        "approved",
        "looks good",
    )
    assert result.run.status == fresh(run).status == "approved"
