"""Insight pages at benchmark scale, each next to the SQL that computes its numbers.

    python -m benchmarks.insights [--repeat 15]

For each case the page is rendered in-process through Django's test client
(middleware, session login, the view, the selectors, the template), with `DEBUG`
off. Its **SQL** is every SELECT (and SET) the page ran to compute what it shows (captured
from one render, with their parameters), run again as they are through psycopg
(client-side binding like Django's, fetching every row): what the database alone
costs. The **ratio** is page ÷ SQL; the goal is 3× or less. Medians of `--repeat`
calls after 2 warm-up calls.

A case is a name, a URL and who looks at it: add a function to `CASES` that
returns cases for another page.

The benchmark data has no output of its own: run `python -m benchmarks.generate_outputs`
first, or the scorecards have no yield, rejections or costs to count.
"""

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from benchmarks import settings as bench
from benchmarks.generate import ADMIN_EMAIL


@dataclass
class Case:
    name: str
    url: str
    user_email: str


@dataclass
class Timing:
    case: str
    page_ms: float
    sql_ms: float
    queries: int  # the page's queries, all of them

    @property
    def ratio(self) -> float:
        return self.page_ms / self.sql_ms if self.sql_ms else float("nan")


# ---------------------------------------------------------------- cases


def _busiest_partner():
    """The bench partner with the most runs handed over in the last 90 days."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from loomworks.partners.models import Partner

    since = timezone.now() - timedelta(days=90)
    return (
        Partner.objects.filter(handle__startswith="bench-")
        .annotate(
            recent=Count("runs", filter=Q(runs__status="completed", runs__completed_at__gte=since))
        )
        .order_by("-recent", "pk")
        .first()
    )


def scorecard_cases() -> list[Case]:
    from django.urls import reverse

    from loomworks.insights.scorecards import Period
    from loomworks.partners.models import PartnerMember

    partner = _busiest_partner()
    member = PartnerMember.objects.filter(partner=partner).select_related("user").first()
    year = Period.last_days(365)
    year_query = f"?start={year.start.isoformat()}&end={year.end.isoformat()}"
    detail = reverse("console:partner_detail", args=[partner.pk])
    side = reverse("console:partner_scorecards")
    return [
        Case("partner page, 90 days", detail, ADMIN_EMAIL),
        Case("partner page, 1 year", detail + year_query, ADMIN_EMAIL),
        Case("side by side, 90 days", side, ADMIN_EMAIL),
        Case("side by side, 1 year, by yield", side + year_query + "&order=-yield", ADMIN_EMAIL),
        Case("portal scorecard, 90 days", reverse("portal:scorecard"), member.user.email),
    ]


# The reports engineer adds its page cases here (a function returning a list of Case).
CASES: list[Callable[[], list[Case]]] = [scorecard_cases]


# ---------------------------------------------------------------- timing


def _median_ms(call, repeat: int) -> float:
    for _ in range(2):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(*, repeat: int = 15, progress=print) -> list[Timing]:
    import psycopg
    from django.db import connection
    from django.test import Client

    from loomworks.accounts.models import User

    clients: dict[str, Client] = {}
    timings = []
    with psycopg.connect(bench.psycopg_url(), cursor_factory=psycopg.ClientCursor) as conn:
        for build in CASES:
            for case in build():
                client = clients.get(case.user_email)
                if client is None:
                    client = clients[case.user_email] = Client(HTTP_HOST="localhost")
                    client.force_login(User.objects.get(email=case.user_email))

                def page(client=client, case=case):
                    response = client.get(case.url)
                    if response.status_code != 200:
                        raise RuntimeError(f"{case.url} answered {response.status_code}")

                statements = []

                def capture(execute, sql, params, many, context, statements=statements):
                    statements.append((sql, params))
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(capture):
                    page()
                selects = [
                    (sql, params)
                    for sql, params in statements
                    if sql.lstrip().upper().startswith(("SELECT", "WITH", "SET"))
                ]

                def floor(selects=selects):
                    with conn.cursor() as cursor:
                        for sql, params in selects:
                            cursor.execute(sql, params)
                            if cursor.description:
                                cursor.fetchall()
                    conn.rollback()  # one transaction, like the page's (SET LOCAL holds in it)

                timing = Timing(
                    case=case.name,
                    page_ms=_median_ms(page, repeat),
                    sql_ms=_median_ms(floor, repeat),
                    queries=len(statements),
                )
                timings.append(timing)
                progress(
                    f"  {timing.case:<34} page {timing.page_ms:8.1f} ms"
                    f"  SQL {timing.sql_ms:8.1f} ms  ratio {timing.ratio:5.2f}"
                )
    return timings


def print_table(timings: list[Timing]) -> None:
    print("\n| case | page ms p50 | SQL ms p50 | ratio | queries |")
    print("|---|---:|---:|---:|---:|")
    for t in timings:
        print(f"| {t.case} | {t.page_ms:.1f} | {t.sql_ms:.1f} | {t.ratio:.2f} | {t.queries} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per case")
    args = parser.parse_args(argv)
    bench.setup()
    from django.db import connection

    runs = connection.cursor()
    runs.execute("SELECT count(*) FROM production_productionrun")
    total = runs.fetchone()[0]
    runs.execute("SELECT count(*) FROM production_delivery")
    deliveries = runs.fetchone()[0]
    print(f"{total:,} runs, {deliveries:,} deliveries ({bench.database_url().rsplit('/', 1)[-1]})")
    if not deliveries:
        print("No deliveries: run `python -m benchmarks.generate_outputs` first.", file=sys.stderr)
    timings = measure(repeat=args.repeat)
    print_table(timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
