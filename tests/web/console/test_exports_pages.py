"""The console's Export menus: the runs list keeps its filter in the download, the run page
exports its history, material log and deliveries, the money page the ledger; downloads
take a constant number of queries; the portal exports the workshop's own statement."""

import csv
import html
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from loomworks.money import services as money
from loomworks.production import services
from tests.factories import MaterialFactory

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def export_links(page: str) -> list[str]:
    menu = page[page.index('class="export-menu') :]
    menu = menu[: menu.index("</details>")]
    return [html.unescape(url) for url in re.findall(r'href="([^"]+)"', menu)]


def test_the_runs_list_exports_what_its_filter_shows(console, make_run, workshop):
    sent = make_run("sent_to_partner", partner=workshop.partner)
    make_run("pending_review")

    page = console.get("/admin/production-runs/", {"status": "sent_to_partner"}).content.decode()
    csv_url, xlsx_url = export_links(page)
    assert csv_url == "/admin/production-runs/export/?status=sent_to_partner&format=csv"
    assert xlsx_url.endswith("format=xlsx")

    rows = csv_of(console.get(csv_url))
    assert [row[1] for row in rows[1:]] == [sent.pk]
    sheet = openpyxl.load_workbook(io.BytesIO(body(console.get(xlsx_url))), read_only=True).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [sent.pk]


def test_filtering_with_htmx_swaps_the_export_menu_too(htmx, make_run):
    make_run()
    partial = htmx("/admin/production-runs/", {"status": "approved"}).content.decode()
    assert 'id="runs-export" hx-swap-oob="true"' in partial
    assert "/admin/production-runs/export/?status=approved&amp;format=csv" in partial


def queries_to_download(client, url: str) -> int:
    """The queries a whole download takes, the stream read to its end."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        body(response)
    return len(captured.captured_queries)


def test_the_runs_export_takes_constant_queries_at_two_sizes(console, make_run):
    for _ in range(3):
        make_run()
    few = queries_to_download(console, "/admin/production-runs/export/")
    for _ in range(12):
        make_run()
    many = queries_to_download(console, "/admin/production-runs/export/")
    assert many == few
    assert len(csv_of(console.get("/admin/production-runs/export/"))) == 16


def test_the_run_page_exports_its_history_material_log_and_deliveries(console, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    services.consumption_log_add(
        run=run, actor=workshop.actor, material=MaterialFactory(name="Linen"), quantity="1"
    )
    services.delivery_record(run=run, actor=workshop.actor, good=4)

    page = console.get(f"/admin/production-runs/{run.pk}/").content.decode()
    for records in ("history", "consumption", "deliveries"):
        url = f"/admin/production-runs/{run.pk}/{records}/export/?format=csv"
        assert html.escape(url) in page
        rows = csv_of(console.get(url))
        assert len(rows) > 1
    assert csv_of(console.get(f"/admin/production-runs/{run.pk}/consumption/export/"))[1][1] == (
        "Linen"
    )


def test_a_missing_run_is_404_and_an_unknown_format_400(console, make_run):
    assert console.get("/admin/production-runs/run_nope/history/export/").status_code == 404
    run = make_run()
    response = console.get(f"/admin/production-runs/{run.pk}/history/export/?format=pdf")
    assert response.status_code == 400 and "format" in response.content.decode()


def test_the_money_page_exports_the_ledger(console, workshop, admin):
    partner = workshop.partner
    money.adjustment_record(
        partner=partner, actor=admin, kind="deduction", amount="3", currency="GBP", reason="late"
    )
    page = console.get(f"/admin/partners/{partner.pk}/money/").content.decode()
    csv_url, _xlsx_url = export_links(page)
    rows = csv_of(console.get(csv_url + "&bom=1"))
    assert rows[1][1:6] == ["Adjustment (deduction)", "", "late", "-3.00", "GBP"]


def test_a_partner_user_cannot_reach_the_console_s_exports(workshop, other_workshop):
    client = Client()
    client.force_login(workshop.user)
    for url in (
        "/admin/production-runs/export/",
        f"/admin/partners/{other_workshop.partner.pk}/ledger/export/",
        f"/admin/partners/{other_workshop.partner.pk}/statement/?format=csv",
    ):
        assert client.get(url).status_code == 403


def test_the_portal_exports_the_workshop_s_own_statement(workshop, other_workshop, admin):
    for partner, amount in ((workshop.partner, "7"), (other_workshop.partner, "999")):
        money.adjustment_record(
            partner=partner, actor=admin, kind="bonus", amount=amount, currency="EUR", reason="x"
        )
    client = Client()
    client.force_login(workshop.user)
    page = client.get("/partner/statement/").content.decode()
    _csv_url, xlsx_url = export_links(page)
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get(xlsx_url))), read_only=True).active
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == [0, 7, 7]
