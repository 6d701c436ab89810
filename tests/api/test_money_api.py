"""The money contract over HTTP: rates, the dispatch price, run prices and costs, the ledger,
payments and statements; a partner sees its own price and statement, never another's."""

import datetime

import pytest

from loomworks.core.models import AuditEntry
from loomworks.money.models import LedgerEntry
from loomworks.production import services as production
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.admin_fixtures import Api
from tests.api.partner_support import PartnerApi
from tests.factories import MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()


@pytest.fixture
def api(workshop):
    return PartnerApi(workshop.user)


def rates(partner) -> str:
    return f"/partners/{partner.pk}/rates"


def test_a_rate_is_set_listed_replaced_and_audited(admin_api, workshop):
    template = TemplateFactory(name="Sewing")
    created = admin_api.post(
        rates(workshop.partner),
        {"task_template_id": template.pk, "unit": "piece", "amount": "12.5", "currency": "EUR"},
    )
    assert created.status_code == 201, created.json()
    rate = created.json()["rate"]
    assert (rate["amount"], rate["currency"], rate["task_template_name"]) == (
        "12.50",
        "EUR",
        "Sewing",
    )
    admin_api.post(
        rates(workshop.partner),
        {"role": "cutting", "unit": "run", "amount": "300", "currency": "GBP"},
    )
    again = admin_api.post(
        rates(workshop.partner),
        {"task_template_id": template.pk, "unit": "piece", "amount": "0.125", "currency": "EUR"},
    )
    assert again.json()["rate"]["id"] == rate["id"] and again.json()["rate"]["amount"] == "0.125"
    listed = admin_api.get(rates(workshop.partner)).json()["rates"]
    assert sorted(r["amount"] for r in listed) == ["0.125", "300.00"]
    assert AuditEntry.objects.filter(action="rate.set", target_id=workshop.partner.pk).count() == 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"unit": "piece", "amount": "1", "currency": "EUR"}, "task_template_id"),
        (
            {
                "role": "x",
                "task_template_id": "tpl_x",
                "unit": "piece",
                "amount": "1",
                "currency": "EUR",
            },
            "task_template_id",
        ),
        (
            {"task_template_id": "tpl_nothing", "unit": "piece", "amount": "1", "currency": "EUR"},
            "task_template_id",
        ),
        ({"role": "x", "unit": "piece", "amount": "twelve", "currency": "EUR"}, "amount"),
        ({"role": "x", "unit": "piece", "amount": "1.00001", "currency": "EUR"}, "amount"),
        ({"role": "x", "unit": "piece", "amount": "-3", "currency": "EUR"}, "amount"),
        ({"role": "x", "unit": "piece", "amount": "1", "currency": "EURO"}, "currency"),
        ({"role": "x", "unit": "piece", "amount": "1", "currency": "ABC"}, "currency"),
        ({"role": "x", "unit": "hour", "amount": "1", "currency": "EUR"}, "unit"),
    ],
)
def test_a_bad_rate_is_422_naming_the_field(admin_api, workshop, body, field):
    response = admin_api.post(rates(workshop.partner), body)
    assert response.status_code == 422, response.json()
    assert response.json()["field"].split(".")[-1] == field or field in response.json()["detail"]


def test_the_dispatch_price_shows_to_the_admin_and_its_partner_only(
    admin_api, api, workshop, other_workshop, make_run, drained
):
    run = make_run("approved", partner=workshop.partner)
    sent = admin_api.post(
        f"/production-runs/{run.pk}/send-to-production",
        {
            "template_ids": [TemplateFactory().pk],
            "price": {"unit": "piece", "amount": "2.5", "currency": "EUR"},
        },
    )
    assert sent.status_code == 200, sent.json()
    price = sent.json()["production_run"]["price"]
    assert (price["amount"], price["unit"], price["fixed"]) == ("2.50", "piece", False)

    mine = api.get(f"/production-runs/{run.pk}").json()["production_run"]
    assert mine["price"]["amount"] == "2.50" and "cost" not in mine
    assert api.get("/production-runs").json()["production_runs"][0]["price"]["amount"] == "2.50"
    accepted = api.post(f"/production-runs/{run.pk}/accept")
    assert accepted.json()["production_run"]["price"]["amount"] == "2.50"
    drained()
    assert api.get(f"/production-runs/{run.pk}").json()["production_run"]["price"]["fixed"]

    # Another workshop: the run (and so its price) does not exist for it.
    other = PartnerApi(other_workshop.user)
    assert other.get(f"/production-runs/{run.pk}").status_code == 404


def test_a_bad_dispatch_price_is_422_and_sends_nothing(admin_api, workshop, make_run):
    run = make_run("approved", partner=workshop.partner)
    response = admin_api.post(
        f"/production-runs/{run.pk}/send-to-production",
        {
            "template_ids": [TemplateFactory().pk],
            "price": {"unit": "piece", "amount": "1", "currency": "ZZZ"},
        },
    )
    assert response.status_code == 422 and response.json()["field"] == "price.currency"
    assert (
        admin_api.get(f"/production-runs/{run.pk}").json()["production_run"]["status"] == "approved"
    )


