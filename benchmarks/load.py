"""Load test: 50 users for 2 minutes against gunicorn on the benchmark data, then a check.

    python -m benchmarks.load [--users 50] [--seconds 120] [--web-workers 4] [--workers 2]

Starts `gunicorn loomworks.wsgi:application -w 4` and two `loomworks worker`
processes on the benchmark database (run `python -m benchmarks.generate` or
`make bench` first), with EVENTS_BACKEND=celery. Each user is a thread with
its own keep-alive connection. Three kinds of users, mixed:

- brand admins: the run list (first page, a status filter, a search, a
  deeper page) and run details (`GET /api/admin/production-runs[/{id}]`);
- partner members: they tick the open checklist items of their in-progress
  runs and finish the tasks (`POST /api/partners/assigned-tasks/{task}/
  subtasks/{subtask}/complete`, `POST /api/partners/assigned-tasks/{task}/finish`),
  each task handled by one user only;

It reports requests/s, p50/p95/p99 per kind of request and the 5xx count.
Then it waits for the workers to drain the outbox and checks every run whose
tasks it touched: a run whose tasks are all done is completed exactly once
(one `complete` history row and one `production_run.completed` event), and
no run was completed twice. Last, one summary line (requests/s, p95, 5xx, lost
and doubled completions, and which of issue 20's targets are met), also
written to benchmarks/results/load-<time>.json, which `make bench` quotes.
Exit status 1 if any check fails or any 5xx was seen. The request loop is bounded by `--seconds` and only talks to 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks import settings as bench

ROOT = Path(__file__).resolve().parent.parent
ADMIN_LIST = "/api/admin/production-runs"
PARTNER_TASKS = "/api/partners/assigned-tasks"


@dataclass
class WorkItem:
    """One open task of an in-progress run, with its open checklist items."""

    run_id: str
    task_id: str
    subtask_ids: list[str]


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(int))
    errors: list = field(default_factory=list)

    def record(self, label: str, status: int, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.samples[label].append(seconds * 1000)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.errors.append(f"{label} → {status} {detail[:200]}")


class Http:
    """A keep-alive HTTP/1.1 connection to the server under test (127.0.0.1 only)."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _timed(stats: Stats, http: Http, label: str, method: str, path: str, body=None):
    started = time.perf_counter()
    try:
        status, content = http.request(method, path, body)
    except Exception as error:  # a dropped connection counts as a failure
        stats.record(label, 0, time.perf_counter() - started, repr(error))
        return 0, b""
    stats.record(label, status, time.perf_counter() - started, content.decode(errors="replace"))
    return status, content


def admin_user(port, token, stats, stop, detail_ids, rng):
    http = Http(port, token)
    searches = ["linen", "denim", "porto", "atelier", "wool jacket"]
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.25:
            _timed(stats, http, "list first page", "GET", f"{ADMIN_LIST}?limit=20")
        elif roll < 0.40:
            _timed(stats, http, "list filtered", "GET", f"{ADMIN_LIST}?status=in_progress&limit=20")
        elif roll < 0.55:
            q = rng.choice(searches).replace(" ", "+")
            _timed(stats, http, "list search", "GET", f"{ADMIN_LIST}?q={q}")
        elif roll < 0.65:
            offset = rng.randrange(0, 2000, 20)
            _timed(stats, http, "list deeper page", "GET", f"{ADMIN_LIST}?offset={offset}")
        else:
            _timed(stats, http, "run detail", "GET", f"{ADMIN_LIST}/{rng.choice(detail_ids)}")


