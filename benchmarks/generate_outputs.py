"""Give the benchmark's completed runs what a workshop hands over, and what it earned.

    python -m benchmarks.generate_outputs

`benchmarks.generate` writes runs, tasks and history but no output. This adds, to
every completed run of a partner that has none yet, what the services would have
written when it was handed over: one final delivery (good pieces, rejected pieces
with their reasons, a shortfall reason when fewer came), the run's totals
(`produced_quantity`, `rejected_quantity`), its price (fixed when it was
accepted) and the ledger entry it earned on completion. Each workshop has its own
quality and price, so scorecards differ from one to the next.

Idempotent and resumable: a run that has a delivery, a price or a ledger entry is
left as it is, so a second call adds nothing, and a call after more runs were
generated adds theirs. Written with COPY in batches of 20,000 runs (each batch in
one transaction); 1M runs take a few minutes. Progress is printed.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

from benchmarks import settings as bench
from benchmarks.generate import new_id

BATCH = 20_000
REASONS = ["fabric_fault", "stitching_fault", "measurement", "stain"]
SHORTFALL = "Short of fabric"

CANDIDATES = """
    SELECT r.id, r.quantity, r.partner_id, r.completed_at, r.accepted_at, r.last_sent_at,
           u.id, u.first_name || ' ' || u.last_name
    FROM production_productionrun r
    LEFT JOIN accounts_user u ON u.id = (
        SELECT m.user_id FROM partners_partnermember m
        WHERE m.partner_id = r.partner_id ORDER BY m.id LIMIT 1)
    WHERE r.id > %s AND r.status = 'completed' AND r.partner_id IS NOT NULL
      AND r.produced_quantity IS NULL AND r.completed_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM production_productionrun c WHERE c.parent_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM production_delivery d WHERE d.run_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM money_runprice p WHERE p.run_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM money_ledgerentry l WHERE l.run_id = r.id)
    ORDER BY r.id LIMIT %s
"""

DELIVERY_COLUMNS = (
    "id, run_id, number, delivered_on, good, rejected, rejections, size_quantities,"
    " shortfall_reason, note, final, over_delivered, recorded_by_id, recorded_by_name,"
    " recorded_by_kind, recorded_at, corrected_by_name, correction_reason"
)
PRICE_COLUMNS = "run_id, partner_id, unit, amount, currency, source, proposed_at, fixed_at"
LEDGER_COLUMNS = (
    "id, key, partner_id, kind, amount, currency, occurred_on, run_id, subkind, description,"
    " details, actor_kind, actor_name, created_at"
)


class Workshop:
    """A partner's quality (share of pieces rejected, how often it comes up short) and price."""

    def __init__(self, partner_id: str):
        rng = random.Random(partner_id)
        self.reject_share = rng.uniform(0.0, 0.08)
        self.short_chance = rng.uniform(0.0, 0.15)
        self.price = Decimal(rng.randint(80, 650)) / 100  # 0.80–6.50 a piece
        self.reasons = rng.sample(REASONS, k=rng.randint(1, len(REASONS)))


def outputs(row, workshop: Workshop, rng: random.Random):
    """The delivery, price and ledger rows of one completed run."""
    run_id, quantity, partner_id, completed, accepted, sent, member_id, member_name = row
    rejected = min(quantity, round(quantity * workshop.reject_share * rng.uniform(0, 2)))
    short = round(quantity * rng.uniform(0.01, 0.1)) if rng.random() < workshop.short_chance else 0
    good = max(0, quantity - rejected - short)
    lines = []
    left = rejected
    for index, reason in enumerate(workshop.reasons):
        pieces = left if index == len(workshop.reasons) - 1 else rng.randint(0, left)
        if pieces:
            lines.append({"reason": reason, "quantity": pieces, "note": ""})
        left -= pieces
    delivery = (
        new_id("dlv", completed, rng), run_id, 1, completed.date(), good, rejected,
        json.dumps(lines), "[]", SHORTFALL if good < quantity else "", "", True, 0,
        member_id, member_name or "", "partner", completed, "", "",
    )  # fmt: skip
    price = (run_id, partner_id, "piece", workshop.price, "EUR", "rate",
             sent or accepted or completed, accepted or completed)  # fmt: skip
    earned = (workshop.price * good).quantize(Decimal("0.01"))
    ledger = (
        new_id("led", completed, rng), f"earned:{run_id}", partner_id, "earned", earned, "EUR",
        completed.date(), run_id, "", run_id,
        json.dumps({"pieces": good, "good": good, "rejected": rejected, "rejected_paid": False,
                    "unit": "piece", "price": str(workshop.price)}),
        "system", "Loomworks", completed,
    )  # fmt: skip
    return delivery, price, ledger, (run_id, good, rejected)


