"""The reports pages and the workshops' load: charts as accessible SVG, numbers in tables,
a fixed number of queries whatever the data."""

import datetime
import re

import pytest
from django.utils import timezone

from loomworks.production.models import ProductionRun
from tests.factories import AdminFactory, PartnerFactory
from tests.web.console.helpers import count_queries, text

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
PAGES = [
    "/admin/reports/",
    "/admin/reports/work-in-progress/",
    "/admin/reports/throughput/",
    "/admin/reports/late/",
    "/admin/partners/load/",
]


def late(run, days=2):
    ProductionRun.objects.filter(pk=run.pk).update(due_date=TODAY - days * DAY)
    return run


def row(page: str, attribute: str, key: str) -> str:
    start = page.index(f'{attribute}="{key}"')
    return page[start : page.index("</tr>", start)]


def numbers(chunk: str) -> list[str]:
    return re.findall(r'<td class="num">(\d+)</td>', chunk)


@pytest.mark.parametrize("url", PAGES)
def test_reports_are_for_admins_only(client, workshop, url):
    assert client.get(url).status_code == 302
    client.force_login(workshop.user)
    assert client.get(url).status_code == 403


def test_the_console_nav_links_the_reports(console):
    page = text(console.get("/admin/reports/"))
    assert 'href="/admin/reports/" aria-current="page"' in page
    for url in PAGES[1:]:
        assert f'href="{url}"' in page


@pytest.mark.parametrize("url", PAGES[1:4])
def test_each_chart_is_an_accessible_svg_with_its_table(console, make_run, workshop, url):
    late(make_run("sent_to_partner", partner=workshop.partner))
    page = text(console.get(url))
    svg = page[page.index("<svg") : page.index("</svg>")]
    chart_id = re.search(r'aria-labelledby="([\w-]+)-title \1-desc"', svg).group(1)
    assert 'role="img"' in svg
    assert f'<title id="{chart_id}-title">' in svg and f'<desc id="{chart_id}-desc">' in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no external asset
    assert 'class="chart__value"' in svg and 'class="chart__bar"' in svg
    assert "<table" in page


def test_work_in_progress_page_shows_stages_and_partners(console, make_run, workshop):
    make_run("sent_to_partner", partner=workshop.partner, quantity=7)
    make_run("sent_to_partner", partner=workshop.partner, quantity=3)
    make_run("pending_review", quantity=5)
    page = text(console.get("/admin/reports/work-in-progress/"))
    assert numbers(row(page, "data-stage", "sent")) == ["2", "10"]
    assert numbers(row(page, "data-stage", "review")) == ["1", "5"]
    assert workshop.partner.name in row(page, "data-partner", workshop.partner.pk)
    assert '<g data-bar="sent">' in page


