"""How long `loomworks import-medusa` takes, and how much memory, on a big Medusa database.

    python -m benchmarks.medusa_import --runs 100000

builds a Medusa source database (MEDUSA_SOURCE_URL, default
postgres://postgres@127.0.0.1:5432/lw_bench_medusa_source) with that many
production runs, generated inside PostgreSQL (generate_series: nothing passes
through this process), then imports it into a fresh Loomworks database
(BENCH_DATABASE_URL, default …/lw_bench_medusa, dropped and made again unless
--keep) and prints the time of each and the importing process's peak resident
memory (resource.getrusage). With --again it imports a second time (the
idempotent update path) and prints that too.

The source has what a brand's real one has: 200 partners with two admins each,
1,000 designs with specifications, colours, sizes and materials, five task
templates; runs over every status (one in eight a parent split in three
children that depend on each other, legacy metadata on one in ten), a
container task, two template tasks and two checklist items with comments per
dispatched run, a consumption log per run in progress and its activity rows.
"""

import argparse
import os
import resource
import sys
import time
from urllib.parse import urlsplit

DEFAULT_SOURCE = "postgres://postgres@127.0.0.1:5432/lw_bench_medusa_source"
DEFAULT_TARGET = "postgres://postgres@127.0.0.1:5432/lw_bench_medusa"

