"""Server time of every console and portal page at the benchmark's size.

Each page is rendered in-process through Django's test client, logged in as
the brand admin or as a member of the partner with the most runs (the logins
of `benchmarks.generate`), with `DEBUG` off: URL routing, every middleware,
the session, the queries and the template; only the socket is missing.
Medians and 95th percentiles of `--repeat` calls after 3 warm-up calls; the
target is 100 ms (issue 20).

    python -m benchmarks.pages [--repeat 15]
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

from benchmarks import settings as bench
from benchmarks.generate import ADMIN_EMAIL

TARGET_MS = 100.0


@dataclass
class Page:
    case: str
    what: str
    url: str
    audience: str  # "admin" or "partner"


@dataclass
class PageTiming:
    case: str
    what: str
    url: str
    median_ms: float
    p95_ms: float
    queries: int
    bytes: int

    @property
    def met(self) -> bool:
        return self.median_ms <= TARGET_MS


def pick_pages(conn) -> tuple[list[Page], str | None]:
    """The pages to time, chosen from the data; and the partner member to log in as."""
    partner = conn.execute(
        "SELECT partner_id FROM production_productionrun WHERE partner_id IS NOT NULL"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    partner_id = partner[0] if partner else None
    member = (
        conn.execute(
            "SELECT u.email FROM partners_partnermember m JOIN accounts_user u"
            " ON u.id = m.user_id WHERE m.partner_id = %s AND m.is_active ORDER BY m.created_at"
            " LIMIT 1",
            [partner_id],
        ).fetchone()
        if partner_id
        else None
    )
    admin_run = conn.execute(
        "SELECT r.id FROM production_productionrun r WHERE r.status = 'in_progress'"
        " AND r.parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM work_task t"
        " WHERE t.run_id = r.id) ORDER BY r.created_at DESC LIMIT 1"
    ).fetchone()
    partner_run = (
        conn.execute(
            "SELECT r.id FROM production_productionrun r WHERE r.partner_id = %s"
            " AND r.status = 'in_progress' AND EXISTS (SELECT 1 FROM work_task t"
            " WHERE t.run_id = r.id) ORDER BY r.created_at DESC LIMIT 1",
            [partner_id],
        ).fetchone()
        if partner_id
        else None
    )
    runs = "/admin/production-runs/"
    pages = [
        Page("dashboard", "dashboard", "/admin/", "admin"),
        Page("runs", "runs list, first page", runs, "admin"),
        Page(
            "runs_filtered",
            "runs: in progress, production",
            f"{runs}?status=in_progress&run_type=production",
            "admin",
        ),
        Page("runs_late", "runs: late only", f"{runs}?late=true", "admin"),
        Page("runs_search", "runs: search linen", f"{runs}?q=linen", "admin"),
        Page("designs", "designs, first page", "/admin/designs/", "admin"),
        Page("partners", "partners (all)", "/admin/partners/", "admin"),
    ]
    if partner_id:
        pages.insert(
            4,
            Page("runs_partner", "runs: one partner", f"{runs}?partner_id={partner_id}", "admin"),
        )
    if admin_run:
        pages.append(Page("run_page", "run page (a part)", f"{runs}{admin_run[0]}/", "admin"))
    if member:
        pages.append(Page("portal_home", "portal: my runs", "/partner/", "partner"))
        if partner_run:
            pages.append(
                Page(
                    "portal_run",
                    "portal: run page",
                    f"/partner/production-runs/{partner_run[0]}/",
                    "partner",
                )
            )
    return pages, member[0] if member else None


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(*, repeat: int = 15, progress=print) -> list[PageTiming]:
    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from loomworks.accounts.models import User

    with psycopg.connect(bench.psycopg_url()) as conn:
        pages, member_email = pick_pages(conn)
    clients = {"admin": Client()}
    clients["admin"].force_login(User.objects.get(email=ADMIN_EMAIL))
    if member_email:
        clients["partner"] = Client()
        clients["partner"].force_login(User.objects.get(email=member_email))

    timings = []
    for page in pages:
        client = clients[page.audience]
        response = client.get(page.url)
        if response.status_code == 302:  # the runs list puts its query in one order
            page.url = response["Location"]
            response = client.get(page.url)
        if response.status_code != 200:
            raise RuntimeError(f"{page.url} answered {response.status_code}")
        for _ in range(2):
            client.get(page.url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.url)
        queries = len(captured)  # read now: the next request clears Django's query log
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(page.url)
            samples.append((time.perf_counter() - started) * 1000)
        timing = PageTiming(
            case=page.case,
            what=page.what,
            url=page.url,
            median_ms=statistics.median(samples),
            p95_ms=_p95(samples),
            queries=queries,
            bytes=len(response.content),
        )
        timings.append(timing)
        progress(
            f"  {timing.case:<14} {timing.median_ms:8.1f} ms  p95 {timing.p95_ms:7.1f} ms"
            f"  {timing.queries:>3} queries  {'met' if timing.met else 'MISSED'}"
        )
    return timings


def print_table(timings: list[PageTiming]) -> None:
    print(f"\nPages: server time in-process, target ≤ {TARGET_MS:.0f} ms (median)")
    print(f"{'page':<14} {'what':<32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7}  target")
    for t in timings:
        print(
            f"{t.case:<14} {t.what:<32} {t.median_ms:>8.1f} {t.p95_ms:>8.1f} {t.queries:>7}"
            f"  {'met' if t.met else 'MISSED'}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Console and portal pages: server time.")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    bench.setup()
    print(f"Pages (median of {args.repeat}, in-process, DEBUG off):", flush=True)
    print_table(measure(repeat=args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