def partner_user(port, token, stats, stop, items: list[WorkItem], touched: set, lock):
    http = Http(port, token)
    while not stop.is_set():
        with lock:
            if not items:
                break
            item = items.pop()
            touched.add(item.run_id)
        base = f"{PARTNER_TASKS}/{item.task_id}"
        parent_completed = False
        for subtask_id in item.subtask_ids:
            if stop.is_set():
                return
            status, content = _timed(
                stats, http, "subtask complete", "POST", f"{base}/subtasks/{subtask_id}/complete"
            )
            if status == 200:
                parent_completed = json.loads(content).get("parent_completed", False)
        if not parent_completed and not stop.is_set():
            _timed(stats, http, "task finish", "POST", f"{base}/finish")
    # Out of work: keep reading like a partner would, so the mix stays loaded.
    while not stop.is_set():
        _timed(stats, http, "partner task list", "GET", PARTNER_TASKS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start listening on {port}")


def missing_routes() -> list[str]:
    from django.urls import Resolver404, resolve

    missing = []
    for path in (
        ADMIN_LIST,
        f"{ADMIN_LIST}/run_x",
        f"{PARTNER_TASKS}",
        f"{PARTNER_TASKS}/task_x/subtasks/task_y/complete",
        f"{PARTNER_TASKS}/task_x/finish",
    ):
        try:
            resolve(path)
        except Resolver404:
            missing.append(path)
    return missing


def _token(port: int, email: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"email": email, "password": "loomworks-bench"})
    conn.request("POST", "/api/auth/token", body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    content = response.read()
    if response.status != 200:
        raise SystemExit(f"Could not log in as {email}: {response.status} {content[:200]!r}")
    return json.loads(content)["token"]


def work_items(limit_runs: int) -> dict[str, list[WorkItem]]:
    """Open tasks of in-progress runs (not parents), grouped by partner member e-mail."""
    from django.db.models import Exists, OuterRef

    from loomworks.partners.models import PartnerMember
    from loomworks.production.models import ProductionRun, RunStatus
    from loomworks.work.models import OPEN_TASK_STATUSES, Task

    runs = list(
        ProductionRun.objects.filter(status=RunStatus.IN_PROGRESS, partner__isnull=False)
        .exclude(Exists(ProductionRun.objects.filter(parent_id=OuterRef("pk"))))
        .filter(Exists(Task.objects.filter(run_id=OuterRef("pk"), status__in=OPEN_TASK_STATUSES)))
        .order_by("?")[:limit_runs]
    )
    by_email: dict[str, list[WorkItem]] = defaultdict(list)
    emails = dict(
        PartnerMember.objects.filter(partner_id__in={r.partner_id for r in runs}).values_list(
            "partner_id", "user__email"
        )
    )
    for run in runs:
        tasks = Task.objects.filter(run=run, parent__isnull=True, status__in=OPEN_TASK_STATUSES)
        for task in tasks.order_by("position"):
            subtasks = list(
                Task.objects.filter(parent=task, status__in=OPEN_TASK_STATUSES)
                .order_by("position")
                .values_list("pk", flat=True)
            )
            by_email[emails[run.partner_id]].append(WorkItem(run.pk, task.pk, subtasks))
    return by_email


def check_completions(run_ids: set[str], since) -> dict:
    """Every touched run whose tasks are all done completed exactly once; none twice."""
    from django.db.models import Count, Q

    from loomworks.events.models import Event
    from loomworks.production.models import ProductionRun, RunStatus
    from loomworks.work.models import OPEN_TASK_STATUSES, TaskStatus

    runs = ProductionRun.objects.filter(pk__in=run_ids).annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status__in=OPEN_TASK_STATUSES)),
        done_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.COMPLETED)),
        completions=Count("history", filter=Q(history__kind="complete"), distinct=True),
    )
    events = dict(
        Event.objects.filter(
            name="production_run.completed", aggregate_id__in=run_ids, occurred_at__gte=since
        )
        .values("aggregate_id")
        .annotate(n=Count("id"))
        .values_list("aggregate_id", "n")
    )
    result = {"touched": 0, "all_done": 0, "completed_once": 0, "lost": [], "doubled": []}
    for run in runs:
        result["touched"] += 1
        if run.completions > 1 or events.get(run.pk, 0) > 1:
            result["doubled"].append(run.reference)
        if run.open_tasks == 0 and run.done_tasks > 0:
            result["all_done"] += 1
            if (
                run.status == RunStatus.COMPLETED
                and run.completions == 1
                and events.get(run.pk, 0) == 1
            ):
                result["completed_once"] += 1
            else:
                result["lost"].append(run.reference)
    return result


