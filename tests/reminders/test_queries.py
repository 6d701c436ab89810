"""Evaluating the rules costs a constant number of queries per page, whatever the number of runs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.events.api import drain
from loomworks.reminders import services
from loomworks.reminders.models import ChaseRules, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules(db):
    """The rules' row exists (a fresh database makes it on the first read)."""
    return ChaseRules.current()


def unanswered_runs(make_run, workshop, count: int) -> None:
    for _ in range(count):
        make_run("sent_to_partner", partner=workshop.partner)
    drain()


def queries_of_one_evaluation(**kwargs) -> tuple[int, services.Evaluation]:
    with CaptureQueriesContext(connection) as captured:
        result = services.evaluate(**kwargs)
    return len(captured.captured_queries), result


def test_an_evaluation_that_fires_nothing_costs_the_same_at_any_size(clock, make_run, workshop):
    unanswered_runs(make_run, workshop, 2)
    small, _ = queries_of_one_evaluation()
    unanswered_runs(make_run, workshop, 20)
    large, result = queries_of_one_evaluation()
    assert result.total == 0
    assert small == large


def test_a_page_of_reminders_costs_the_same_queries_for_3_runs_or_30(
    clock, make_run, workshop, make_workshop, rules
):
    rules.escalation_enabled = False  # the first runs would escalate during the second look
    rules.save()
    unanswered_runs(make_run, workshop, 3)
    clock.shift(hours=25)
    small, fired_small = queries_of_one_evaluation(batch_size=100)
    assert fired_small.fired[Rule.UNACCEPTED] == 3

    other = make_workshop()
    clock.shift(days=2)
    unanswered_runs(make_run, other, 30)
    clock.shift(hours=25)
    large, fired_large = queries_of_one_evaluation(batch_size=100)
    assert fired_large.fired[Rule.UNACCEPTED] == 30
    assert small == large


def test_pages_are_read_in_order_and_each_costs_the_same(clock, make_run, workshop):
    unanswered_runs(make_run, workshop, 7)
    clock.shift(hours=25)
    queries, result = queries_of_one_evaluation(batch_size=3)
    assert result.fired[Rule.UNACCEPTED] == 7
    assert result.pages == 3  # 3 + 3 + 1
    # per rule, an empty first page costs 1 query; the unanswered rule's three
    # pages cost 5 each (page, insert, claimed, events, deliveries)
    rules_read = 1
    empty_rules = 4
    assert queries == rules_read + empty_rules + 3 * 5 + _savepoints(3)


def test_a_tick_with_nothing_new_reads_one_query_per_rule_however_many_were_reminded(
    clock, make_run, workshop
):
    unanswered_runs(make_run, workshop, 12)
    clock.shift(hours=25)
    services.evaluate(batch_size=5)  # 12 reminders fired, in three pages
    queries, result = queries_of_one_evaluation(batch_size=5)
    assert result.total == 0 and result.pages == 0
    assert queries == 1 + 5  # the rules, then one empty page per rule


def _savepoints(pages: int) -> int:
    """Each page's transaction is a savepoint inside the test's (SAVEPOINT and RELEASE)."""
    return 2 * pages
