"""Exports at scale: every run of lw_bench as CSV (and XLSX) through the real view.

    python -m benchmarks.exports [--format csv|xlsx|both] [--filter status=completed] [--every 100000]

Calls `GET /api/admin/production-runs/export` in-process with Django's test
client (middleware, bearer-token auth, django-ninja, the streaming response)
as the benchmark admin, reads the whole stream, and prints the rows, seconds,
rows/s and memory: the process's resident memory (VmRSS) before the request
and each `--every` rows while the stream is read, and its peak (getrusage).
Flat memory shows as nearly the same RSS at 100k rows and at 1M.

The XLSX file is written to a temporary file before its first byte is sent
(XlsxWriter in constant-memory mode), so its RSS is sampled once the file is
read; `--filter` narrows the export with the list's own filters (e.g. to time
XLSX on a part of the data). Uses lw_bench (benchmarks/settings.py); issues
one API token for bench-admin@loomworks.test, changes nothing else.
"""

import argparse
import os
import resource
import tempfile
import time

from benchmarks import settings as bench

EXPORT_PATH = "/api/admin/production-runs/export"


def rss_mib() -> float:
    """Resident memory now (VmRSS), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(client, headers: dict, params: dict, *, every: int, save_to: str = "") -> dict:
    """One export read to its end: rows, seconds, rows/s, RSS samples and peak."""
    before = rss_mib()
    started = time.monotonic()
    response = client.get(EXPORT_PATH, params, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{EXPORT_PATH} {params} answered {response.status_code}")
    first_byte = None
    lines = 0
    size = 0
    samples = []
    next_sample = every
    saved = open(save_to, "wb") if save_to else None  # noqa: SIM115
    for chunk in response.streaming_content:
        if saved:
            saved.write(chunk)
        if first_byte is None:
            first_byte = time.monotonic() - started
        size += len(chunk)
        lines += chunk.count(b"\r\n")  # a row ends so; a newline inside a cell does not
        if params.get("format") != "xlsx" and lines - 1 >= next_sample:
            samples.append((lines - 1, rss_mib()))
            print(f"  {lines - 1:>9,} rows  {time.monotonic() - started:7.1f} s  "
                  f"RSS {samples[-1][1]:6.1f} MiB", flush=True)  # fmt: skip
            next_sample += every
    response.close()
    if saved:
        saved.close()
    seconds = time.monotonic() - started
    rows = lines - 1
    if params.get("format") == "xlsx":
        rows = None  # counted by the caller from the saved file, after memory is read
    return {
        "rows": rows,
        "bytes": size,
        "seconds": seconds,
        "first_byte": first_byte or seconds,
        "rss_before": before,
        "rss_after": rss_mib(),
        "samples": samples,
        "peak": peak_mib(),
    }


def _filters(params: dict):
    """The runs list's filters for `params`, as the export reads them (to count the rows)."""
    from loomworks.production.selectors import RunFilters

    flags = {"top_level", "late"}
    return RunFilters(**{k: (v == "true") if k in flags else v for k, v in params.items()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=["csv", "xlsx", "both"], default="csv")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a filter of the runs list (status=completed, q=porto…); repeatable",
    )
    parser.add_argument("--every", type=int, default=100_000, help="rows between RSS samples")
    args = parser.parse_args(argv)

    bench.setup()
    from django.test import Client

    from loomworks.accounts.models import ApiToken, User
    from loomworks.production.selectors import run_list

    admin = User.objects.get(email="bench-admin@loomworks.test")
    _token, raw = ApiToken.issue(admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    params = dict(item.split("=", 1) for item in args.filter)
    expected = run_list(_filters(params)).count()
    print(f"lw_bench: {expected:,} runs to export {params or ''}; "
          f"RSS at start {rss_mib():.1f} MiB", flush=True)  # fmt: skip

    formats = ["csv", "xlsx"] if args.format == "both" else [args.format]
    for file_format in formats:
        print(f"\n{file_format.upper()}:", flush=True)
        save_to = ""
        if file_format == "xlsx":
            handle, save_to = tempfile.mkstemp(suffix=".xlsx")
            os.close(handle)
        result = export(
            client, headers, {**params, "format": file_format}, every=args.every, save_to=save_to
        )
        if save_to:
            import openpyxl

            sheet = openpyxl.load_workbook(save_to, read_only=True).active
            result["rows"] = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
            os.unlink(save_to)
        rows = result["rows"]
        if result["rows"] is not None and result["rows"] != expected:
            raise SystemExit(f"The export has {result['rows']:,} rows, the database {expected:,}.")
        print(f"  rows {rows:,}  bytes {result['bytes']:,}  seconds {result['seconds']:.1f}  "
              f"rows/s {rows / result['seconds']:,.0f}  first byte {result['first_byte']:.2f} s",
              flush=True)  # fmt: skip
        print(f"  RSS before {result['rss_before']:.1f} MiB, after {result['rss_after']:.1f} MiB, "
              f"peak {result['peak']:.1f} MiB", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