def _copy(cur, table: str, columns: str, rows) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def backfill(*, batch: int = BATCH, seed: int = 19, progress=print) -> dict:
    """Add the outputs of every completed run that has none. Returns what was done."""
    import psycopg

    bench.setup(migrate=True)
    started = time.monotonic()
    rng = random.Random(seed)
    workshops: dict[str, Workshop] = {}
    done = pieces = 0
    last = ""
    with psycopg.connect(bench.psycopg_url()) as conn:
        conn.execute("SET synchronous_commit = off")
        # The rows point at runs and partners that exist; skipping the foreign-key
        # triggers makes COPY faster (benchmarks.generate does the same).
        conn.execute("SET session_replication_role = replica")
        progress("Looking for completed runs without a hand-over…")
        while True:
            rows = conn.execute(CANDIDATES, [last, batch]).fetchall()
            if not rows:
                break
            deliveries, prices, ledger, totals = [], [], [], []
            for row in rows:
                workshop = workshops.get(row[2]) or workshops.setdefault(row[2], Workshop(row[2]))
                delivery, price, entry, total = outputs(row, workshop, rng)
                deliveries.append(delivery)
                prices.append(price)
                ledger.append(entry)
                totals.append(total)
                pieces += total[1] + total[2]
            with conn.cursor() as cur:
                _copy(cur, "production_delivery", DELIVERY_COLUMNS, deliveries)
                _copy(cur, "money_runprice", PRICE_COLUMNS, prices)
                _copy(cur, "money_ledgerentry", LEDGER_COLUMNS, ledger)
                cur.execute(
                    "CREATE TEMP TABLE run_totals (id varchar(40), good int, rejected int)"
                    " ON COMMIT DROP"
                )
                _copy(cur, "run_totals", "id, good, rejected", totals)
                cur.execute("ANALYZE run_totals")
                cur.execute(
                    "UPDATE production_productionrun r SET produced_quantity = t.good,"
                    " rejected_quantity = t.rejected FROM run_totals t WHERE r.id = t.id"
                )
            conn.commit()
            done += len(rows)
            last = rows[-1][0]
            elapsed = time.monotonic() - started
            progress(
                f"  {done:>10,} runs handed over  {pieces:>12,} pieces"
                f"  {done / elapsed:>8,.0f} runs/s"
            )
    if done:
        progress("Analysing the tables…")
        with psycopg.connect(bench.psycopg_url(), autocommit=True) as conn:
            for table in ("production_productionrun", "production_delivery", "money_runprice",
                          "money_ledgerentry"):  # fmt: skip
                conn.execute(f"VACUUM ANALYZE {table}")
    seconds = time.monotonic() - started
    progress(
        f"Done: {done:,} runs given a hand-over in {seconds:.0f}s."
        if done
        else "Every completed run has its hand-over already; nothing to add."
    )
    return {"runs": done, "pieces": pieces, "seconds": seconds, "at": datetime.now(UTC).isoformat()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=BATCH, help="runs per transaction")
    parser.add_argument("--json", action="store_true", help="end with the summary as JSON")
    args = parser.parse_args(argv)
    summary = backfill(batch=args.batch)
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
