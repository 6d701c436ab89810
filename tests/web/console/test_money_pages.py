"""The console's money pages: a partner's rates, ledger and payments; its statement on
the page and as CSV (whose totals match the page's), in constant queries; cost on the run
and design pages."""

import csv
import datetime
import io
from decimal import Decimal

import pytest

from loomworks.money import services as money
from loomworks.money.models import EntryKind, LedgerEntry, RunPrice
from loomworks.notifications.models import Notification
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunStatus
from tests.web.console.helpers import count_queries, flashes, text

pytestmark = pytest.mark.django_db


def money_url(partner) -> str:
    return f"/admin/partners/{partner.pk}/money/"


def statement_url(partner) -> str:
    return f"/admin/partners/{partner.pk}/statement/"


def test_a_rate_set_on_the_partner_page_prices_its_next_run(console, workshop, make_run, drained):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/rates/",
        {
            "rate-role": "sewing",
            "rate-unit": "piece",
            "rate-amount": "2,75",
            "rate-currency": "EUR",
        },
        follow=True,
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 200
    page = text(console.get(money_url(workshop.partner)))
    assert "€2.75 per piece" in page
    run = make_run("sent_to_partner", partner=workshop.partner, role="sewing")
    drained()
    assert RunPrice.objects.get(run=run).amount == Decimal("2.75")


def test_a_bad_rate_or_payment_is_shown_beside_its_field_and_writes_nothing(console, workshop):
    bad_rate = console.post(
        f"/admin/partners/{workshop.partner.pk}/rates/",
        {
            "rate-role": "sewing",
            "rate-unit": "piece",
            "rate-amount": "2.5",
            "rate-currency": "EURO",
        },
    )
    assert bad_rate.status_code == 422
    assert bad_rate.context["rate_form"].errors["currency"]
    bad_payment = console.post(
        f"/admin/partners/{workshop.partner.pk}/payments/",
        {
            "payment-amount": "10.001",
            "payment-currency": "EUR",
            "payment-paid_on": "2026-01-02",
            "payment-method": "cash",
        },
    )
    assert bad_payment.status_code == 422
    assert "at most 2 decimals" in bad_payment.context["payment_form"].errors["amount"][0]
    no_method = console.post(
        f"/admin/partners/{workshop.partner.pk}/payments/",
        {
            "payment-amount": "10",
            "payment-currency": "EUR",
            "payment-paid_on": "2026-01-02",
            "payment-method": "",
        },
    )
    assert no_method.context["payment_form"].errors["method"]
    assert not LedgerEntry.objects.exists()


def test_a_payment_recorded_in_the_console_is_on_the_ledger_and_told(console, workshop, drained):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/payments/",
        {
            "payment-amount": "120",
            "payment-currency": "EUR",
            "payment-paid_on": "2026-01-02",
            "payment-method": "bank transfer",
            "payment-reference": "T-9",
        },
        follow=True,
    )
    assert any("€120.00" in message for message in flashes(response))
    page = text(response)
    assert "-€120.00" in page and "bank transfer T-9" in page
    drained()
    assert Notification.objects.filter(recipient=workshop.user, kind="payment.recorded").exists()
    # A reversing entry from the ledger's button.
    entry = LedgerEntry.objects.get(kind=EntryKind.PAYMENT)
    console.post(
        f"/admin/partners/{workshop.partner.pk}/ledger/{entry.pk}/reverse/",
        {"reason": "recorded on the wrong partner"},
    )
    assert LedgerEntry.objects.filter(reversal_of=entry, amount=Decimal("120")).exists()


def _many_earned(partner, count: int, day: datetime.date) -> None:
    """`count` completed runs of the partner, each with its earned entry (made in bulk)."""
    from tests.factories import DesignFactory

    design = DesignFactory()
    top = ProductionRun.objects.order_by("-number").values_list("number", flat=True).first() or 0
    runs = ProductionRun.objects.bulk_create(
        [
            ProductionRun(
                number=top + 1 + n,
                design=design,
                quantity=10,
                partner=partner,
                status=RunStatus.COMPLETED,
                produced_quantity=10,
            )
            for n in range(count)
        ]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                key=f"earned:{run.pk}",
                partner=partner,
                kind=EntryKind.EARNED,
                amount=Decimal("12.35") if n % 2 else Decimal("7.10"),
                currency="EUR" if n % 3 else "GBP",
                occurred_on=day,
                run=run,
                description=run.reference,
                details={"pieces": 10, "unit": "piece"},
                actor_kind="system",
            )
            for n, run in enumerate(runs)
        ]
    )


