"""Paging the run lists (`core.paging`): the total exact up to a cap, then an estimate
flagged as such; keyset cursors that read on from a page's last row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.core.paging import CappedPaginator
from loomworks.production.models import ProductionRun
from loomworks.production.selectors import RunFilters, admin_run_queryset, run_list
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.partner_support import PartnerApi

pytestmark = pytest.mark.django_db


def ids(body: dict) -> list[str]:
    return [run["id"] for run in body["production_runs"]]


def same_moment(runs) -> None:
    """Every run created at the same instant (an import, a burst of store orders)."""
    ProductionRun.objects.filter(pk__in=[run.pk for run in runs]).update(
        created_at=timezone.now().replace(microsecond=0)
    )


def walk(api, path: str, params: dict) -> list[list[str]]:
    """Every page of a list, following `next_cursor` until it is null."""
    pages, cursor = [], None
    while True:
        response = api.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(ids(body))
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


# ---------------------------------------------------------------- the total


def test_a_total_under_the_cap_is_exact(admin_api, make_run, settings):
    settings.LIST_COUNT_CAP = 5
    for _ in range(5):
        make_run()

    body = admin_api.get("/production-runs", {"limit": 2}).json()

    assert (body["count"], body["total_is_estimate"]) == (5, False)


def test_a_total_past_the_cap_is_an_estimate_and_says_so(admin_api, make_run, settings):
    settings.LIST_COUNT_CAP = 3
    for _ in range(6):
        make_run()

    body = admin_api.get("/production-runs", {"limit": 2}).json()
    filtered = admin_api.get("/production-runs", {"status": "pending_review"}).json()

    assert body["total_is_estimate"] is True
    assert filtered["total_is_estimate"] is True
    if connection.vendor == "sqlite":  # no planner estimate: the count stops past the cap
        assert body["count"] == filtered["count"] == 4
    else:  # PostgreSQL's estimate, never below what was counted
        assert body["count"] >= 4
        assert filtered["count"] >= 4
    assert len(body["production_runs"]) == 2


def test_the_partner_list_caps_its_total_too(workshop, make_run, settings):
    settings.LIST_COUNT_CAP = 2
    for _ in range(3):
        make_run("approved", partner=workshop.partner)

    body = PartnerApi(workshop.user).get("/production-runs").json()

    assert body["total_is_estimate"] is True
    assert body["count"] >= 3
    assert len(body["production_runs"]) == 3


def test_a_search_caps_its_total(admin_api, make_run, design, settings):
    settings.LIST_COUNT_CAP = 2
    for _ in range(4):
        make_run()

    body = admin_api.get("/production-runs", {"q": design.name}).json()

    assert body["total_is_estimate"] is True
    assert len(body["production_runs"]) == 4


def test_other_lists_say_whether_their_total_is_exact(admin_api, settings):
    settings.LIST_COUNT_CAP = 10
    body = admin_api.get("/partners").json()

    assert body["total_is_estimate"] is False
    assert body["next_cursor"] is None


# ---------------------------------------------------------------- keyset cursors


def test_cursor_pages_give_the_offset_pages_rows_even_when_created_at_is_shared(
    admin_api, make_run
):
    runs = [make_run() for _ in range(7)]
    same_moment(runs[1:6])

    everything = ids(admin_api.get("/production-runs", {"limit": 100}).json())
    by_offset = [
        ids(admin_api.get("/production-runs", {"limit": 2, "offset": offset}).json())
        for offset in range(0, 7, 2)
    ]
    by_cursor = walk(admin_api, "/production-runs", {"limit": 2})

    assert by_cursor == by_offset
    flat = [run_id for page in by_cursor for run_id in page]
    assert flat == everything
    assert sorted(flat) == sorted(run.pk for run in runs)  # none repeated, none skipped


@pytest.mark.parametrize("order", ["created_at", "status", "-quantity", "reference", "-reference"])
def test_cursor_pages_follow_every_order_with_a_unique_end(admin_api, make_run, order):
    runs = [make_run(quantity=size) for size in (3, 1, 3, 2, 3)]
    make_run("approved")
    same_moment(runs)

    everything = ids(admin_api.get("/production-runs", {"order": order, "limit": 100}).json())
    pages = walk(admin_api, "/production-runs", {"order": order, "limit": 2})

    assert [run_id for page in pages for run_id in page] == everything
    assert len(everything) == 6


def test_cursor_with_filters_and_the_last_page_has_none(admin_api, make_run):
    kept = [make_run(run_type="sample") for _ in range(3)]
    make_run()

    first = admin_api.get("/production-runs", {"run_type": "sample", "limit": 2}).json()
    rest = admin_api.get(
        "/production-runs", {"run_type": "sample", "limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert ids(first) == [kept[2].pk, kept[1].pk]
    assert ids(rest) == [kept[0].pk]
    assert rest["next_cursor"] is None
    assert rest["count"] == first["count"] == 3


def test_an_order_with_empty_values_pages_by_offset_only(admin_api, make_run):
    for _ in range(3):
        make_run()

    body = admin_api.get("/production-runs", {"order": "due_date", "limit": 1}).json()
    cursor = admin_api.get("/production-runs", {"limit": 1}).json()["next_cursor"]
    refused = admin_api.get("/production-runs", {"order": "due_date", "cursor": cursor})

    assert body["next_cursor"] is None
    assert refused.status_code == 422
    assert refused.json()["field"] == "cursor"


@pytest.mark.parametrize("cursor", ["nonsense", "eyJvIjoiLWlkIn0", "W10", "a" * 1001, "a b"])
def test_a_cursor_from_elsewhere_is_422(admin_api, make_run, cursor):
    make_run()

    response = admin_api.get("/production-runs", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_a_cursor_of_another_order_is_422(admin_api, make_run):
    for _ in range(3):
        make_run()
    cursor = admin_api.get("/production-runs", {"limit": 1}).json()["next_cursor"]

    response = admin_api.get("/production-runs", {"order": "status", "cursor": cursor})

    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_cursor_and_offset_together_is_422(admin_api, make_run):
    for _ in range(3):
        make_run()
    cursor = admin_api.get("/production-runs", {"limit": 1}).json()["next_cursor"]

    response = admin_api.get("/production-runs", {"offset": 1, "cursor": cursor})

    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_the_partner_list_pages_by_cursor(workshop, other_workshop, make_run):
    mine = [make_run("approved", partner=workshop.partner) for _ in range(5)]
    make_run("approved", partner=other_workshop.partner)
    same_moment(mine)
    api = PartnerApi(workshop.user)

    pages = walk(api, "/production-runs", {"limit": 2})

    assert sorted(run_id for page in pages for run_id in page) == sorted(run.pk for run in mine)
    assert [len(page) for page in pages] == [2, 2, 1]


# ---------------------------------------------------------------- queries


def test_a_cursor_page_past_the_cap_costs_the_same_at_two_sizes(admin_api, make_run, settings):
    settings.LIST_COUNT_CAP = 2
    for _ in range(4):
        make_run()
    admin_api.get("/production-runs")  # the token's first use refreshes it

    def cursor_page() -> CaptureQueriesContext:
        cursor = admin_api.get("/production-runs", {"limit": 1}).json()["next_cursor"]
        with CaptureQueriesContext(connection) as queries:
            body = admin_api.get("/production-runs", {"limit": 2, "cursor": cursor}).json()
        assert len(body["production_runs"]) == 2
        assert body["total_is_estimate"] is True
        return queries

    small = cursor_page()
    for _ in range(10):
        make_run()
    large = cursor_page()

    assert len(large) == len(small)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner estimate")
def test_a_list_far_past_the_cap_is_estimated_without_counting(admin_api, make_run, settings):
    settings.LIST_COUNT_CAP = 5
    for _ in range(30):
        make_run()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE production_productionrun")
    admin_api.get("/production-runs")  # the token's first use refreshes it

    with CaptureQueriesContext(connection) as queries:
        body = admin_api.get("/production-runs", {"status": "pending_review"}).json()

    assert body["total_is_estimate"] is True
    assert body["count"] > 10
    assert not any("COUNT(*)" in query["sql"] for query in queries.captured_queries)


def test_the_console_paginator_pages_by_number_and_says_its_total_is_an_estimate(
    make_run, settings
):
    settings.LIST_COUNT_CAP = 2
    runs = [make_run() for _ in range(5)]
    matching = run_list(RunFilters())

    paginator = CappedPaginator(
        admin_run_queryset(RunFilters(), matching=matching), 2, count_from=matching
    )
    second = paginator.get_page(2)

    assert paginator.total_is_estimate is True
    assert paginator.count >= 3
    assert [run.pk for run in second] == [runs[2].pk, runs[1].pk]
