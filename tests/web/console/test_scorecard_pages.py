"""Scorecards in the console: on a partner's page and side by side, in constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.insights.scorecard_fixture import at

pytestmark = pytest.mark.django_db


def figure(html: str, name: str) -> str:
    """The text of one figure of the scorecard on the page (`data-figure="name"`)."""
    start = html.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return " ".join(html[start : html.index("</dd>", start)].split())


def test_partner_page_shows_its_scorecard_for_the_last_90_days(console, counted):
    response = console.get(reverse("console:partner_detail", args=[counted.a.partner.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="scorecard"' in html
    assert figure(html, "accepted").startswith("3 runs, 35 pieces")
    assert figure(html, "declined").startswith("25%")
    assert figure(html, "sent-to-accepted").startswith("28 hours")
    assert figure(html, "accepted-to-handed-over").startswith("5 days")
    assert figure(html, "on-time").startswith("50%")
    assert figure(html, "yield").startswith("83.3%")
    assert figure(html, "rejected").startswith("16.7%")
    assert 'data-reason="stain">Stain: 4' in html
    assert figure(html, "rework").startswith("50%")
    assert "€2.00" in figure(html, "cost")


def test_partner_page_reads_the_period_from_the_form(console, counted):
    url = reverse("console:partner_detail", args=[counted.a.partner.pk])
    start, end = at(205).date().isoformat(), at(199).date().isoformat()
    html = console.get(url, {"start": start, "end": end}).content.decode()
    assert figure(html, "handed-over").startswith("1 run, 30 pieces")
    assert figure(html, "on-time").startswith("—")  # no promised date: nothing to count


def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field(console, counted):
    url = reverse("console:partner_detail", args=[counted.a.partner.pk])
    response = console.get(url, {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 422
    assert "The period ends before it starts." in response.content.decode()
    response = console.get(reverse("console:partner_scorecards"), {"start": "yesterday"})
    assert response.status_code == 422
    assert 'id="id_start-error"' in response.content.decode()


def test_side_by_side_lists_every_partner_and_links_from_the_partners_list(console, counted):
    listing = console.get(reverse("console:partner_list")).content.decode()
    assert reverse("console:partner_scorecards") in listing
    html = console.get(reverse("console:partner_scorecards")).content.decode()
    row_a = html[html.index(f'data-partner="{counted.a.partner.pk}"') :]
    row_a = row_a[: row_a.index("</tr>")]
    assert "Atelier A" in row_a and "83.3%" in row_a and "28 hours" in row_a
    assert "€2.00" in row_a
    assert f'data-partner="{counted.b.partner.pk}"' in html


def test_side_by_side_sorts_by_a_column(console, counted, make_workshop):
    make_workshop(name="Aardvark Zero")  # first by name, nothing handed over
    page = console.get(reverse("console:partner_scorecards"), {"order": "-yield"})
    html = page.content.decode()
    assert html.index("Atelier A") < html.index("Aardvark Zero")
    assert 'aria-sort="descending"' in html
    by_name = console.get(reverse("console:partner_scorecards")).content.decode()
    assert by_name.index("Aardvark Zero") < by_name.index("Atelier A")


def _queries(console, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert console.get(url).status_code == 200
    return len(queries)


def test_scorecard_pages_take_the_same_queries_at_two_data_sizes(
    console, counted, make_run, make_workshop
):
    partner_page = reverse("console:partner_detail", args=[counted.a.partner.pk])
    side_by_side = reverse("console:partner_scorecards")
    small = (_queries(console, partner_page), _queries(console, side_by_side))
    assert min(small) > 5
    for _ in range(4):
        shop = make_workshop()
        make_run("in_progress", partner=shop.partner, actor=shop.actor)
        make_run("completed", partner=counted.a.partner, actor=counted.a.actor)
    assert (_queries(console, partner_page), _queries(console, side_by_side)) == small
