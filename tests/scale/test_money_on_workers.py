"""The payables ledger on real Celery workers: a split run's completions, worked by two
workers and then worked again, earn each partner exactly once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.money import services as money
from loomworks.money.models import LedgerEntry, RunPrice
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunStatus
from tests.factories import TemplateFactory
from tests.scale.conftest import needs_workers, wait_for

pytestmark = [*needs_workers, pytest.mark.django_db(transaction=True)]


def _pending() -> int:
    return Delivery.objects.exclude(state=DeliveryState.DONE).count()


def test_two_workers_earn_each_partner_of_a_split_run_once_even_when_run_again(
    start_worker, admin, make_workshop, make_run
):
    shops = [make_workshop() for _ in range(3)]
    for shop, (role, unit, amount, currency) in zip(
        shops,
        [
            ("cutting", "piece", "1.125", "EUR"),
            ("sewing", "piece", "3.50", "GBP"),
            ("finishing", "run", "1500", "JPY"),
        ],
        strict=True,
    ):
        money.rate_set(
            partner=shop.partner,
            actor=admin,
            role=role,
            unit=unit,
            amount=amount,
            currency=currency,
        )
    template = TemplateFactory()
    parent = make_run("pending_review", quantity=30)
    approved = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(shop.partner.pk, 10, role, 1, [template.pk])
            for shop, role in zip(shops, ["cutting", "sewing", "finishing"], strict=True)
        ],
    )
    parts = approved.children
    start_worker("w1", "w2", EVENTS_LEASE_SECONDS=30, EVENTS_SWEEP_SECONDS=2)
    wait_for(lambda: RunPrice.objects.count() == 3, timeout=60, what="the proposed prices")

    for part, shop in zip(parts, shops, strict=True):
        services.run_accept(run=part, actor=shop.actor)
        services.delivery_record(
            run=part,
            actor=shop.actor,
            good=9,
            rejected=[{"reason": "stain", "quantity": 1}],
            final=True,
            shortfall_reason="one stained",
        )
    wait_for(
        lambda: ProductionRun.objects.get(pk=parent.pk).status == RunStatus.COMPLETED,
        timeout=60,
        what="the parent",
    )
    wait_for(lambda: LedgerEntry.objects.count() == 3, timeout=60, what="the earned entries")
    wait_for(lambda: _pending() == 0, timeout=60, what="every delivery done")

    # Every completion worked again (a retry after a lost acknowledgement): the sweep
    # sends them to the workers, which find the entries already there.
    again = Delivery.objects.filter(event__name="production_run.completed")
    again.update(state=DeliveryState.PENDING, lease_until=None, next_attempt_at=timezone.now())
    wait_for(lambda: _pending() == 0, timeout=60, what="the repeated deliveries")

    entries = {e.partner_id: e for e in LedgerEntry.objects.filter(kind="earned")}
    assert len(entries) == 3 and LedgerEntry.objects.count() == 3
    assert (entries[shops[0].partner.pk].amount, entries[shops[0].partner.pk].currency) == (
        Decimal("10.13"),
        "EUR",
    )  # 9 × 1.125 = 10.125 → 10.13
    assert entries[shops[1].partner.pk].amount == Decimal("31.50")
    assert entries[shops[2].partner.pk].amount == Decimal("1500")
    assert Event.objects.filter(name="payable.earned").count() == 3
    assert all(price.fixed_at for price in RunPrice.objects.all())
