"""The console's reports and workshop load at scale: each page against the SQL behind its numbers.

    python -m benchmarks.reports_pages [--repeat 15]

On the benchmark database (BENCH_DATABASE_URL), logged in as its brand
admin, each page is fetched in-process through Django's test client with
DEBUG off (routing, middleware, session, the selectors, the SVG and table
templates). Its floor is **the SQL that computes its numbers**: the queries
the page's selectors send, captured once and replayed through the same
connection (`cursor.execute` + `fetchall`), without Django around them.
The ratio is page ÷ SQL; `queries` is what the whole page sent (it must not
grow with the data). Medians of `--repeat` calls after two warm-up calls.

Everything runs in one transaction rolled back at the end: the login's
session row is not kept, and nothing else is written.
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
class Row:
    case: str
    page_ms: float
    sql_ms: float
    queries: int

    @property
    def ratio(self) -> float:
        return self.page_ms / self.sql_ms if self.sql_ms else float("nan")


def _cases():
    """(case, url, the selector calls whose SQL is the page's floor)."""
    import datetime

    from django.utils import timezone

    from loomworks.partners.models import Partner
    from loomworks.production import reports
    from loomworks.production.models import ProductionRun
    from loomworks.production.selectors import reassign_candidates
    from loomworks.production.workshop_load import load_timeline
    from loomworks.web.console.report_forms import default_period

    today = timezone.localdate()
    start, end = default_period(today)
    year_start = today - datetime.timedelta(weeks=51)
    busiest = (
        ProductionRun.objects.filter(status="in_progress", partner__isnull=False)
        .values_list("partner_id", flat=True)
        .first()
    ) or Partner.objects.values_list("pk", flat=True).first()
    declined = (
        ProductionRun.objects.filter(status="awaiting_reassignment")
        .values_list("pk", flat=True)
        .first()
    )
    return [
        ("work in progress", "/admin/reports/work-in-progress/", reports.work_in_progress),
        (
            "throughput, 12 weeks",
            "/admin/reports/throughput/",
            lambda: reports.throughput_by_week(start=start, end=end),
        ),
        (
            "throughput, 52 weeks",
            f"/admin/reports/throughput/?start={year_start.isoformat()}&end={today.isoformat()}",
            lambda: reports.throughput_by_week(start=year_start, end=today),
        ),
        (
            "throughput, one partner, 52 weeks",
            f"/admin/reports/throughput/?start={year_start.isoformat()}&end={today.isoformat()}"
            f"&partner_id={busiest}",
            lambda: reports.throughput_by_week(start=year_start, end=today, partner_id=busiest),
        ),
        ("late runs by cause", "/admin/reports/late/", reports.late_report),
        (
            "late runs, one partner",
            f"/admin/reports/late/?partner_id={busiest}",
            lambda: reports.late_report(partner_id=busiest),
        ),
        ("workshop load", "/admin/partners/load/", lambda: load_timeline(today=today)),
        (
            "reassign form (every candidate's load)",
            f"/admin/production-runs/{declined}/reassign/" if declined else None,
            reassign_candidates,
        ),
    ]


def _captured_sql(call) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


def _replay(statements: list[str]) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
            cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _page(client, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: is the benchmark data there?")
    queries = sum(1 for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper())
    return elapsed, queries


def measure(*, repeat: int) -> list[Row]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client

    rows: list[Row] = []
    try:
        with transaction.atomic():
            admin = get_user_model().objects.filter(is_staff=True, is_active=True).first()
            if admin is None:
                raise SystemExit("No brand admin in the benchmark data: run `make bench` first.")
            client = Client()
            client.force_login(admin)
            for case, url, numbers in _cases():
                print(f"  {case}…", file=sys.stderr, flush=True)
                statements = _captured_sql(numbers)
                for _ in range(2):
                    _replay(statements)
                    if url:
                        _page(client, url)
                sql_times, page_times, queries = [], [], len(statements)
                for _ in range(repeat):
                    sql_times.append(_replay(statements))
                    if url:
                        elapsed, queries = _page(client, url)
                        page_times.append(elapsed)
                sql_ms = statistics.median(sql_times)
                page_ms = statistics.median(page_times) if page_times else sql_ms
                rows.append(Row(case, page_ms, sql_ms, queries))
            raise _Rollback
    except _Rollback:
        pass
    return rows


def print_table(rows: list[Row], *, runs: int) -> None:
    print(f"\nReports at {runs:,} runs (median ms, in-process, DEBUG off):\n")
    print("| case | page ms p50 | SQL ms p50 | ratio | queries |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.case} | {row.page_ms:.1f} | {row.sql_ms:.1f} | {row.ratio:.2f} | {row.queries} |"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    bench.setup()
    from loomworks.production.models import ProductionRun

    runs = ProductionRun.objects.count()
    print(f"Measuring the reports on {runs:,} runs, {args.repeat} calls each…", file=sys.stderr)
    print_table(measure(repeat=args.repeat), runs=runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
