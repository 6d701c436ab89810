"""`make bench`: for each data size, generate, time the admin API against its floor, time
every console and portal page, and measure run-completion throughput on 1 and 2 workers.
Prints a table, writes a CSV.

    python -m benchmarks.bench --sizes 10k,100k,1M [--repeat 25] [--throughput-runs 200]

BENCH_SIZES, BENCH_REPEAT and BENCH_THROUGHPUT_RUNS set the same from the
environment. Sizes grow one data set (lw_bench): 10k, then 90k more, then
900k more. The CSV goes to benchmarks/results/bench-<time>.csv.
"""

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks import settings as bench

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ["size", "kind", "case", "what", "path", "median_ms", "p95_ms", "floor_ms", "ratio",
          "queries", "value", "unit"]  # fmt: skip


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def generate(size: int) -> dict:
    env = {**os.environ, **bench.bench_environ()}
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks.generate", "--runs", str(size), "--check", "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    lines = process.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    summary = json.loads(lines[-1])
    if process.returncode:
        raise SystemExit(f"The generated data breaks {summary['problems']} invariants.")
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10k,100k,1M"))
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "25")))
    parser.add_argument(
        "--throughput-runs", type=int, default=int(os.environ.get("BENCH_THROUGHPUT_RUNS", "200"))
    )
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--no-pages", action="store_true")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]

    bench.setup(migrate=True)
    from benchmarks import latency, pages, reminders, throughput

    results_dir = ROOT / "benchmarks" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"bench-{datetime.now():%Y%m%d-%H%M%S}.csv"
    rows = []
    print(f"Benchmarks on {os.cpu_count()} cores, {platform.python_implementation()} "
          f"{platform.python_version()}; database {bench.database_url()}", flush=True)  # fmt: skip
    for size in sizes:
        label = _label(size)
        print(f"\n=== {label} runs ===", flush=True)
        started = time.monotonic()
        made = generate(size)
        rows.append({"size": label, "kind": "generate", "case": "runs", "value": made["runs"],
                     "unit": "runs", "what": f"{made.get('added', 0)} added in "
                     f"{made.get('seconds', 0):.0f}s"})  # fmt: skip
        if made.get("peak_mib"):
            rows.append({"size": label, "kind": "memory", "case": "generator",
                         "value": round(made["peak_mib"]), "unit": "MiB peak RSS"})  # fmt: skip
        print("Reminder rules and digests (one evaluation, rolled back):", flush=True)
        for r in reminders.measure(repeat=5):
            print(f"  {r.case:<12} {r.queries:>3} queries {r.median_ms:>8.1f} ms"
                  f"  fired {r.fired}, pages {r.pages}", flush=True)  # fmt: skip
            rows.append({"size": label, "kind": "reminders", "case": r.case,
                         "what": f"fired {r.fired}, pages {r.pages}",
                         "median_ms": round(r.median_ms, 2), "queries": r.queries})  # fmt: skip
        if not args.no_latency:
            print(f"Latency (median of {args.repeat}, in-process, DEBUG off):", flush=True)
        for t in [] if args.no_latency else latency.measure(repeat=args.repeat):
            rows.append({
                "size": label, "kind": "latency", "case": t.case, "what": t.what,
                "path": t.path, "median_ms": round(t.median_ms, 2), "p95_ms": round(t.p95_ms, 2),
                "floor_ms": round(t.floor_median_ms, 2), "ratio": round(t.ratio, 2),
                "queries": t.queries, "value": t.bytes, "unit": "bytes",
            })  # fmt: skip
        if not args.no_pages:
            print("Pages (server time in-process, DEBUG off):", flush=True)
        for t in [] if args.no_pages else pages.measure(repeat=max(5, args.repeat // 2)):
            rows.append({
                "size": label, "kind": "pages", "case": t.case, "what": t.what, "path": t.url,
                "median_ms": round(t.median_ms, 2), "p95_ms": round(t.p95_ms, 2),
                "queries": t.queries, "value": "met" if t.met else "missed",
                "unit": f"target <= {pages.TARGET_MS:.0f} ms",
            })  # fmt: skip
        rows.append({"size": label, "kind": "memory", "case": "api process",
                     "value": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                     "unit": "MiB peak RSS"})  # fmt: skip
        if not args.no_throughput:
            print("Throughput (task completions → run completions), beside bare Celery "
                  "no-op tasks on the same workers:", flush=True)  # fmt: skip
            for workers in (1, 2):
                anchor = throughput.measure_noop(
                    workers=workers, tasks=int(os.environ.get("BENCH_NOOP_TASKS", "2000"))
                )
                r = throughput.measure(workers=workers, runs=args.throughput_runs)
                share = 100 * r.deliveries_per_s / anchor.tasks_per_s
                print(f"  {workers} worker(s): deliveries/s = {share:.1f} % of no-op tasks/s",
                      flush=True)  # fmt: skip
                rows += [
                    {"size": label, "kind": "throughput", "case": f"{workers} worker(s)",
                     "what": f"{anchor.tasks} bare Celery tasks",
                     "value": round(anchor.tasks_per_s, 1), "unit": "no-op tasks/s"},
                    {"size": label, "kind": "throughput", "case": f"{workers} worker(s)",
                     "what": f"{r.deliveries} deliveries, {r.completed_runs} runs",
                     "value": round(r.deliveries_per_s, 1), "unit": "deliveries/s"},
                    {"size": label, "kind": "throughput", "case": f"{workers} worker(s)",
                     "what": "deliveries/s ÷ no-op tasks/s",
                     "value": round(share, 1), "unit": "% of no-op"},
                    {"size": label, "kind": "throughput", "case": f"{workers} worker(s)",
                     "value": round(r.runs_per_s, 2), "unit": "run completions/s"},
                    {"size": label, "kind": "memory", "case": f"{workers} worker(s)",
                     "value": round(r.worker_peak_mib), "unit": "MiB peak RSS per process"},
                ]  # fmt: skip
            from benchmarks import load  # its last summary, quoted (make load is run apart)

            if last_load := load.latest_summary():
                print("  " + load.summary_line(last_load), flush=True)
                rows.append({"size": label, "kind": "throughput", "case": "last make load",
                             "what": load.summary_line(last_load),
                             "value": last_load["requests_per_s"], "unit": "requests/s"})  # fmt: skip
        print(f"({label} took {time.monotonic() - started:.0f}s)", flush=True)
        with out.open("w", newline="") as handle:  # rewritten after each size: partial is kept
            writer = csv.DictWriter(handle, FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    print_table(rows)
    print(f"\nCSV: {out.relative_to(ROOT)}")
    return 0


def print_table(rows: list[dict]) -> None:
    print("\nLatency: endpoint vs floor (one SQL query + json), median ms")
    print(f"{'size':>5} {'case':<20} {'path':<8} {'endpoint':>9} {'p95':>8} {'floor':>8} "
          f"{'ratio':>6} {'queries':>7}")  # fmt: skip
    for row in rows:
        if row["kind"] == "latency":
            print(f"{row['size']:>5} {row['case']:<20} {row['path']:<8} {row['median_ms']:>9.1f} "
                  f"{row['p95_ms']:>8.1f} {row['floor_ms']:>8.1f} {row['ratio']:>6.1f} "
                  f"{row['queries']:>7}")  # fmt: skip
    print("\nPages: server time, median ms (target <= 100 ms)")
    print(f"{'size':>5} {'page':<14} {'what':<32} {'p50':>8} {'p95':>8} {'queries':>7}  target")
    for row in rows:
        if row["kind"] == "pages":
            print(f"{row['size']:>5} {row['case']:<14} {row['what']:<32} {row['median_ms']:>8.1f} "
                  f"{row['p95_ms']:>8.1f} {row['queries']:>7}  {row['value']}")  # fmt: skip
    print("\nReminder rules and digests: one evaluation")
    for row in rows:
        if row["kind"] == "reminders":
            print(f"{row['size']:>5} {row['case']:<12} {row['queries']:>3} queries "
                  f"{row['median_ms']:>8.1f} ms  {row['what']}")  # fmt: skip
    print("\nThroughput and memory")
    for row in rows:
        if row["kind"] in ("throughput", "memory", "generate"):
            print(f"{row['size']:>5} {row['kind']:<10} {row['case']:<14} {row['value']:>10} "
                  f"{row['unit']:<26} {row.get('what') or ''}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
