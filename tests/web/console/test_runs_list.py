"""The production runs list: columns, filters in the URL, search, sorting, paging, htmx."""

import datetime

import pytest
from django.utils import timezone

from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory, PartnerFactory
from tests.web.console.helpers import count_queries, text

URL = "/admin/production-runs/"


def rows(response) -> list[str]:
    """The references of the runs on the page, in order."""
    return [run.reference for run in response.context["page"]]


def test_each_row_shows_names_dates_and_progress(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=datetime.date(2031, 4, 3))
    page = text(console.get(URL))
    assert run.reference in page
    assert run.design.name in page
    assert run.design.thumbnail_url in page
    assert workshop.partner.name in page
    # The raw id is only in the run's address and its (invisible) tick box.
    shown = page
    for use in (f"/admin/production-runs/{run.pk}/", f'value="{run.pk}"', f"select-{run.pk}"):
        shown = shown.replace(use, "")
    assert run.pk not in shown
    assert "Sent to partner" in page
    assert "3 Apr 2031" in page
    assert timezone.localdate().strftime("%Y") in page
    assert "0 of 2 checklist items ticked" in page
    assert f'href="/admin/production-runs/{run.pk}/"' in page


def test_late_runs_are_marked_in_red(console, make_run):
    make_run("approved", due_date=timezone.localdate() - datetime.timedelta(days=2))
    page = text(console.get(URL))
    assert 'class="deadline late">Due ' in page
    assert ">late<" in page


def test_filters_by_status_partner_and_type_combine(console, make_run, make_workshop):
    one, two = make_workshop(), make_workshop()
    wanted = make_run("sent_to_partner", partner=one.partner)
    make_run("sent_to_partner", partner=two.partner)
    make_run("approved", partner=one.partner)
    make_run("sent_to_partner", partner=one.partner, run_type="sample")
    response = console.get(
        URL, {"status": "sent_to_partner", "partner_id": one.partner.pk, "run_type": "production"}
    )
    assert rows(response) == [wanted.reference]
    assert "1 run" in text(response)


def test_top_level_only_hides_the_parts(console, split_run):
    result = split_run()
    response = console.get(URL, {"top_level": "true"})
    assert rows(response) == [result.run.reference]
    assert "Split into parts" in text(response)


def test_late_only(console, make_run):
    late = make_run("approved", due_date=timezone.localdate() - datetime.timedelta(days=1))
    make_run("approved", due_date=timezone.localdate() + datetime.timedelta(days=5))
    assert rows(console.get(URL, {"late": "true"})) == [late.reference]


@pytest.mark.parametrize("field", ["design", "reference", "partner"])
def test_search_finds_a_run_by_design_reference_or_partner(console, make_run, field):
    design = DesignFactory(name="Quilted Gilet")
    partner = PartnerFactory(name="Maison Fil")
    wanted = make_run("pending_review", design=design, partner=partner)
    make_run("pending_review")
    q = {"design": "quilted", "reference": wanted.reference.lower(), "partner": "maison"}[field]
    assert rows(console.get(URL, {"q": q})) == [wanted.reference]


def test_no_match_offers_to_clear_the_filters(console, make_run):
    make_run()
    page = text(console.get(URL, {"q": "nothing like this"}))
    assert "No runs match these filters." in page
    assert "Clear filters" in page


def test_an_empty_list_says_so(console):
    assert "No production runs yet." in text(console.get(URL))


def test_sorting_by_quantity_both_ways(console, make_run):
    small, big = make_run(quantity=2), make_run(quantity=50)
    assert rows(console.get(URL, {"order": "quantity"})) == [small.reference, big.reference]
    response = console.get(URL, {"order": "-quantity"})
    assert rows(response) == [big.reference, small.reference]
    quantity = next(c for c in response.context["columns"] if c["key"] == "quantity")
    assert quantity["sort"] == "descending"
    assert quantity["url"] == f"{URL}?order=quantity"


def test_newest_first_by_default_and_sort_links_keep_the_filters(console, make_run):
    first, second = make_run(), make_run()
    response = console.get(URL, {"status": "pending_review"})
    assert rows(response) == [second.reference, first.reference]
    status = next(c for c in response.context["columns"] if c["key"] == "status")
    assert status["url"] == f"{URL}?status=pending_review&order=status"


def test_pages_of_twenty_with_the_total(console, make_run):
    runs = [make_run(quantity=n + 1) for n in range(23)]
    first = console.get(URL)
    assert len(rows(first)) == 20
    assert "Showing 1–20 of 23" in text(first)
    assert f'href="{URL}?page=2"' in text(first)
    second = console.get(URL, {"page": 2})
    assert rows(second) == [run.reference for run in reversed(runs[:3])]


def test_blank_parameters_are_dropped_from_the_address(console):
    response = console.get(URL, {"q": "", "status": "approved", "partner_id": "", "run_type": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?status=approved"


def test_unknown_values_are_ignored_not_an_error(console, make_run):
    run = make_run()
    response = console.get(
        URL, {"status": "bogus", "order": "drop table", "page": "x"}, follow=True
    )
    assert response.status_code == 200
    assert rows(response) == [run.reference]


def test_filter_form_shows_the_state_from_the_address(console, make_workshop, make_run):
    one = make_workshop()
    make_run("approved", partner=one.partner)
    page = text(
        console.get(URL, {"status": "approved", "partner_id": one.partner.pk, "late": "true"})
    )
    assert '<option value="approved" selected>' in page
    assert f'<option value="{one.partner.pk}" selected>' in page
    assert 'name="late" value="true" id="id_late" checked' in page


def test_htmx_gets_only_the_results_and_the_clean_address(htmx, make_run):
    run = make_run()
    response = htmx(URL, {"status": "pending_review", "q": "", "order": ""})
    page = text(response)
    assert "<html" not in page
    assert run.reference in page
    assert 'id="runs-count"' in page and 'hx-swap-oob="true"' in page
    assert 'id="filter-actions" hx-swap-oob="true"' in page and "Clear filters" in page
    assert response["HX-Push-Url"] == f"{URL}?status=pending_review"
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(console, make_run):
    make_run()
    response = console.get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in text(response)


def test_the_list_runs_the_same_queries_for_one_run_or_many(console, make_run, admin, workshop):
    make_run("sent_to_partner", partner=workshop.partner)
    one = count_queries(lambda: console.get(URL))
    for _ in range(6):
        make_run("sent_to_partner", partner=workshop.partner)
    services.run_approve(run=make_run(), actor=admin)
    many = count_queries(lambda: console.get(URL))
    assert one == many


def test_a_reference_prefix_finds_every_run_it_begins(console, make_run):
    runs = [make_run() for _ in range(4)]
    for run, number in zip(runs, (101, 1012, 10150, 102), strict=True):
        ProductionRun.objects.filter(pk=run.pk).update(number=number)
    assert sorted(rows(console.get(URL, {"q": "PR-101"}))) == ["PR-101", "PR-1012", "PR-10150"]
    assert rows(console.get(URL, {"q": "pr-1015"})) == ["PR-10150"]
    assert rows(console.get(URL, {"q": "102"})) == ["PR-102"]
