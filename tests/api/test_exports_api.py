"""The exports over the admin API: the runs list as filtered (the list's own filters), a
run's history, material log and deliveries, a partner's ledger and statement, as CSV or
XLSX; admins only, and a partner's statement only ever its own."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from loomworks.money import services as money
from loomworks.production import services
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.partner_support import PartnerApi
from tests.factories import MaterialFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(body(response).decode())))


def xlsx_of(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_the_runs_export_takes_the_lists_filters_and_names_the_file_with_the_date(
    admin_api, make_run, workshop
):
    sent = [make_run("sent_to_partner", partner=workshop.partner) for _ in range(3)]
    make_run("pending_review")

    response = admin_api.get("/production-runs/export", {"status": "sent_to_partner"})
    rows = csv_of(response)
    assert response["Content-Disposition"] == (
        f'attachment; filename="production-runs-{TODAY}.csv"'
    )
    assert rows[0][:3] == ["Reference", "Id", "Status"]
    assert sorted(row[1] for row in rows[1:]) == sorted(run.pk for run in sent)

    listed = admin_api.get("/production-runs", {"status": "sent_to_partner", "limit": 100}).json()
    assert [row[1] for row in rows[1:]] == [run["id"] for run in listed["production_runs"]]


def test_the_runs_export_as_xlsx_opens_with_the_rows(admin_api, make_run):
    runs = [make_run() for _ in range(4)]
    response = admin_api.get("/production-runs/export", {"format": "xlsx", "order": "created_at"})
    assert response["Content-Disposition"] == (
        f'attachment; filename="production-runs-{TODAY}.xlsx"'
    )
    rows = xlsx_of(response)
    assert rows[0][0] == "Reference"
    assert [row[1] for row in rows[1:]] == [run.pk for run in runs]


def test_an_unknown_format_or_filter_is_422_naming_the_field(admin_api):
    response = admin_api.get("/production-runs/export", {"format": "pdf"})
    assert response.status_code == 422
    assert "format" in response.content.decode()
    response = admin_api.get("/production-runs/export", {"order": "nonsense"})
    assert response.status_code == 422 and "order" in response.content.decode()


def test_a_run_s_history_consumption_and_deliveries_export(admin_api, make_run, workshop, admin):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    material = MaterialFactory(name="Linen")
    services.consumption_log_add(
        run=run, actor=workshop.actor, material=material, quantity="2.5", notes="=cmd()"
    )
    services.delivery_record(run=run, actor=workshop.actor, good=6, note="+first batch")

    history = csv_of(admin_api.get(f"/production-runs/{run.pk}/history/export"))
    assert len(history) - 1 == len(
        admin_api.get(f"/production-runs/{run.pk}/history").json()["history"]
    )

    consumption = csv_of(admin_api.get(f"/production-runs/{run.pk}/consumption/export"))
    assert consumption[0][:5] == ["When", "Material", "SKU", "Quantity", "Unit"]
    assert consumption[1][1] == "Linen" and consumption[1][3] == "2.500"
    assert consumption[1][7] == "'=cmd()"

    deliveries = csv_of(admin_api.get(f"/production-runs/{run.pk}/deliveries/export"))
    assert deliveries[1][:4] == ["1", TODAY, "6", "0"]
    assert deliveries[1][8] == "'+first batch"

    response = admin_api.get(f"/production-runs/{run.pk}/deliveries/export", {"format": "xlsx"})
    assert xlsx_of(response)[1][2] == 6
    assert f"{run.reference}-deliveries-{TODAY}.xlsx" in response["Content-Disposition"]


def test_an_unknown_run_or_record_is_404_or_422(admin_api):
    assert admin_api.get("/production-runs/run_nope/history/export").status_code == 404
    assert admin_api.get("/production-runs/run_nope/tasks/export").status_code in (404, 422)


def test_the_ledger_export_has_amounts_as_decimals_with_their_currency(admin_api, workshop, admin):
    partner = workshop.partner
    money.adjustment_record(
        partner=partner, actor=admin, kind="bonus", amount="12.5", currency="EUR", reason="@SUM(A1)"
    )
    money.payment_record(
        partner=partner,
        actor=admin,
        amount="1000",
        currency="JPY",
        paid_on=datetime.date(2026, 1, 2),
        method="bank",
    )
    rows = csv_of(admin_api.get(f"/partners/{partner.pk}/ledger/export"))
    assert rows[0][:6] == ["Date", "Kind", "Run", "Description", "Amount", "Currency"]
    by_currency = {row[5]: row for row in rows[1:]}
    assert by_currency["EUR"][1:6] == ["Adjustment (bonus)", "", "'@SUM(A1)", "12.50", "EUR"]
    assert by_currency["JPY"][0] == "2026-01-02" and by_currency["JPY"][4] == "-1000"

    sheet = xlsx_of(admin_api.get(f"/partners/{partner.pk}/ledger/export", {"format": "xlsx"}))
    assert sorted((row[4], row[5]) for row in sheet[1:]) == [(-1000, "JPY"), (12.5, "EUR")]


def test_the_statement_export_adds_up_to_its_closing_balance(admin_api, workshop, admin):
    partner = workshop.partner
    for amount in ("10", "2.25"):
        money.adjustment_record(
            partner=partner, actor=admin, kind="bonus", amount=amount, currency="EUR", reason="x"
        )
    rows = csv_of(admin_api.get(f"/partners/{partner.pk}/statement/export", {"from": TODAY}))
    assert rows[1][1] == "Opening balance" and rows[-1][1] == "Closing balance"
    assert rows[-1][4] == "12.25"
    bad = admin_api.get(
        f"/partners/{partner.pk}/statement/export", {"from": TODAY, "to": "2000-01-01"}
    )
    assert bad.status_code == 422 and '"to"' in bad.content.decode()


def test_exports_are_for_admins_only(partner_api, anonymous_api, workshop):
    for path in (
        "/production-runs/export",
        f"/partners/{workshop.partner.pk}/ledger/export",
        f"/partners/{workshop.partner.pk}/statement/export",
    ):
        assert partner_api.get(path).status_code == 403
        assert anonymous_api.get(path).status_code == 401


def test_a_partner_exports_its_own_statement_never_another_s(workshop, other_workshop, admin):
    for partner, amount in ((workshop.partner, "5"), (other_workshop.partner, "999")):
        money.adjustment_record(
            partner=partner, actor=admin, kind="bonus", amount=amount, currency="EUR", reason="x"
        )
    api = PartnerApi(workshop.user)
    response = api.get("/statement/export", {"partner_id": other_workshop.partner.pk})
    rows = csv_of(response)
    assert [row[4] for row in rows[1:]] == ["0.00", "5.00", "5.00"]
    sheet = xlsx_of(api.get("/statement/export", {"format": "xlsx"}))
    assert [row[4] for row in sheet[1:]] == [0, 5, 5]
    assert f"statement-{workshop.partner.handle}-" in response["Content-Disposition"]