def _page_totals(page: str) -> dict[str, str]:
    totals = {}
    for currency in ("EUR", "GBP"):
        start = page.index(f'id="statement-{currency}"')
        closing = page.index('data-total="closing">', start) + len('data-total="closing">')
        totals[currency] = page[closing : page.index("</dd>", closing)]
    return totals


def test_a_statement_of_1000_runs_renders_in_constant_queries_and_its_csv_adds_up(
    console, workshop, admin
):
    partner = workshop.partner
    day = datetime.date(2026, 5, 10)
    money.payment_record(
        partner=partner,
        actor=admin,
        amount="50",
        currency="EUR",
        paid_on=datetime.date(2026, 4, 1),
        method="cash",
    )
    _many_earned(partner, 10, day)
    period = {"start": "2026-05-01", "end": "2026-05-31"}
    few = count_queries(lambda: console.get(statement_url(partner), period))
    _many_earned(partner, 990, day)
    many = count_queries(lambda: console.get(statement_url(partner), period))
    assert many == few

    page = text(console.get(statement_url(partner), period))
    totals = _page_totals(page)
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    console.get(
                        statement_url(partner), {**period, "format": "csv"}
                    ).streaming_content
                ).decode()
            )
        )
    )
    by_currency: dict[str, Decimal] = {}
    closing: dict[str, Decimal] = {}
    for row in rows[1:]:
        if row[1] == "Closing balance":
            closing[row[5]] = Decimal(row[4])
        else:
            by_currency[row[5]] = by_currency.get(row[5], Decimal(0)) + Decimal(row[4])
    assert by_currency == closing  # opening + entries = closing, in the file itself
    assert len(rows) == 1 + 1000 + 2 * 2
    entries = LedgerEntry.objects.filter(partner=partner)
    for currency in ("EUR", "GBP"):
        ledger = sum(e.amount for e in entries.filter(currency=currency))
        assert closing[currency] == ledger
    assert totals["EUR"] == f"€{closing['EUR']:,.2f}"
    assert totals["GBP"] == f"£{closing['GBP']:,.2f}"


def test_the_run_and_design_pages_show_cost_and_cost_per_good_piece(
    console, workshop, admin, make_run, drained
):
    money.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="3",
        currency="EUR",
    )
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, role="sewing")
    drained()
    services.delivery_record(
        run=run,
        actor=workshop.actor,
        good=8,
        rejected=[{"reason": "stain", "quantity": 2}],
        final=True,
        shortfall_reason="two stained",
    )
    drained()
    page = text(console.get(f"/admin/production-runs/{run.pk}/"))
    assert 'data-cost="total">€24.00' in page
    assert 'data-cost="per_good_piece">€3.00' in page
    design = text(console.get(f"/admin/designs/{run.design_id}/"))
    assert 'data-cost="latest">€3.00' in design
    assert 'data-cost="average">€3.00' in design


def test_the_dispatch_page_proposes_the_rate_and_takes_another_price(
    console, workshop, admin, make_run
):
    from tests.factories import TemplateFactory

    money.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="3",
        currency="EUR",
    )
    run = make_run("approved", partner=workshop.partner, role="sewing")
    url = f"/admin/production-runs/{run.pk}/dispatch/"
    assert "€3.00 per piece" in text(console.get(url))
    template = TemplateFactory()
    refused = console.post(
        url,
        {"template_ids": [template.pk], "price-amount": "4.5", "price-currency": "XQQ"},
    )
    assert refused.context["price_form"].errors["currency"]
    assert ProductionRun.objects.get(pk=run.pk).status == "approved"
    sent = console.post(
        url,
        {
            "template_ids": [template.pk],
            "price-amount": "4.5",
            "price-currency": "EUR",
            "price-unit": "run",
        },
    )
    assert sent.status_code == 302, sent.context and sent.context["price_form"].errors
    price = RunPrice.objects.get(run=run)
    assert (price.amount, price.unit, price.source) == (Decimal("4.5"), "run", "dispatch")


def test_the_output_settings_say_whether_rejected_pieces_are_paid(console):
    from loomworks.core.models import AuditEntry
    from loomworks.money.models import CostingPolicy

    assert 'name="pay_rejected"' in text(console.get("/admin/settings/output/"))
    console.post("/admin/settings/payment/", {"pay_rejected": "1"})
    assert CostingPolicy.current().pay_rejected
    console.post("/admin/settings/payment/", {})
    assert not CostingPolicy.current().pay_rejected
    assert AuditEntry.objects.filter(action="costing_policy.updated").count() == 2