def test_throughput_page_filters_by_period_and_partner(console, make_run, workshop):
    run = make_run("completed", partner=workshop.partner, actor=workshop.actor, quantity=6)
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    response = console.get(
        "/admin/reports/throughput/",
        {
            "start": (monday - 14 * DAY).isoformat(),
            "end": TODAY.isoformat(),
            "partner_id": workshop.partner.pk,
        },
    )
    page = text(response)
    assert response.status_code == 200
    assert numbers(row(page, "data-week", monday.isoformat()))[:2] == ["1", "6"]
    assert page.count("data-week=") == 3
    assert f'<option value="{workshop.partner.pk}" selected>' in page
    other = PartnerFactory()
    page = text(console.get("/admin/reports/throughput/", {"partner_id": other.pk}))
    assert numbers(row(page, "data-week", monday.isoformat()))[:2] == ["0", "0"]
    assert run.reference  # the run exists; the other partner simply has none


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "2026-02-30"}, "start", "Enter a valid date."),
        ({"start": "2026-03-01", "end": "2026-01-01"}, "end", "on or after the start"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "start", "156 weeks or less"),
        ({"partner_id": "ptr_nobody"}, "partner_id", "Select a valid choice"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(console, params, field, message):
    response = console.get("/admin/reports/throughput/", params)
    assert response.status_code == 400
    page = text(response)
    assert f'id="id_{field}_error"' in page and message in page


def test_late_page_counts_causes_and_lists_the_longest_late(console, make_run, workshop):
    waiting = late(make_run("sent_to_partner", partner=workshop.partner, quantity=4), days=5)
    late(make_run("pending_review", quantity=2), days=1)
    make_run("sent_to_partner", partner=workshop.partner)  # no date: not late
    page = text(console.get("/admin/reports/late/"))
    assert numbers(row(page, "data-cause", "not_accepted")) == ["1", "4"]
    assert numbers(row(page, "data-cause", "not_approved")) == ["1", "2"]
    listed = row(page, "data-run", waiting.pk)
    assert waiting.reference in listed and "Waiting for acceptance" in listed
    assert 'href="/admin/production-runs/?late=true"' in page
    assert "How the cause is read" in page


def test_workshop_load_page_and_partner_page_show_the_weeks(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner, quantity=9)
    ProductionRun.objects.filter(pk=run.pk).update(promised_date=TODAY)
    page = text(console.get("/admin/partners/load/"))
    line = row(page, "data-partner", workshop.partner.pk)
    assert "9 pieces" in line and "1 run" in line
    detail = text(console.get(f"/admin/partners/{workshop.partner.pk}/"))
    assert 'id="load"' in detail and "9 pieces" in row(detail, "data-partner", workshop.partner.pk)


def test_approve_dispatch_and_reassign_show_each_partners_load(
    console, make_run, make_workshop, templates
):
    busy, idle = make_workshop(name="Busy"), make_workshop(name="Idle")
    held = make_run("sent_to_partner", partner=busy.partner, quantity=12)
    ProductionRun.objects.filter(pk=held.pk).update(due_date=TODAY + 3 * DAY)
    due = (TODAY + 3 * DAY).strftime("%Y")

    approving = make_run("pending_review")
    page = text(console.get(f"/admin/production-runs/{approving.pk}/approve/"))
    busy_load = page.split(f'data-partner-load="{busy.partner.pk}"')[1].split("</li>")[0]
    assert "1 open run, 12 pieces to make, next due" in busy_load and due in busy_load
    assert "No open work" in page.split(f'data-partner-load="{idle.partner.pk}"')[1]

    to_send = make_run("approved", partner=busy.partner)
    page = text(console.get(f"/admin/production-runs/{to_send.pk}/dispatch/"))
    assert "data-partner-load" in page and "2 open runs, 22 pieces to make" in page

    declined = make_run("awaiting_reassignment", partner=idle.partner, actor=idle.actor)
    page = text(console.get(f"/admin/production-runs/{declined.pk}/reassign/"))
    busy_choice = page.split(f'value="{busy.partner.pk}"')[1].split("</li>")[0]
    assert "2 open runs, 22 pieces to make" in busy_choice and "next due" in busy_choice


@pytest.mark.parametrize("url", PAGES)
def test_report_pages_take_constant_queries(console, make_run, make_workshop, url):
    def grow(n):
        for _ in range(n):
            shop = make_workshop()
            late(make_run("sent_to_partner", partner=shop.partner))
            make_run("completed", partner=shop.partner, actor=shop.actor)
            make_run("in_progress", partner=shop.partner, actor=shop.actor)

    grow(1)
    small = count_queries(lambda: console.get(url))
    grow(4)
    assert count_queries(lambda: console.get(url)) == small


def test_partner_page_keeps_constant_queries_with_load(console, make_run, workshop):
    url = f"/admin/partners/{workshop.partner.pk}/"
    make_run("sent_to_partner", partner=workshop.partner)
    small = count_queries(lambda: console.get(url))
    for _ in range(4):
        late(make_run("sent_to_partner", partner=workshop.partner))
    assert count_queries(lambda: console.get(url)) == small


def test_an_admin_sees_the_numbers_without_javascript(make_run, workshop, client):
    client.force_login(AdminFactory())
    make_run("sent_to_partner", partner=workshop.partner)
    page = text(client.get("/admin/reports/work-in-progress/"))
    assert re.search(r'<text class="chart__value"[^>]*>1</text>', page)
