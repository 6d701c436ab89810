"""Task completion → run completion throughput on real Celery workers.

Takes K in-progress runs of the benchmark data, finishes every open task of
each the way a partner does (`production.services.run_task_finish`), with no
worker running, so the deliveries wait in Redis. Then it starts M
`loomworks worker --concurrency 1` processes and waits until every run has
completed and every delivery of the batch is done. Throughput is counted
between the first and the last delivery finished, so worker start-up is
left out; the workers' peak memory is read from /proc.

Its anchor (`measure_noop`): N messages of a task that does nothing
(`benchmarks.noop`) queued the same way, then worked by M workers started the
same way; counted from the first message taken to the last acknowledged. The
deliveries' rate is then given as a share of that rate, measured minutes
apart on the same busy or quiet machine.

    python -m benchmarks.throughput --workers 1 --runs 200 [--noop 2000]
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import settings as bench

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Throughput:
    workers: int
    runs: int
    tasks_finished: int
    deliveries: int
    seconds: float
    deliveries_per_s: float
    runs_per_s: float
    completed_runs: int
    worker_peak_mib: float  # the largest process
    workers_total_mib: float  # all worker processes together, at their peaks


@dataclass
class NoopThroughput:
    workers: int
    tasks: int
    seconds: float
    tasks_per_s: float


def _empty_broker():
    import redis

    client = redis.Redis.from_url(bench.redis_url())
    if (client.connection_pool.connection_kwargs.get("db") or 0) == 0:
        raise SystemExit("BENCH_REDIS_URL must name a Redis database other than 0 (it is emptied).")
    client.flushdb()
    return client


def _group_peaks(pgid: int) -> list[float]:
    """Peak resident memory (MiB) of every process in a process group."""
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except (OSError, ProcessLookupError):
            continue
    return peaks


def _start_workers(count: int, log_dir: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        **bench.bench_environ(),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "CELERY_IMPORTS": "benchmarks.noop",
    }
    workers = []
    for n in range(count):
        log = (log_dir / f"worker-{n + 1}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "loomworks.cli", "worker", "--concurrency", "1",
                 "--no-beat", "--loglevel", "warning", "--hostname", f"bench{n + 1}@%h"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
    return workers


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def measure(*, workers: int, runs: int, progress=print, timeout: float = 600) -> Throughput:
    from django.db.models import Exists, Max, Min, OuterRef
    from django.utils import timezone

    from loomworks.core.actors import Actor
    from loomworks.events.models import Delivery, DeliveryState
    from loomworks.partners.models import PartnerMember
    from loomworks.production import services
    from loomworks.production.models import ProductionRun, RunStatus
    from loomworks.work.models import OPEN_TASK_STATUSES, Task

    _empty_broker()
    open_task = Task.objects.filter(run_id=OuterRef("pk"), status__in=OPEN_TASK_STATUSES)
    chosen = list(
        ProductionRun.objects.filter(status=RunStatus.IN_PROGRESS, partner__isnull=False)
        .filter(Exists(open_task))
        .exclude(Exists(ProductionRun.objects.filter(parent_id=OuterRef("pk"))))
        .order_by("?")[:runs]
    )
    if len(chosen) < runs:
        progress(f"  only {len(chosen)} in-progress runs with open tasks are left")
    members = {
        m.partner_id: m
        for m in PartnerMember.objects.select_related("user", "partner").filter(
            partner_id__in={run.partner_id for run in chosen}
        )
    }
    started_at = timezone.now()
    finished = 0
    produce_start = time.monotonic()
    for run in chosen:
        member = members[run.partner_id]
        actor = Actor.partner(member.user, member.partner)
        for task in Task.objects.filter(
            run=run, parent__isnull=True, status__in=OPEN_TASK_STATUSES
        ):
            services.run_task_finish(task=task, actor=actor)
            finished += 1
    produce_seconds = time.monotonic() - produce_start
    progress(
        f"  {finished} tasks of {len(chosen)} runs finished in {produce_seconds:.1f}s "
        f"({finished / max(produce_seconds, 1e-9):.0f}/s through the services); "
        f"starting {workers} worker(s)…"
    )

    batch = Delivery.objects.filter(created_at__gte=started_at)
    log_dir = ROOT / "var" / "bench-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = _start_workers(workers, log_dir)
    peaks: list[float] = []
    try:
        deadline = time.monotonic() + timeout
        while True:
            pending = batch.filter(state=DeliveryState.PENDING).count()
            open_runs = ProductionRun.objects.filter(
                pk__in=[r.pk for r in chosen], status=RunStatus.IN_PROGRESS
            ).count()
            if not pending and not open_runs:
                break
            for process in processes:
                if process.poll() is not None:
                    raise SystemExit(f"A worker exited; see {log_dir}")
            if time.monotonic() > deadline:
                raise SystemExit(f"Timed out: {pending} deliveries pending, {open_runs} runs open")
            peaks = [p for w in processes for p in _group_peaks(w.pid)] or peaks
            time.sleep(0.5)
        peaks = [p for w in processes for p in _group_peaks(w.pid)] or peaks
    finally:
        _stop(processes)

    span = batch.filter(state=DeliveryState.DONE).aggregate(
        first=Min("finished_at"), last=Max("finished_at")
    )
    seconds = max((span["last"] - span["first"]).total_seconds(), 1e-3)
    deliveries = batch.count()
    completed = ProductionRun.objects.filter(
        pk__in=[r.pk for r in chosen], status=RunStatus.COMPLETED
    ).count()
    result = Throughput(
        workers=workers,
        runs=len(chosen),
        tasks_finished=finished,
        deliveries=deliveries,
        seconds=seconds,
        deliveries_per_s=deliveries / seconds,
        runs_per_s=completed / seconds,
        completed_runs=completed,
        worker_peak_mib=max(peaks, default=0.0),
        workers_total_mib=sum(peaks),
    )
    progress(
        f"  {workers} worker(s): {deliveries} deliveries, {completed} runs completed in "
        f"{seconds:.1f}s → {result.deliveries_per_s:.0f} deliveries/s, "
        f"{result.runs_per_s:.1f} runs/s; peak {result.worker_peak_mib:.0f} MiB per process"
    )
    return result


def measure_noop(
    *, workers: int, tasks: int = 2000, progress=print, timeout: float = 300
) -> NoopThroughput:
    """Bare Celery: `tasks` no-op messages worked by `workers` processes (see the module doc)."""
    from django.conf import settings

    from benchmarks.noop import noop

    client = _empty_broker()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with noop.app.producer_or_acquire() as producer:
        for _ in range(tasks):
            noop.apply_async(producer=producer)
    queued = client.llen(queue)
    if queued != tasks:
        raise SystemExit(f"{queued} no-op messages in Redis queue {queue!r}, expected {tasks}")
    log_dir = ROOT / "var" / "bench-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = _start_workers(workers, log_dir)
    try:
        deadline = time.monotonic() + timeout
        first = None
        while True:
            waiting = client.llen(queue)
            now = time.monotonic()
            if first is None and waiting < tasks:
                first = now  # the first message was taken
            # Late acknowledgement: a message taken stays in "unacked" until it is done.
            if first is not None and not waiting and not client.hlen("unacked"):
                last = now
                break
            for process in processes:
                if process.poll() is not None:
                    raise SystemExit(f"A worker exited; see {log_dir}")
            if now > deadline:
                raise SystemExit(f"Timed out: {waiting} no-op messages still queued")
            time.sleep(0.005 if first is not None else 0.05)
    finally:
        _stop(processes)
    seconds = max(last - first, 1e-3)
    result = NoopThroughput(
        workers=workers, tasks=tasks, seconds=seconds, tasks_per_s=tasks / seconds
    )
    progress(
        f"  {workers} worker(s): {tasks} no-op tasks in {seconds:.2f}s "
        f"→ {result.tasks_per_s:.0f} tasks/s (bare Celery)"
    )
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run-completion throughput on Celery workers.")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--noop", type=int, default=0, help="also measure this many bare no-op tasks first"
    )
    args = parser.parse_args(argv)
    bench.setup()
    if urlsplit(bench.redis_url()).scheme not in ("redis", "rediss"):
        raise SystemExit("BENCH_REDIS_URL must be a redis:// URL")
    anchor = measure_noop(workers=args.workers, tasks=args.noop) if args.noop else None
    result = measure(workers=args.workers, runs=args.runs)
    if anchor:
        print(
            f"  deliveries/s = {100 * result.deliveries_per_s / anchor.tasks_per_s:.1f} % "
            f"of no-op tasks/s with {args.workers} worker(s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
