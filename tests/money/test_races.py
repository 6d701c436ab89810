"""Money under real concurrency (PostgreSQL only): threads released together."""

from decimal import Decimal

import pytest

from loomworks.money import selectors, services
from loomworks.money.models import LedgerEntry
from tests.production.test_races import at_once

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_four_threads_earning_one_completed_run_write_one_entry(workshop, admin, make_run, drained):
    services.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="1.5",
        currency="EUR",
    )
    run = make_run("completed", partner=workshop.partner, actor=workshop.actor, role="sewing")
    outcomes = at_once(*(lambda: services.earn_for_run(run_id=run.pk) for _ in range(4)))
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    drained()
    assert LedgerEntry.objects.filter(run=run, kind="earned").count() == 1
    assert selectors.balances(workshop.partner.pk) == {"EUR": Decimal("15.00")}


def test_two_admins_reversing_one_entry_at_once_reverse_it_once(workshop, admin):
    bonus = services.adjustment_record(
        partner=workshop.partner,
        actor=admin,
        kind="bonus",
        amount="10",
        currency="EUR",
        reason="rush",
    )
    outcomes = at_once(
        *(
            lambda: services.entry_reverse(entry=bonus, actor=admin, reason="twice")
            for _ in range(2)
        )
    )
    assert sum(isinstance(o, LedgerEntry) for o in outcomes) == 1
    assert LedgerEntry.objects.filter(reversal_of=bonus).count() == 1
