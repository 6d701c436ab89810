"""The reminder rules and digests at scale: queries and time of one evaluation.

    python -m benchmarks.reminders [--repeat 5]

On the benchmark database (BENCH_DATABASE_URL), each measurement runs inside a
transaction that is rolled back, so nothing is sent and a second call
measures the same thing:

- **first look**: an evaluation on data nobody evaluated yet; it fires every
  reminder whose moment fell in the catch-up window (the last
  REMINDERS_CATCH_UP_DAYS days) and inserts its key and event;
- **steady**: the next evaluation, once those keys exist (and are in the
  planner's statistics): what every tick of the scheduler costs when nothing
  new is due;
- **digests**: claiming the morning digests of every person (at 08:00 UTC).

Each row gives the queries made (they must not grow with the data), the
median time of `--repeat` calls, and how many reminders fired. The plans of
the rules' candidate queries in the steady state are printed too (EXPLAIN
ANALYZE): each must read a range of its partial index and probe the
reminders' unique index, never scan the runs table.
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

from benchmarks import settings as bench


class _Rollback(Exception):
    pass


@dataclass
class Measure:
    case: str
    queries: int
    median_ms: float
    fired: int
    pages: int


def _timed(call, *, repeat: int, before=None) -> Measure:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    times, queries, fired, pages = [], 0, 0, 0
    for _ in range(repeat):
        try:
            with transaction.atomic():
                if before:
                    before()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    result = call()
                    times.append((time.perf_counter() - started) * 1000)
                # Savepoints are bookkeeping of the rolled-back outer transaction here.
                queries = sum(
                    1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()
                )
                fired = getattr(result, "total", result if isinstance(result, int) else 0)
                pages = getattr(result, "pages", 0)
                raise _Rollback
        except _Rollback:
            pass
    return Measure("", queries, statistics.median(times), fired, pages)


def _settled(now) -> None:
    """The state of every tick after the first: its reminders exist and are in the statistics."""
    from django.db import connection

    from loomworks.reminders import services

    services.evaluate(now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminder")


def plans(now) -> list[tuple[str, str]]:
    """Each rule's candidate query in the steady state: its scans and its time (EXPLAIN ANALYZE).

    Measured after a first evaluation, inside a transaction rolled back.
    """
    from django.db import connection, transaction

    from loomworks.reminders.models import ChaseRules
    from loomworks.reminders.rules import RULE_ORDER, window

    found = []
    try:
        with transaction.atomic():
            _settled(now)
            rules = ChaseRules.current()
            for rule in RULE_ORDER:
                spec = window(rule, rules, now)
                query = spec.rows().order_by(spec.key, "id").values_list("id", spec.key)[:500]
                sql, params = query.query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
                    lines = [row[0] for row in cursor.fetchall()]
                steps = [
                    line.strip().removeprefix("-> ")
                    for line in lines
                    if "Scan" in line or "Join" in line or "Execution Time" in line
                ]
                found.append((str(rule), " / ".join(steps)))
            raise _Rollback
    except _Rollback:
        pass
    return found


def measure(*, repeat: int = 5) -> list[Measure]:
    from django.utils import timezone

    from loomworks.reminders import digests, services
    from loomworks.reminders.models import ChaseRules

    ChaseRules.current()
    now = timezone.now()
    first = _timed(lambda: services.evaluate(now=now), repeat=repeat)
    first.case = "first look"
    steady = _timed(lambda: services.evaluate(now=now), repeat=repeat, before=lambda: _settled(now))
    steady.case = "steady"
    at_eight = now.replace(hour=8, minute=0, second=0, microsecond=0)
    digest = _timed(lambda: digests.digests_due(now=at_eight), repeat=repeat)
    digest.case = "digests"
    return [first, steady, digest]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    bench.setup(migrate=True)
    from django.utils import timezone

    from loomworks.production.models import ProductionRun

    print(f"{ProductionRun.objects.count():,} runs in {bench.database_url()}", flush=True)
    for rule, plan in plans(timezone.now()):
        print(f"  {rule:<12} {plan}")
    print(f"{'case':<12} {'queries':>7} {'median ms':>10} {'fired':>6} {'pages':>6}")
    for row in measure(repeat=args.repeat):
        print(
            f"{row.case:<12} {row.queries:>7} {row.median_ms:>10.1f} {row.fired:>6} {row.pages:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
