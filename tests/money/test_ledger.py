"""Prices, the payables ledger and statements: what the brand owes each workshop.

Proven by what the services leave behind: ledger entries (once each), audit
rows, outbox events; a refusal by leaving nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.events.models import Delivery as OutboxDelivery
from loomworks.events.models import DeliveryState, Event
from loomworks.money import selectors, services
from loomworks.money.amounts import as_text, rounded
from loomworks.money.models import AppendOnly, CostingPolicy, LedgerEntry, RunPrice
from loomworks.production import services as production
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def earned(partner) -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(partner=partner, kind="earned"))


def hand_over(run, actor, good, rejected=0, **fields):
    lines = [{"reason": "stain", "quantity": rejected}] if rejected else []
    fields.setdefault("shortfall_reason", "short of fabric")
    return production.delivery_record(
        run=run, actor=actor, good=good, rejected=lines, final=True, **fields
    )


@pytest.fixture
def three(make_workshop, admin):
    """Three workshops, each with a rate for its role in its own currency."""
    cutting, sewing, finishing = make_workshop(), make_workshop(), make_workshop()
    services.rate_set(
        partner=cutting.partner,
        actor=admin,
        role="cutting",
        unit="piece",
        amount="1.125",
        currency="EUR",
    )
    services.rate_set(
        partner=sewing.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="3.50",
        currency="GBP",
    )
    services.rate_set(
        partner=finishing.partner,
        actor=admin,
        role="finishing",
        unit="run",
        amount="1500",
        currency="JPY",
    )
    return cutting, sewing, finishing


@pytest.fixture
def split_run(three, make_run, admin, drained):
    cutting, sewing, finishing = three
    template = TemplateFactory()
    parent = make_run("pending_review", quantity=60)
    approved = production.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            production.Assignment(cutting.partner.pk, 20, "cutting", 1, [template.pk]),
            production.Assignment(sewing.partner.pk, 20, "sewing", 1, [template.pk]),
            production.Assignment(finishing.partner.pk, 20, "finishing", 1, [template.pk]),
        ],
    )
    drained()
    return approved.run, approved.children


def complete_the_parts(parts, three, drained):
    (cutting, sewing, finishing) = three
    for part, workshop in zip(parts, three, strict=True):
        production.run_accept(run=part, actor=workshop.actor)
    drained()
    hand_over(parts[0], cutting.actor, good=17, rejected=3)
    hand_over(parts[1], sewing.actor, good=19, rejected=1)
    hand_over(parts[2], finishing.actor, good=18, rejected=2)
    drained()


def test_a_split_run_across_three_partners_earns_each_its_price_once(split_run, three, drained):
    parent, parts = split_run
    cutting, sewing, finishing = three
    # Proposed from the rate cards when the parts were sent; fixed on acceptance.
    prices = {p.run_id: p for p in RunPrice.objects.filter(run__in=parts)}
    assert [prices[p.pk].fixed_at for p in parts] == [None, None, None]
    assert prices[parts[0].pk].amount == Decimal("1.125")

    complete_the_parts(parts, three, drained)

    assert all(p.fixed_at for p in RunPrice.objects.filter(run__in=parts))
    [a], [b], [c] = earned(cutting.partner), earned(sewing.partner), earned(finishing.partner)
    # 17 good × 1.125 = 19.125 → 19.13 (half up); rejected pieces are not paid.
    assert (a.amount, a.currency, a.run_id) == (Decimal("19.13"), "EUR", parts[0].pk)
    assert (b.amount, b.currency) == (Decimal("66.50"), "GBP")
    assert (c.amount, c.currency) == (Decimal("1500"), "JPY")
    assert a.details["pieces"] == 17 and a.details["rejected_paid"] is False
    # The parent earns nothing itself.
    assert not LedgerEntry.objects.filter(run=parent).exists()
    events = Event.objects.filter(name="payable.earned")
    assert sorted(e.payload["amount"] for e in events) == ["1500", "19.13", "66.50"]
    assert AuditEntry.objects.filter(action="ledger.earned").count() == 3

    # A retry of every completion delivery, and the handler called again: nothing new.
    completions = OutboxDelivery.objects.filter(
        subscriber__endswith="earn_on_completion", event__name="production_run.completed"
    )
    assert completions.count() == 4  # three parts and the parent
    completions.update(state=DeliveryState.PENDING, lease_until=None)
    drained(ignore_backoff=True)
    for part in parts:
        services.earn_for_run(run_id=part.pk)
    assert LedgerEntry.objects.filter(kind="earned").count() == 3
    assert Event.objects.filter(name="payable.earned").count() == 3

    # The parent's cost adds its parts up, per currency.
    cost = selectors.run_costs([parent.pk])[parent.pk]
    assert {line.currency: line.partner for line in cost.lines} == {
        "EUR": Decimal("19.13"),
        "GBP": Decimal("66.50"),
        "JPY": Decimal("1500"),
    }
    assert cost.good == 54  # the parts run side by side: their good pieces add up


def test_rejected_pieces_are_paid_when_the_policy_says_so(split_run, three, drained):
    CostingPolicy.current()
    CostingPolicy.objects.update(pay_rejected=True)
    _parent, parts = split_run
    complete_the_parts(parts, three, drained)
    [a] = earned(three[0].partner)
    assert a.amount == Decimal("22.50")  # (17 + 3) × 1.125


def test_a_price_given_at_dispatch_overrides_the_rate_and_is_fixed_on_acceptance(
    make_run, workshop, admin, drained
):
    run = make_run("approved", partner=workshop.partner)
    services.run_dispatch_priced(
        run=run,
        template_ids=[TemplateFactory().pk],
        actor=admin,
        price={"unit": "piece", "amount": "2.5", "currency": "EUR"},
    )
    drained()  # the rate card's subscriber keeps a price given at dispatch
    price = RunPrice.objects.get(run=run)
    assert (price.amount, price.source, price.fixed_at) == (Decimal("2.5"), "dispatch", None)
    production.run_accept(run=run, actor=workshop.actor)
    drained()
    price.refresh_from_db()
    assert price.fixed_at is not None
    with pytest.raises(Conflict):
        services.price_propose(
            run=run, actor=admin, price={"unit": "run", "amount": "9", "currency": "EUR"}
        )
    assert AuditEntry.objects.filter(action="run_price.fixed", target_id=run.pk).count() == 1


def test_a_bad_price_at_dispatch_names_its_field_and_sends_nothing(make_run, workshop, admin):
    run = make_run("approved", partner=workshop.partner)
    for price, field in [
        ({"unit": "hour", "amount": "1", "currency": "EUR"}, "price.unit"),
        ({"unit": "piece", "amount": "-1", "currency": "EUR"}, "price.amount"),
        ({"unit": "piece", "amount": 1.5, "currency": "EUR"}, "price.amount"),
        ({"unit": "piece", "amount": "1.23456", "currency": "EUR"}, "price.amount"),
        ({"unit": "piece", "amount": "1", "currency": "XXY"}, "price.currency"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            services.run_dispatch_priced(
                run=run, template_ids=[TemplateFactory().pk], actor=admin, price=price
            )
        assert refused.value.field == field
    run.refresh_from_db()
    assert run.status == "approved" and not RunPrice.objects.exists()


def test_a_reversing_entry_corrects_a_mistake_and_balances_are_per_currency(workshop, admin):
    partner = workshop.partner
    bonus = services.adjustment_record(
        partner=partner,
        actor=admin,
        kind="bonus",
        amount="10.00",
        currency="EUR",
        reason="rush",
    )
    services.adjustment_record(
        partner=partner,
        actor=admin,
        kind="deduction",
        amount="2.5",
        currency="EUR",
        reason="late",
    )
    services.adjustment_record(
        partner=partner, actor=admin, kind="bonus", amount="700", currency="JPY", reason="x"
    )
    services.payment_record(
        partner=partner,
        actor=admin,
        amount="5",
        currency="EUR",
        paid_on=datetime.date.today(),
        method="bank transfer",
        reference="T-1",
    )
    assert selectors.balances(partner.pk) == {"EUR": Decimal("2.50"), "JPY": Decimal("700")}

    reversal = services.entry_reverse(entry=bonus, actor=admin, reason="given twice")
    assert (reversal.amount, reversal.reversal_of_id) == (Decimal("-10.00"), bonus.pk)
    assert selectors.balances(partner.pk) == {"EUR": Decimal("-7.50"), "JPY": Decimal("700")}
    with pytest.raises(Conflict):
        services.entry_reverse(entry=bonus, actor=admin, reason="again")
    with pytest.raises(Conflict):
        services.entry_reverse(entry=reversal, actor=admin, reason="undo the undo")
    # Append-only: a row is never changed or deleted.
    with pytest.raises(AppendOnly):
        bonus.save()
    with pytest.raises(AppendOnly):
        bonus.delete()
    assert LedgerEntry.objects.filter(partner=partner).count() == 5
    assert AuditEntry.objects.filter(action="ledger.reversed", target_id=partner.pk).exists()
    assert Event.objects.filter(name="payment.recorded").count() == 1


def test_amounts_are_rounded_to_the_currencys_minor_units():
    assert rounded(Decimal("2.675"), "EUR") == Decimal("2.68")
    assert rounded(Decimal("1499.5"), "JPY") == Decimal("1500")
    assert rounded(Decimal("1.2345"), "BHD") == Decimal("1.235")
    assert as_text(Decimal("12.5"), "EUR") == "12.50"
    assert as_text(Decimal("1500"), "JPY") == "1500"


def test_payments_refuse_bad_input_naming_the_field(workshop, admin):
    today = datetime.date.today()
    cases = [
        (dict(amount="0", currency="EUR", paid_on=today, method="cash"), "amount"),
        (dict(amount="1.001", currency="EUR", paid_on=today, method="cash"), "amount"),
        (dict(amount="1.5", currency="JPY", paid_on=today, method="cash"), "amount"),
        (dict(amount="1", currency="euro", paid_on=today, method="cash"), "currency"),
        (dict(amount="1", currency="EUR", paid_on="tomorrow", method="cash"), "paid_on"),
        (
            dict(
                amount="1", currency="EUR", paid_on=today + datetime.timedelta(days=2), method="x"
            ),
            "paid_on",
        ),
        (dict(amount="1", currency="EUR", paid_on=today, method=" "), "method"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as refused:
            services.payment_record(partner=workshop.partner, actor=admin, **fields)
        assert refused.value.field == field, fields
    assert not LedgerEntry.objects.exists()


def test_a_statement_adds_up_to_the_ledger_in_constant_queries(workshop, admin):
    partner = workshop.partner
    day = datetime.date(2026, 3, 1)
    services.payment_record(
        partner=partner, actor=admin, amount="3", currency="EUR", paid_on=day, method="cash"
    )
    for amount in ("10", "20"):
        services.adjustment_record(
            partner=partner,
            actor=admin,
            kind="bonus",
            amount=amount,
            currency="EUR",
            reason="r",
            occurred_on=day + datetime.timedelta(days=5),
        )
    with CaptureQueriesContext(connection) as queries:
        result = selectors.statement(
            partner.pk, start=day + datetime.timedelta(days=1), end=datetime.date.today()
        )
    assert len(queries) == 2
    [eur] = result.currencies
    assert (eur.opening, eur.adjustments, eur.closing) == (
        Decimal("-3"),
        Decimal("30"),
        Decimal("27"),
    )
    assert eur.closing == selectors.balances(partner.pk)["EUR"]


def test_correcting_a_completed_runs_delivery_reverses_and_earns_again_once(
    workshop, admin, make_run, drained
):
    services.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="2",
        currency="EUR",
    )
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, role="sewing")
    drained()
    result = hand_over(run, workshop.actor, good=9, rejected=1)
    drained()
    [first] = earned(workshop.partner)
    assert first.amount == Decimal("18.00")
    production.delivery_correct(
        delivery=result.delivery,
        actor=admin,
        reason="one more was fine",
        good=10,
        rejected=[],
    )
    drained()
    OutboxDelivery.objects.filter(event__name="production_run.delivery_corrected").update(
        state=DeliveryState.PENDING, lease_until=None
    )
    drained(ignore_backoff=True)
    entries = list(LedgerEntry.objects.filter(partner=workshop.partner).order_by("created_at"))
    assert [(e.kind, e.amount) for e in entries] == [
        ("earned", Decimal("18.00")),
        ("reversal", Decimal("-18.00")),
        ("earned", Decimal("20.00")),
    ]
    assert selectors.balances(workshop.partner.pk) == {"EUR": Decimal("20.00")}
    assert selectors.run_costs([run.pk])[run.pk].main.partner == Decimal("20.00")