def test_the_admin_run_carries_its_cost(admin_api, workshop, admin, make_run, drained):
    admin_api.post(
        rates(workshop.partner),
        {"role": "sewing", "unit": "piece", "amount": "3", "currency": "EUR"},
    )
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, role="sewing", quantity=10
    )
    drained()
    material = MaterialFactory(unit_cost="2.5", currency="EUR")
    production.consumption_log_add(
        run=run,
        actor=workshop.actor,
        material=material,
        quantity="4.2",
        consumption_type="production",
    )
    production.delivery_record(
        run=run,
        actor=workshop.actor,
        good=8,
        rejected=[{"reason": "stain", "quantity": 2}],
        final=True,
        shortfall_reason="two stained",
    )
    drained()
    body = admin_api.get(f"/production-runs/{run.pk}").json()["production_run"]
    cost = body["cost"]
    # 8 good × 3.00 (the 2 rejected are not paid) + 4.2 m × 2.50 of fabric.
    assert cost == {
        "partner": "24.00",
        "adjustments": "0.00",
        "materials": "10.50",
        "total": "34.50",
        "per_good_piece": "4.31",  # 34.50 / 8 = 4.3125
        "currency": "EUR",
        "estimated": False,
    }
    listed = admin_api.get("/production-runs").json()["production_runs"]
    assert next(r for r in listed if r["id"] == run.pk)["cost"] == cost


def test_ledger_payments_adjustments_reversal_and_statement(
    admin_api, api, workshop, other_workshop
):
    partner = workshop.partner
    paid = admin_api.post(
        f"/partners/{partner.pk}/payments",
        {
            "amount": "40",
            "currency": "EUR",
            "paid_on": TODAY,
            "method": "bank transfer",
            "reference": "T-1",
        },
    )
    assert paid.status_code == 201, paid.json()
    assert paid.json()["balances"] == [{"amount": "-40.00", "currency": "EUR"}]
    bonus = admin_api.post(
        f"/partners/{partner.pk}/adjustments",
        {"kind": "bonus", "amount": "100", "currency": "EUR", "reason": "rush order"},
    ).json()["entry"]
    assert (bonus["amount"], bonus["subkind"]) == ("100.00", "bonus")
    reversed_ = admin_api.post(
        f"/partners/{partner.pk}/ledger/{bonus['id']}/reverse", {"reason": "typed twice"}
    )
    assert reversed_.status_code == 201 and reversed_.json()["entry"]["amount"] == "-100.00"
    twice = admin_api.post(f"/partners/{partner.pk}/ledger/{bonus['id']}/reverse", {"reason": "x"})
    assert twice.status_code == 409

    ledger = admin_api.get(f"/partners/{partner.pk}/ledger").json()
    assert ledger["count"] == 3 and ledger["balances"] == [{"amount": "-40.00", "currency": "EUR"}]

    statement = admin_api.get(f"/partners/{partner.pk}/statement", {"from": TODAY, "to": TODAY})
    assert statement.status_code == 200, statement.json()
    body = statement.json()["statement"]
    assert body["from"] == TODAY and body["opening"] == [{"amount": "0.00", "currency": "EUR"}]
    assert body["closing"] == [{"amount": "-40.00", "currency": "EUR"}]
    assert len(body["entries"]) == 3

    # The partner's own statement matches; nobody else's is reachable.
    own = api.get("/statement", {"from": TODAY, "to": TODAY}).json()["statement"]
    assert own["closing"] == body["closing"] and own["partner_id"] == partner.pk
    other = PartnerApi(other_workshop.user).get("/statement", {"from": TODAY, "to": TODAY})
    assert other.json()["statement"]["entries"] == []
    assert api.get(f"/partners/{other_workshop.partner.pk}/statement").status_code == 404


def test_a_partners_token_cannot_read_the_admin_money_routes(partner_api, workshop):
    for path in (rates(workshop.partner), f"/partners/{workshop.partner.pk}/ledger"):
        assert partner_api.get(path).status_code == 403


def test_bad_payments_and_periods_are_422_naming_the_field(admin_api, workshop):
    partner = workshop.partner
    for body, field in [
        ({"amount": "0", "currency": "EUR", "paid_on": TODAY, "method": "cash"}, "amount"),
        ({"amount": "1.005", "currency": "EUR", "paid_on": TODAY, "method": "cash"}, "amount"),
        ({"amount": "1", "currency": "EUR", "paid_on": "2999-01-01", "method": "cash"}, "paid_on"),
        ({"amount": "1", "currency": "EUR", "paid_on": TODAY, "method": ""}, "method"),
    ]:
        response = admin_api.post(f"/partners/{partner.pk}/payments", body)
        assert response.status_code == 422, (body, response.json())
        assert field in (response.json().get("field") or "") or field in response.json()["detail"]
    assert not LedgerEntry.objects.exists()
    backwards = admin_api.get(
        f"/partners/{partner.pk}/statement", {"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"


def test_an_api_key_needs_the_payables_scopes(client, admin_api, workshop):
    def key(*scopes):
        response = admin_api.post("/api-keys", {"name": "Books", "scopes": list(scopes)})
        return Api(client, response.json()["key"])

    reader = key("payables:read")
    assert reader.get(rates(workshop.partner)).status_code == 200
    assert (
        reader.post(
            rates(workshop.partner), {"role": "x", "unit": "run", "amount": "1", "currency": "EUR"}
        ).status_code
        == 403
    )
    writer = key("payables:read", "payments:write")
    made = writer.post(
        rates(workshop.partner), {"role": "x", "unit": "run", "amount": "1", "currency": "EUR"}
    )
    assert made.status_code == 201
    assert key("partners:read").get(rates(workshop.partner)).status_code == 403


def test_a_workshop_reads_its_own_rates_only(api, admin_api, workshop, other_workshop):
    admin_api.post(
        rates(workshop.partner),
        {"role": "sewing", "unit": "piece", "amount": "3", "currency": "EUR"},
    )
    admin_api.post(
        rates(other_workshop.partner),
        {"role": "sewing", "unit": "piece", "amount": "9", "currency": "EUR"},
    )
    mine = api.get("/rates").json()["rates"]
    assert [(r["role"], r["amount"]) for r in mine] == [("sewing", "3.00")]
    theirs = PartnerApi(other_workshop.user).get("/rates").json()["rates"]
    assert [r["amount"] for r in theirs] == ["9.00"]
