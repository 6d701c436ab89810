"""Bulk actions on the runs list: tick runs (or take all that match the filters),
confirm with what the action needs, and read what happened to each run."""

import pytest

from loomworks.core.models import AuditEntry
from loomworks.partners.models import PartnerStatus
from loomworks.production.models import ProductionRun, RunHistory
from loomworks.production.read_models import BULK_AUDIT_TARGET
from loomworks.web.console.views import bulk as bulk_views
from loomworks.work.models import Task
from tests.production.support import fresh, world
from tests.web.console.helpers import count_queries, flashes, text

LIST = "/admin/production-runs/"
BULK = "/admin/production-runs/bulk/"


def status_of(run) -> str:
    return fresh(run).status


def test_each_row_has_a_tick_box_named_for_its_run_and_the_list_an_action_bar(console, make_run):
    run = make_run("approved")
    page = text(console.get(LIST, {"status": "approved"}))
    assert f'<input type="checkbox" name="run_ids" value="{run.pk}" id="select-{run.pk}"' in page
    assert f'form="bulk-form" aria-label="Select {run.reference}">' in page
    assert 'id="bulk-form" method="post" action="/admin/production-runs/bulk/"' in page
    # "All that match" carries the list's filters.
    assert '<input type="hidden" name="filter-status" value="approved">' in page
    assert "the 1 run that matches these filters" in page
    # Select-all is shown by the page's script only.
    assert (
        '<span class="select-all" data-select-all hidden><input type="checkbox" id="select-page"'
        in page
    )


def test_the_list_keeps_its_query_count_with_the_action_bar(console, make_run):
    make_run("approved")
    few = count_queries(lambda: console.get(LIST))
    for _ in range(6):
        make_run("approved")
    assert count_queries(lambda: console.get(LIST)) == few


def test_the_confirm_page_says_how_many_runs_and_lists_them(console, make_run):
    one, two = make_run("approved"), make_run("pending_review")
    response = console.post(BULK, {"action": "cancel", "run_ids": [one.pk, two.pk]})
    page = text(response)
    assert response.status_code == 200
    assert "Cancel 2 runs?" in page
    assert "The 2 runs you ticked." in page
    assert one.reference in page and two.reference in page
    assert 'name="reason"' in page
    assert ">Cancel 2 runs</button>" in page
    assert status_of(one) == "approved"  # nothing happens before the confirmation


def test_cancel_ticked_runs_with_a_reason_lists_each_run(console, make_run, workshop):
    open_run = make_run("sent_to_partner", partner=workshop.partner)
    done = make_run("completed", partner=workshop.partner, actor=workshop.actor)
    before = world()["runs"][done.pk]
    response = console.post(
        BULK,
        {
            "action": "cancel",
            "run_ids": [open_run.pk, done.pk],
            "reason": "The order was withdrawn",
            "confirm": "1",
        },
        follow=True,
    )
    assert response.redirect_chain[0][0].startswith(BULK + "bulk_")
    page = text(response)
    assert "1 done, 0 already so, 1 refused." in flashes(response)
    assert "Bulk action: Cancel" in page
    assert open_run.reference in page and done.reference in page
    assert f"{done.reference} is Completed; nothing more can be done with it." in page
    assert status_of(open_run) == "cancelled"
    assert fresh(open_run).cancelled_reason == "The order was withdrawn"
    assert world()["runs"][done.pk] == before


def test_a_cancel_without_a_reason_asks_for_it_and_changes_nothing(console, make_run):
    run = make_run("approved")
    before = world()
    response = console.post(
        BULK, {"action": "cancel", "run_ids": [run.pk], "reason": "", "confirm": "1"}
    )
    assert response.status_code == 200
    assert "Give the reason" in text(response)
    assert world() == before


