"""One action on many runs: each run through its own service and transaction, a
refusal leaving that run untouched, one audit row for the request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.partners.models import PartnerStatus
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunHistory
from loomworks.production.read_models import BULK_AUDIT_TARGET
from loomworks.production.selectors import RunFilters, bulk_result
from loomworks.production.services import bulk
from loomworks.work.models import Task
from tests.factories import TemplateFactory
from tests.production.support import fresh, history_kinds, open_tasks, world


def snapshot_of(runs) -> dict:
    """What the rows of `runs` hold now, their history and tasks included."""
    state = world()
    ids = {run.pk for run in runs}
    history = {run.pk: RunHistory.objects.filter(run_id=run.pk).count() for run in runs}
    tasks = {run.pk: Task.objects.filter(run_id=run.pk).count() for run in runs}
    return {
        "runs": {key: value for key, value in state["runs"].items() if key in ids},
        "history": history,
        "tasks": tasks,
    }


def outcomes(result) -> dict[str, tuple[str, str]]:
    return {run.run_id: (run.outcome, run.detail) for run in result.runs}


def test_bulk_dispatch_of_200_runs_reports_each_and_leaves_the_refused_untouched(
    make_run, admin, make_workshop
):
    workshop, gone = make_workshop(), make_workshop()
    cutting, sewing = TemplateFactory(name="Cutting"), TemplateFactory(name="Sewing")
    ready = [make_run("approved", partner=workshop.partner) for _ in range(150)]
    pending = [make_run("pending_review", partner=workshop.partner) for _ in range(30)]
    without_partner = [make_run("approved") for _ in range(10)]
    inactive = [make_run("approved", partner=gone.partner) for _ in range(10)]
    gone.partner.status = PartnerStatus.INACTIVE
    gone.partner.save()
    refused = pending + without_partner + inactive
    before = snapshot_of(refused)

    result = services.runs_bulk_apply(
        action="dispatch",
        actor=admin,
        run_ids=[run.pk for run in [*refused, *ready]],
        template_ids=[sewing.pk, cutting.pk],
    )

    assert result.counts == {"done": 150, "unchanged": 0, "refused": 50}
    assert len(result.runs) == 200
    by_run = outcomes(result)
    for run in ready:
        assert by_run[run.pk] == ("done", "")
        assert fresh(run).status == "sent_to_partner"
        titles = [t.title for t in Task.objects.filter(run=run, parent__isnull=True)]
        assert titles == ["Sewing", "Cutting"]
        assert history_kinds(run)[-1] == "dispatch"
    for run in pending:
        outcome, detail = by_run[run.pk]
        assert outcome == "refused"
        assert detail == (
            f"Cannot send to production {run.reference} while it is Pending review; "
            "it must be “Approved”."
        )
    for run in without_partner:
        assert by_run[run.pk] == (
            "refused",
            f"{run.reference} has no partner; reassign it to one before sending it.",
        )
    for run in inactive:
        assert "reassign" in by_run[run.pk][1] and gone.partner.name in by_run[run.pk][1]
    assert snapshot_of(refused) == before


def test_the_request_leaves_one_audit_row_naming_the_actor_and_counts(make_run, admin, workshop):
    sent = make_run("sent_to_partner", partner=workshop.partner)
    pending = make_run("pending_review")
    result = services.runs_bulk_apply(action="approve", actor=admin, run_ids=[sent.pk, pending.pk])
    entry = AuditEntry.objects.get(target_type=BULK_AUDIT_TARGET)
    assert entry.target_id == result.id
    assert entry.action == "production_run.bulk_approve"
    assert entry.actor_id == admin.user_id
    assert entry.actor_name == admin.name
    assert entry.details["counts"] == {"done": 1, "unchanged": 0, "refused": 1}
    assert entry.details["selection"] == {"run_ids": 2}
    # The result page reads the same record back.
    assert bulk_result(result.id) == result


def test_bulk_approve_approves_what_may_be_approved(make_run, admin, workshop):
    draft, pending, sent = (
        make_run("draft"),
        make_run("pending_review"),
        make_run("sent_to_partner", partner=workshop.partner),
    )
    result = services.runs_bulk_apply(
        action="approve", actor=admin, run_ids=[draft.pk, pending.pk, sent.pk]
    )
    assert fresh(draft).status == fresh(pending).status == "approved"
    assert history_kinds(pending) == ["created", "approve"]
    outcome, detail = outcomes(result)[sent.pk]
    assert outcome == "refused"
    assert detail.startswith(f"Cannot approve {sent.reference} while it is Sent to partner")
    assert fresh(sent).status == "sent_to_partner"


def test_bulk_reassign_moves_runs_not_yet_accepted(make_run, admin, make_workshop):
    first, second = make_workshop(), make_workshop()
    sent = make_run("sent_to_partner", partner=first.partner)
    approved = make_run("approved", partner=first.partner)
    working = make_run("in_progress", partner=first.partner, actor=first.actor)
    already = make_run("approved", partner=second.partner)
    result = services.runs_bulk_apply(
        action="reassign",
        actor=admin,
        run_ids=[sent.pk, approved.pk, working.pk, already.pk],
        partner=second.partner,
        note="Nord is full this month",
    )
    by_run = outcomes(result)
    assert by_run[sent.pk] == ("done", "")
    assert by_run[approved.pk] == ("done", "")
    assert by_run[already.pk][0] == "unchanged"
    assert by_run[working.pk][0] == "refused"
    assert "In progress" in by_run[working.pk][1]
    assert fresh(sent).partner_id == fresh(approved).partner_id == second.partner.pk
    assert {task.partner_id for task in open_tasks(sent)} == {second.partner.pk}
    assert fresh(working).partner_id == first.partner.pk
    row = RunHistory.objects.filter(run=sent, kind="reassign").get()
    assert row.note == "Nord is full this month"


def test_bulk_reassign_to_an_inactive_partner_is_refused_before_any_run(
    make_run, admin, make_workshop
):
    run = make_run("approved")
    closed = make_workshop(status=PartnerStatus.INACTIVE)
    before = world()
    with pytest.raises(Conflict):
        services.runs_bulk_apply(
            action="reassign", actor=admin, run_ids=[run.pk], partner=closed.partner
        )
    assert world() == before
    assert not AuditEntry.objects.filter(target_type=BULK_AUDIT_TARGET).exists()


def test_bulk_cancel_with_a_reason(make_run, admin, workshop):
    open_run = make_run("sent_to_partner", partner=workshop.partner)
    done = make_run("completed", partner=workshop.partner, actor=workshop.actor)
    cancelled = make_run("cancelled")
    result = services.runs_bulk_apply(
        action="cancel",
        actor=admin,
        run_ids=[open_run.pk, done.pk, cancelled.pk],
        reason="The season is dropped",
    )
    by_run = outcomes(result)
    assert by_run[open_run.pk] == ("done", "")
    assert fresh(open_run).status == "cancelled"
    assert fresh(open_run).cancelled_reason == "The season is dropped"
    assert open_tasks(open_run) == []
    assert by_run[done.pk] == (
        "refused",
        f"{done.reference} is Completed; nothing more can be done with it.",
    )
    assert by_run[cancelled.pk] == (
        "unchanged",
        f"{cancelled.reference} is already where this action would take it.",
    )
    assert fresh(cancelled).cancelled_reason == "test"


def test_a_cancel_needs_a_reason_and_writes_nothing_without_one(make_run, admin):
    run = make_run("approved")
    before = world()
    with pytest.raises(InvalidInput) as error:
        services.runs_bulk_apply(action="cancel", actor=admin, run_ids=[run.pk], reason="  ")
    assert error.value.field == "reason"
    assert world() == before


def test_all_that_match_uses_the_lists_filters(make_run, admin, make_workshop):
    one, two = make_workshop(), make_workshop()
    wanted = [make_run("approved", partner=one.partner) for _ in range(3)]
    other_status = make_run("pending_review", partner=one.partner)
    other_partner = make_run("approved", partner=two.partner)
    filters = RunFilters(status="approved", partner_id=one.partner.pk)
    result = services.runs_bulk_apply(
        action="cancel", actor=admin, filters=filters, reason="Wrong fabric"
    )
    assert sorted(run.run_id for run in result.runs) == sorted(run.pk for run in wanted)
    assert all(fresh(run).status == "cancelled" for run in wanted)
    assert fresh(other_status).status == "pending_review"
    assert fresh(other_partner).status == "approved"
    assert result.filters == {
        "status": "approved",
        "partner_id": one.partner.pk,
        "order": "-created_at",
    }


def test_more_runs_than_the_limit_are_refused_with_what_to_do(make_run, admin, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_BULK_RUNS", 2)
    runs = [make_run("approved") for _ in range(3)]
    before = world()
    with pytest.raises(InvalidInput) as by_filter:
        services.runs_bulk_apply(
            action="cancel", actor=admin, filters=RunFilters(), reason="Too many"
        )
    assert by_filter.value.field == "filter"
    assert "at most 2 runs; this one would touch 3" in by_filter.value.detail
    assert "Narrow the filters" in by_filter.value.detail
    with pytest.raises(InvalidInput) as by_ids:
        services.runs_bulk_apply(
            action="cancel", actor=admin, run_ids=[r.pk for r in runs], reason="Too many"
        )
    assert by_ids.value.field == "run_ids"
    assert world() == before


def test_an_unknown_run_id_is_named_and_nothing_is_written(make_run, admin):
    run = make_run("approved")
    before = world()
    with pytest.raises(InvalidInput) as error:
        services.runs_bulk_apply(
            action="cancel", actor=admin, run_ids=[run.pk, "run_nope"], reason="x"
        )
    assert error.value.field == "run_ids[1]"
    assert "run_nope" in error.value.detail
    assert world() == before


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"action": "delete", "run_ids": ["x"]}, "action"),
        ({"action": "approve"}, "run_ids"),
        ({"action": "approve", "run_ids": []}, "run_ids"),
        ({"action": "approve", "run_ids": ["x"], "filters": RunFilters()}, "run_ids"),
        ({"action": "dispatch", "run_ids": ["x"]}, "template_ids"),
        ({"action": "dispatch", "run_ids": ["x"], "template_ids": ["tpl_nope"]}, "template_ids"),
        ({"action": "reassign", "run_ids": ["x"]}, "partner_id"),
    ],
)
def test_bad_input_names_the_field(admin, arguments, field):
    with pytest.raises(InvalidInput) as error:
        services.runs_bulk_apply(actor=admin, **arguments)
    assert error.value.field == field


def _cancel_queries(make_run, admin, workshop, count: int) -> int:
    runs = [make_run("sent_to_partner", partner=workshop.partner) for _ in range(count)]
    with CaptureQueriesContext(connection) as captured:
        services.runs_bulk_apply(
            action="cancel", actor=admin, run_ids=[run.pk for run in runs], reason="x"
        )
    assert all(fresh(run).status == "cancelled" for run in runs)
    return len(captured.captured_queries)


def test_queries_grow_by_the_same_few_per_run(make_run, admin, workshop):
    """Selecting and recording cost the same for any number of runs; each run costs
    what its own cancellation costs, the same for every run (no N+1 on top)."""
    two = _cancel_queries(make_run, admin, workshop, 2)
    four = _cancel_queries(make_run, admin, workshop, 4)
    eight = _cancel_queries(make_run, admin, workshop, 8)
    per_run = (four - two) // 2
    assert eight - four == 4 * per_run
    assert four - two == 2 * per_run
    single = make_run("sent_to_partner", partner=workshop.partner)
    with CaptureQueriesContext(connection) as captured:
        services.run_cancel(run=single, actor=admin, reason="x")
    # Its own lock and savepoint on top of the single-run service's queries.
    assert per_run <= len(captured.captured_queries) + 3
    assert ProductionRun.objects.filter(status="cancelled").count() == 15