STATUSES = [
    "draft", "pending_review", "approved", "sent_to_partner", "in_progress", "completed",
    "completed", "cancelled", "completed", "in_progress", "awaiting_reassignment", "completed",
]  # fmt: skip


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def build_source(url: str, runs: int, progress=print) -> float:
    """Make the Medusa database with `runs` runs. Returns the seconds it took."""
    from importlib import resources

    import psycopg

    started = time.monotonic()
    _recreate(url)
    schema = resources.files("loomworks.importers.medusa").joinpath("schema.sql").read_text()
    statuses = "ARRAY[" + ", ".join(f"'{s}'" for s in STATUSES) + "]"
    steps = [
        ("schema", schema),
        (
            "partners",
            """
            INSERT INTO partner (id, name, handle, status)
            SELECT 'partner_' || i, 'Workshop ' || i, 'workshop-' || i,
                   (ARRAY['active', 'active', 'inactive', 'pending'])[1 + i % 4]
            FROM generate_series(1, 200) i;
            INSERT INTO partner_admin (id, first_name, last_name, email, partner_id, role)
            SELECT 'padm_' || i || '_' || k, 'Person', 'No ' || k, 'p' || i || '-' || k || '@medusa.test',
                   'partner_' || i, (ARRAY['owner', 'manager'])[k]
            FROM generate_series(1, 200) i, generate_series(1, 2) k""",
        ),
        (
            "catalogue",
            """
            INSERT INTO inventory_item (id, sku, title, metadata)
            SELECT 'iitem_' || i, 'SKU-' || i, 'Material ' || i, '{"unit_of_measure": "Meter"}'
            FROM generate_series(1, 50) i;
            INSERT INTO task_template (id, name, description, priority)
            SELECT 'ttpl_' || i, (ARRAY['Cutting', 'Stitching', 'Finishing', 'Quality check',
                   'Packing'])[i], 'step', 'medium' FROM generate_series(1, 5) i;
            INSERT INTO design (id, name, description, status, priority, tags)
            SELECT 'design_' || i, 'Design ' || i, 'A garment',
                   (ARRAY['Conceptual', 'In_Development', 'Approved', 'Commerce_Ready'])[1 + i % 4],
                   'Medium', '["ss26"]' FROM generate_series(1, 1000) i;
            INSERT INTO design_specifications (id, design_id, title, category, details, measurements)
            SELECT 'dspec_' || i || '_' || k, 'design_' || i, 'Spec ' || k, 'Measurements',
                   'Details', '{"chest": 104}' FROM generate_series(1, 1000) i, generate_series(1, 2) k;
            INSERT INTO design_colors (id, design_id, name, hex_code, "order")
            SELECT 'dcol_' || i || '_' || k, 'design_' || i, 'Colour ' || k, '#1F2A44', k
            FROM generate_series(1, 1000) i, generate_series(1, 2) k;
            INSERT INTO design_size_sets (id, design_id, size_label)
            SELECT 'dsize_' || i || '_' || k, 'design_' || i, (ARRAY['S', 'M', 'L'])[k]
            FROM generate_series(1, 1000) i, generate_series(1, 3) k;
            INSERT INTO design_inventory_item (id, design_id, inventory_item_id, planned_quantity)
            SELECT 'dii_' || i || '_' || k, 'design_' || i, 'iitem_' || (1 + (i + k) % 50), 1.5
            FROM generate_series(1, 1000) i, generate_series(1, 2) k""",
        ),
        (
            "runs",
            f"""
            INSERT INTO production_runs (id, status, quantity, parent_run_id, role, design_id,
                partner_id, accepted_at, started_at, finished_at, completed_at, dispatch_state,
                dispatch_template_names, snapshot, captured_at, depends_on_run_ids, metadata,
                created_at, updated_at)
            SELECT 'prod_run_' || lpad(i::text, 7, '0'), s.status, 1 + i % 50,
                   CASE WHEN i % 32 IN (1, 2, 3) THEN 'prod_run_' || lpad((i - i % 32)::text, 7, '0') END,
                   CASE WHEN i % 32 IN (1, 2, 3) THEN (ARRAY['cutting', 'weaving', 'tailoring'])[i % 32] END,
                   'design_' || (1 + i % 1000),
                   CASE WHEN i % 32 = 0 OR s.status = 'awaiting_reassignment' THEN NULL
                        ELSE 'partner_' || (1 + i % 200) END,
                   CASE WHEN s.status IN ('in_progress', 'completed') AND i % 10 <> 7
                        THEN now() - interval '20 days' END,
                   CASE WHEN s.status = 'completed' THEN now() - interval '19 days' END,
                   CASE WHEN s.status = 'completed' THEN now() - interval '18 days' END,
                   CASE WHEN s.status = 'completed' AND i % 10 <> 3 THEN now() - interval '17 days' END,
                   'idle', CASE WHEN s.status = 'approved' THEN '["Cutting", "Stitching"]'::jsonb END,
                   jsonb_build_object('design', jsonb_build_object('id', 'design_' || (1 + i % 1000)),
                                      'provenance', jsonb_build_object('quantity', 1 + i % 50)),
                   now() - interval '30 days',
                   CASE WHEN i % 32 IN (2, 3) THEN jsonb_build_array(
                        'prod_run_' || lpad((i - 1)::text, 7, '0')) END,
                   CASE WHEN i % 10 = 7 THEN jsonb_build_object('acceptance',
                        jsonb_build_object('accepted_at', now() - interval '21 days'),
                        'source', 'order.placed')
                        ELSE jsonb_build_object('source', 'admin.designs.manual') END,
                   now() - (i % 700) * interval '1 hour', now() - (i % 500) * interval '1 minute'
            FROM generate_series(1, %(runs)s) i,
                 LATERAL (SELECT ({statuses})[1 + i % {len(STATUSES)}] AS status) s""",
        ),
        (
            "tasks",
            """
            CREATE TEMP TABLE dispatched AS SELECT id, partner_id, status FROM production_runs
            WHERE status IN ('sent_to_partner', 'in_progress', 'completed', 'cancelled');
            INSERT INTO task (id, title, start_date, status, metadata, created_at)
            SELECT 'task_' || d.id || '_c', 'production-run-' || d.id, now(), 'pending',
                   jsonb_build_object('production_run_id', d.id, 'comments', jsonb_build_array(
                     jsonb_build_object('id', 'comment_' || d.id || '_c', 'comment', 'On its way',
                     'author_type', 'admin', 'author_name', 'Admin', 'created_at', now()))), now()
            FROM dispatched d;
            INSERT INTO task (id, title, start_date, status, parent_task_id, metadata, created_at)
            SELECT 'task_' || d.id || '_' || k, (ARRAY['Cutting', 'Stitching'])[k], now(),
                   CASE WHEN d.status = 'completed' THEN 'completed'
                        WHEN d.status = 'cancelled' THEN 'cancelled'
                        ELSE (ARRAY['pending', 'in_progress'])[k] END,
                   'task_' || d.id || '_c',
                   jsonb_build_object('production_run_id', d.id, 'template_id', 'ttpl_' || k,
                     'order', k, 'comments', jsonb_build_array(jsonb_build_object(
                     'id', 'comment_' || d.id || '_' || k, 'comment', 'Cut done',
                     'author_type', 'partner', 'author_name', 'Partner', 'created_at', now()))),
                   now()
            FROM dispatched d, generate_series(1, 2) k;
            INSERT INTO task (id, title, start_date, status, parent_task_id, metadata)
            SELECT 'task_' || d.id || '_' || k || '_s', 'Check ' || k, now(),
                   CASE WHEN d.status = 'completed' THEN 'completed' ELSE 'pending' END,
                   'task_' || d.id || '_' || k, '{"order": 1}'
            FROM dispatched d, generate_series(1, 2) k;
            INSERT INTO production_run_task (id, production_run_id, task_id)
            SELECT 'prtl_' || d.id || '_' || k, d.id, 'task_' || d.id || '_' || k
            FROM dispatched d, (VALUES ('c'), ('1'), ('2')) AS v(k);
            INSERT INTO partner_task (id, partner_id, task_id)
            SELECT 'ptl_' || d.id || '_' || k, d.partner_id, 'task_' || d.id || '_' || k
            FROM dispatched d, generate_series(1, 2) k WHERE d.partner_id IS NOT NULL""",
        ),
        (
            "logs and activity",
            """
            INSERT INTO consumption_log (id, design_id, inventory_item_id, quantity,
                unit_of_measure, consumption_type, consumed_by, metadata)
            SELECT 'clog_' || r.id, r.design_id, 'iitem_1', 2.5, 'Meter', 'production', 'partner',
                   jsonb_build_object('production_run_id', r.id)
            FROM production_runs r WHERE r.status = 'in_progress';
            INSERT INTO production_run_activity (id, production_run_id, activity_type, kind,
                actor_type, summary, occurred_at)
            SELECT 'prun_act_' || d.id || '_' || k, d.id, 'lifecycle_event',
                   (ARRAY['sent_to_partner', 'accepted'])[k], 'system', 'Run event', now()
            FROM dispatched d, generate_series(1, 2) k""",
        ),
    ]
    with psycopg.connect(url) as conn:
        for label, statement in steps:
            progress(f"  source: {label}…")
            with conn.cursor() as cur:
                cur.execute(statement.replace("%(runs)s", str(runs)))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="import into the target as it is")
    parser.add_argument("--again", action="store_true", help="then import a second time")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--no-build", action="store_true", help="import the source as it is (with --keep: again)"
    )
    args = parser.parse_args(argv)
    source = os.environ.get("MEDUSA_SOURCE_URL", DEFAULT_SOURCE)
    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_TARGET)
    from benchmarks import settings as bench

    if not args.no_build:
        print(f"Building a Medusa database of {args.runs:,} runs…", flush=True)
        built = build_source(source, args.runs, progress=lambda line: print(line, flush=True))
        print(f"  built in {built:.0f}s", flush=True)
    if not args.keep:
        _recreate(bench.database_url())
    bench.setup(migrate=True)
    from django import db

    from loomworks.importers.medusa.importer import import_medusa

    db.reset_queries()
    before = peak_mib()
    print(f"Importing (peak memory before: {before:.0f} MiB)…", flush=True)
    progress = None if args.quiet else (lambda line: print(line, flush=True))
    started = time.monotonic()
    report = import_medusa(source, batch_size=args.batch_size, progress=progress)
    seconds = time.monotonic() - started
    runs = report.counts["runs"]
    print(
        f"Imported {runs['created']:,} runs ({runs['updated']:,} updated,"
        f" {runs['unchanged']:,} unchanged) in {seconds:.0f}s"
        f" ({runs['created'] / max(seconds, 0.001):,.0f} runs/s); peak memory {peak_mib():.0f} MiB"
        f" (before the import {before:.0f} MiB); {len(report.flagged):,} flagged,"
        f" {len(report.refused):,} refused.",
        flush=True,
    )
    if args.again:
        started = time.monotonic()
        report = import_medusa(source, batch_size=args.batch_size, progress=progress)
        seconds = time.monotonic() - started
        print(
            f"Second import: {report.counts['runs']['unchanged']:,} runs unchanged,"
            f" {report.counts['runs']['updated']:,} updated,"
            f" {report.counts['runs']['created']:,} created in {seconds:.0f}s;"
            f" peak memory {peak_mib():.0f} MiB.",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
