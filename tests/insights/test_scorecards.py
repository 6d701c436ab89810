"""Partner scorecards, against a fixture a reader can count by hand.

Workshop A, over the last 90 days (T is today, times at 09:00 local):

    run  pieces  sent     accepted      handed over  promised  good  rejected          rework
    r1   10      T-10d    T-9d  (24 h)  T-5d  (4 d)  T-6d late    8  2 stain           -
    r2   20      T-8d     T-8d+12 h     T-2d+12h(6d) T-2d on time 17  1 fabric, 2 stain  3 pieces
    r3    5      T-3d     T-1d  (48 h)  -            -            -  -                 -
    r4    7      sent to A, declined by A, then given to workshop B (who accepts it)
    r0   30      handed over by A 200 days ago: outside the period

    accepted           3 runs, 35 pieces; declined 1 → decline rate 1 / 4 = 25 %
    sent → accepted    (24 + 12 + 48) h / 3 = 28 h
    handed over        2 runs (r1, r2), 25 good + 5 rejected pieces
    accepted → handed  (4 d + 6 d) / 2 = 5 d
    on time            1 of 2 with a promised date = 50 %
    yield              25 / 30;  rejection rate 5 / 30;  stain 4, fabric fault 1
    rework rate        1 of 2 handed over = 50 %
    cost per piece     2.00 EUR a piece × (8 + 17) good pieces = 50.00 EUR / 25 = 2.00 EUR
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.insights.scorecards import Period, partner_scorecard, scorecards
from tests.insights.scorecard_fixture import at

pytestmark = pytest.mark.django_db


def test_scorecard_counts_what_the_fixture_says(counted):
    card = partner_scorecard(counted.a.partner, Period.last_days(90))

    assert (card.accepted_runs, card.accepted_pieces) == (3, 35)
    assert card.declined_runs == 1
    assert card.decline_rate == Decimal("0.25")
    assert card.sent_to_accepted == datetime.timedelta(hours=28)

    assert (card.handed_over_runs, card.good_pieces, card.rejected_pieces) == (2, 25, 5)
    assert card.accepted_to_handed_over == datetime.timedelta(days=5)
    assert (card.on_time, card.with_promise, card.on_time_rate) == (1, 2, Decimal("0.5"))
    assert card.yield_rate == Decimal(25) / Decimal(30)
    assert card.rejection_rate == Decimal(5) / Decimal(30)
    assert [(line.reason, line.label, line.pieces) for line in card.rejections] == [
        ("stain", "Stain", 4),
        ("fabric_fault", "Fabric fault", 1),
    ]
    assert (card.reworked_runs, card.rework_rate) == (1, Decimal("0.5"))
    [cost] = card.costs
    assert (cost.currency, cost.amount, cost.pieces) == ("EUR", Decimal("50.00"), 25)
    assert cost.per_piece == Decimal("2.00")


def test_the_period_decides_which_runs_count(counted):
    # Only r0, handed over 200 days ago (accepted 201 days ago).
    card = partner_scorecard(
        counted.a.partner,
        Period(start=at(205).date(), end=at(199).date()),
    )
    assert (card.accepted_runs, card.handed_over_runs, card.good_pieces) == (1, 1, 30)
    assert card.yield_rate == Decimal(1)
    assert card.rework_rate == Decimal(0)
    assert card.on_time_rate is None  # no promised date: nothing to compute
    assert card.decline_rate == Decimal(0)


def test_nothing_to_count_gives_no_rate_instead_of_dividing_by_zero(make_workshop):
    card = partner_scorecard(make_workshop().partner, Period.last_days(90))
    assert not card.has_numbers
    for rate in (
        card.decline_rate,
        card.on_time_rate,
        card.yield_rate,
        card.rejection_rate,
        card.rework_rate,
        card.sent_to_accepted,
        card.accepted_to_handed_over,
    ):
        assert rate is None
    assert card.costs == ()


def test_side_by_side_gives_each_partner_its_own_numbers(counted):
    cards = {card.partner_id: card for card in scorecards(Period.last_days(90))}
    a, b = cards[counted.a.partner.pk], cards[counted.b.partner.pk]
    assert a == partner_scorecard(counted.a.partner, Period.last_days(90))
    # B accepted the run A declined, and has nothing else.
    assert (b.accepted_runs, b.accepted_pieces, b.declined_runs) == (1, 7, 0)
    assert (b.handed_over_runs, b.yield_rate, b.costs) == (0, None, ())


def test_side_by_side_sorts_by_a_column_with_the_unknown_last(counted, make_workshop):
    make_workshop(name="Zero Z")
    by_yield = scorecards(Period.last_days(90), sort="yield", descending=True)
    names = [card.partner_name for card in by_yield]
    assert names[0] == "Atelier A"
    assert set(names[1:]) == {"Brodeur B", "Zero Z"}  # nothing handed over: no yield


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_queries_stay_the_same_whatever_the_number_of_partners_and_runs(
    counted, make_run, make_workshop
):
    period = Period.last_days(90)
    one = _queries(lambda: partner_scorecard(counted.a.partner, period))
    side = _queries(lambda: scorecards(period))
    for _ in range(3):
        shop = make_workshop()
        make_run("in_progress", partner=shop.partner, actor=shop.actor)
        make_run("in_progress", partner=counted.a.partner, actor=counted.a.actor)
    assert _queries(lambda: partner_scorecard(counted.a.partner, period)) == one
    assert _queries(lambda: scorecards(period)) == side
    # Five aggregates and the rejection reasons (and the partners, side by side), in a
    # transaction (a savepoint in a test) with PostgreSQL's JIT off (a SET LOCAL).
    assert one <= 9 and side <= 10