def _start(env: dict, args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# issue 20's targets for `make load` (50 users, 2 min, gunicorn -w 4 + 2 workers, 1M runs)
TARGET_REQUESTS_PER_S = 60
TARGET_P95_MS = 1000
RESULTS = ROOT / "benchmarks" / "results"


def summary_line(summary: dict) -> str:
    """One line to quote: the figures and whether each target is met."""
    checks = [
        (summary["requests_per_s"] >= TARGET_REQUESTS_PER_S, f"≥ {TARGET_REQUESTS_PER_S} req/s"),
        ((summary["p95_ms"] or 0) <= TARGET_P95_MS, f"p95 ≤ {TARGET_P95_MS} ms"),
        (summary["server_errors"] == 0, "0 5xx"),
        (summary["lost"] == 0 and summary["doubled"] == 0, "0 lost or doubled"),
    ]
    missed = [label for met, label in checks if not met]
    return (
        f"Load ({summary['at']}, {summary['users']} users, {summary['seconds']}s, "
        f"gunicorn -w {summary['web_workers']} + {summary['workers']} workers): "
        f"{summary['requests_per_s']} requests/s, p95 {summary['p95_ms']} ms, "
        f"{summary['server_errors']} 5xx, {summary['completed_once']} of "
        f"{summary['runs_done']} finished runs completed exactly once, lost {summary['lost']}, "
        f"doubled {summary['doubled']}; targets: "
        + ("all met" if not missed else "missed " + ", ".join(missed))
    )


def _write_summary(summary: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"load-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Summary: {path.relative_to(ROOT)}")
    return path


def latest_summary() -> dict | None:
    """The last `make load` summary written on this machine (for `make bench` to quote)."""
    found = sorted(RESULTS.glob("load-*.json"))
    return json.loads(found[-1].read_text()) if found else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--partners", type=float, default=0.4, help="share of partner users")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--runs", type=int, default=2000, help="in-progress runs to work on")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    bench.setup()
    missing = missing_routes()
    if missing:
        print("These API routes are not in this build yet, so the load test cannot run:")
        for path in missing:
            print(f"  {path}")
        return 2

    from django.utils import timezone

    from loomworks.events.models import Delivery, DeliveryState
    from loomworks.production.models import ProductionRun

    rng = random.Random(args.seed)
    port = _free_port()
    env = {**os.environ, **bench.bench_environ(), "PYTHONPATH": str(ROOT / "src")}
    logs = ROOT / "var" / "load-logs"
    logs.mkdir(parents=True, exist_ok=True)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    processes = [
        _start(env, [str(gunicorn), "loomworks.wsgi:application", "-c", str(ROOT / "gunicorn.conf.py"),
                     "-w", str(args.web_workers), "-b", f"127.0.0.1:{port}"], logs / "gunicorn.log")
    ]  # fmt: skip
    for n in range(args.workers):
        processes.append(
            _start(env, [sys.executable, "-m", "loomworks.cli", "worker", "--concurrency", "1",
                         "--loglevel", "warning", "--hostname", f"load{n + 1}@%h"],
                   logs / f"worker-{n + 1}.log")
        )  # fmt: skip
    try:
        _wait_for_port(port)
        items_by_email = work_items(args.runs)
        detail_ids = list(
            ProductionRun.objects.order_by("-created_at").values_list("pk", flat=True)[:500]
        )
        admin_token = _token(port, "bench-admin@loomworks.test")
        partner_count = max(1, round(args.users * args.partners))
        emails = sorted(items_by_email, key=lambda e: -len(items_by_email[e]))[:partner_count]
        partner_tokens = {email: _token(port, email) for email in emails}
        print(f"gunicorn -w {args.web_workers} on 127.0.0.1:{port}, {args.workers} Celery workers;"
              f" {args.users} users ({len(emails)} partners with "
              f"{sum(len(items_by_email[e]) for e in emails)} open tasks) for "
              f"{args.seconds:g}s…", flush=True)  # fmt: skip

        stats, stop, lock = Stats(), threading.Event(), threading.Lock()
        touched: set[str] = set()
        since = timezone.now()
        threads = []
        for n in range(args.users):
            if n < len(emails):
                email = emails[n]
                target = partner_user
                user_args = (
                    partner_tokens[email],
                    stats,
                    stop,
                    items_by_email[email],
                    touched,
                    lock,
                )
            else:
                target = admin_user
                user_args = (admin_token, stats, stop, detail_ids, random.Random(rng.random()))
            threads.append(threading.Thread(target=target, args=(port, *user_args), daemon=True))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started

        total = sum(len(s) for s in stats.samples.values())
        server_errors = sum(
            n for status, n in stats.statuses.items() if status >= 500 or status == 0
        )
        print(f"\n{total} requests in {elapsed:.0f}s: {total / elapsed:.1f} requests/s; "
              f"statuses {dict(sorted(stats.statuses.items()))}; 5xx/failed: {server_errors}")  # fmt: skip
        print(f"{'request':<20} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        everything = []
        for label, samples in sorted(stats.samples.items()):
            everything += samples
            print(f"{label:<20} {len(samples):>7} {statistics.median(samples):>8.1f} "
                  f"{_percentile(samples, 0.95):>8.1f} {_percentile(samples, 0.99):>8.1f}")  # fmt: skip
        if everything:
            print(f"{'all':<20} {len(everything):>7} {statistics.median(everything):>8.1f} "
                  f"{_percentile(everything, 0.95):>8.1f} {_percentile(everything, 0.99):>8.1f}")  # fmt: skip
        for error in stats.errors[:10]:
            print("  " + error)

        print("\nWaiting for the workers to finish the outbox…", flush=True)
        deadline = time.monotonic() + 300
        pending = Delivery.objects.filter(created_at__gte=since, state=DeliveryState.PENDING)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(1)
        dead = Delivery.objects.filter(created_at__gte=since, state=DeliveryState.DEAD).count()
        result = check_completions(touched, since)
        print(f"{result['touched']} runs touched; {result['all_done']} with every task done, "
              f"{result['completed_once']} of them completed exactly once; "
              f"lost: {len(result['lost'])} {result['lost'][:10]}; "
              f"doubled: {len(result['doubled'])} {result['doubled'][:10]}; "
              f"pending deliveries: {pending.count()}, dead: {dead}")  # fmt: skip
        ok = not server_errors and not result["lost"] and not result["doubled"] and not dead
        summary = {
            "at": f"{datetime.now():%Y-%m-%d %H:%M}",
            "users": args.users,
            "seconds": round(elapsed),
            "web_workers": args.web_workers,
            "workers": args.workers,
            "requests": total,
            "requests_per_s": round(total / elapsed, 1),
            "p50_ms": round(statistics.median(everything), 1) if everything else None,
            "p95_ms": round(_percentile(everything, 0.95), 1) if everything else None,
            "server_errors": server_errors,
            "runs_done": result["all_done"],
            "completed_once": result["completed_once"],
            "lost": len(result["lost"]),
            "doubled": len(result["doubled"]),
            "dead_deliveries": dead,
        }
        print("\n" + summary_line(summary))
        _write_summary(summary)
        print("OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        _stop(processes)


if __name__ == "__main__":
    sys.exit(main())