def test_bulk_dispatch_of_200_runs_through_the_console(console, make_run, make_workshop, templates):
    workshop = make_workshop()
    ready = [make_run("approved", partner=workshop.partner) for _ in range(170)]
    pending = [make_run("pending_review", partner=workshop.partner) for _ in range(20)]
    alone = [make_run("approved") for _ in range(10)]
    refused = pending + alone
    before = {run.pk: world()["runs"][run.pk] for run in refused}
    cutting, sewing = templates[0], templates[1]
    response = console.post(
        BULK,
        {
            "action": "dispatch",
            "run_ids": [run.pk for run in ready + refused],
            "template_ids": [cutting.pk, sewing.pk],
            f"position_{sewing.pk}": "1",
            f"position_{cutting.pk}": "2",
            "confirm": "1",
        },
        follow=True,
    )
    page = text(response)
    assert "170 done, 0 already so, 30 refused." in flashes(response)
    assert page.count('class="bulk-result__done"') == 170
    assert page.count('class="bulk-result__refused"') == 30
    for run in pending:
        assert f"Cannot send to production {run.reference} while it is Pending review" in page
    for run in alone:
        assert f"{run.reference} has no partner; reassign it to one before sending it." in page
    assert all(status_of(run) == "sent_to_partner" for run in ready)
    titles = list(
        Task.objects.filter(run=ready[0], parent__isnull=True)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles == ["Sewing", "Cutting"]
    assert {run.pk: world()["runs"][run.pk] for run in refused} == before


def test_bulk_approve_and_reassign(console, make_run, make_workshop):
    first, second = make_workshop(), make_workshop()
    pending = [make_run("pending_review", partner=first.partner) for _ in range(2)]
    console.post(BULK, {"action": "approve", "run_ids": [r.pk for r in pending], "confirm": "1"})
    assert [status_of(run) for run in pending] == ["approved", "approved"]

    confirm = text(console.post(BULK, {"action": "reassign", "run_ids": [pending[0].pk]}))
    assert "Reassign 1 run?" in confirm
    assert second.partner.name in confirm
    response = console.post(
        BULK,
        {
            "action": "reassign",
            "run_ids": [pending[0].pk],
            "partner_id": second.partner.pk,
            "note": "Closer to the warehouse",
            "confirm": "1",
        },
        follow=True,
    )
    assert "1 done, 0 already so, 0 refused." in flashes(response)
    assert fresh(pending[0]).partner_id == second.partner.pk
    assert fresh(pending[1]).partner_id == first.partner.pk


def test_reassign_offers_active_partners_only(console, make_run, make_workshop):
    run = make_run("approved")
    closed = make_workshop(status=PartnerStatus.INACTIVE)
    response = console.post(
        BULK,
        {
            "action": "reassign",
            "run_ids": [run.pk],
            "partner_id": closed.partner.pk,
            "confirm": "1",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not AuditEntry.objects.filter(target_type=BULK_AUDIT_TARGET).exists()


def test_all_that_match_the_filters(console, make_run, make_workshop):
    one, two = make_workshop(), make_workshop()
    wanted = [make_run("approved", partner=one.partner) for _ in range(3)]
    other = make_run("approved", partner=two.partner)
    selection = {
        "action": "cancel",
        "scope": "filter",
        "filter-partner_id": one.partner.pk,
        "filter-status": "approved",
    }
    confirm = text(console.post(BULK, selection))
    assert "Cancel 3 runs?" in confirm
    assert "All 3 runs that match the list’s filters." in confirm
    assert '<input type="hidden" name="expected" value="3">' in confirm
    response = console.post(
        BULK, {**selection, "expected": "3", "reason": "Fabric recalled", "confirm": "1"}
    )
    assert response.status_code == 302
    assert all(status_of(run) == "cancelled" for run in wanted)
    assert status_of(other) == "approved"
    result = console.get(response["Location"])
    back = f"/admin/production-runs/?status=approved&amp;partner_id={one.partner.pk}"
    assert back in text(result)


def test_all_that_match_asks_again_when_the_count_changed(console, make_run):
    runs = [make_run("approved") for _ in range(2)]
    response = console.post(
        BULK,
        {
            "action": "cancel",
            "scope": "filter",
            "filter-status": "approved",
            "expected": "5",
            "reason": "x",
            "confirm": "1",
        },
    )
    assert response.status_code == 200
    assert "The filters now match 2 runs (5 when you chose them)." in text(response)
    assert all(status_of(run) == "approved" for run in runs)


def test_nothing_ticked_goes_back_to_the_list_saying_so(console, make_run):
    make_run()
    response = console.post(BULK, {"action": "cancel", "filter-status": "approved"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?status=approved"
    assert "Tick the runs to act on" in flashes(response)[0]


def test_no_action_chosen_goes_back_to_the_list(console, make_run):
    run = make_run()
    response = console.post(BULK, {"run_ids": [run.pk]}, follow=True)
    assert "Choose what to do with the runs." in flashes(response)


def test_more_runs_than_the_limit_say_what_to_do(console, make_run, monkeypatch):
    monkeypatch.setattr(bulk_views, "MAX_BULK_RUNS", 2)
    monkeypatch.setattr("loomworks.production.services.bulk.MAX_BULK_RUNS", 2)
    for _ in range(3):
        make_run("approved")
    page = text(console.post(BULK, {"action": "cancel", "scope": "filter"}))
    assert "at most 2 runs; this one would touch 3" in page
    assert 'name="confirm"' not in page


def test_the_confirm_page_takes_constant_queries(console, make_run):
    def confirm():
        return console.post(BULK, {"action": "cancel", "scope": "filter"})

    make_run("approved")
    few = count_queries(confirm)
    for _ in range(5):
        make_run("approved")
    assert count_queries(confirm) == few


def test_an_unknown_result_is_404(console):
    assert console.get(BULK + "bulk_nope/").status_code == 404


def test_each_run_keeps_the_history_its_own_action_writes(console, make_run, admin_user):
    run = make_run("pending_review")
    console.post(BULK, {"action": "approve", "run_ids": [run.pk], "confirm": "1"})
    row = RunHistory.objects.filter(run=run, kind="approve").get()
    assert row.actor_id == admin_user.pk
    entry = AuditEntry.objects.get(target_type=BULK_AUDIT_TARGET)
    assert entry.actor_id == admin_user.pk
    assert entry.details["counts"]["done"] == 1


@pytest.mark.parametrize("method", ["get"])
def test_opening_the_bulk_address_goes_to_the_list(console, method):
    response = getattr(console, method)(BULK)
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_partners_cannot_use_bulk_actions(client, workshop, make_run):
    run = make_run("approved")
    client.force_login(workshop.user)
    response = client.post(
        BULK, {"action": "cancel", "run_ids": [run.pk], "reason": "x", "confirm": "1"}
    )
    assert response.status_code == 403
    assert ProductionRun.objects.get(pk=run.pk).status == "approved"


def test_the_result_page_takes_constant_queries(console, make_run):
    def result_of(count):
        runs = [make_run("pending_review") for _ in range(count)]
        response = console.post(
            BULK, {"action": "approve", "run_ids": [r.pk for r in runs], "confirm": "1"}
        )
        return response["Location"]

    few, many = result_of(1), result_of(6)
    assert count_queries(lambda: console.get(few)) == count_queries(lambda: console.get(many))
