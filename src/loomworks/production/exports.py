"""What the admin's exports of runs hold: the runs list as filtered, and a run's history,
material use and deliveries. Each export's columns are defined here once; the
console and the API write them as CSV or XLSX with `core.exports`.

The rows are the admin's read objects (`AdminRun`, `HistoryEntry`…), the same
the pages and the API show. The runs list is read through a server-side cursor
(`QuerySet.iterator`) in batches of `RUN_BATCH`: each batch costs the queries of
`admin_run_rows` (two, and up to four for output), whatever the number of rows,
and memory holds one batch at a time.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from loomworks.core.exports import Column, Export, batched
from loomworks.production.models import RunStatus
from loomworks.production.read_models import AdminRun
from loomworks.production.run_records import admin_run_history, run_consumption
from loomworks.production.selectors import (
    RunFilters,
    admin_run_queryset,
    admin_run_rows,
)

# Measured on 1M runs (benchmarks/exports.py): with bigger batches PostgreSQL plans the
# progress query (`progress_by_run`) as a scan of every run and task.
RUN_BATCH = 200
# Columns no export reads (the run's snapshot is the design as sent, often kilobytes):
# left out of the SELECT that streams every run.
_NOT_EXPORTED = (
    "snapshot",
    "metadata",
    "import_flags",
    "planned_template_ids",
    "design__description",
    "design__moodboard",
    "design__notes",
    "design__measurement_points",
    "design__tags",
    "partner__address",
    "partner__contact_name",
    "partner__email",
    "partner__phone",
)


def _partner_name(run: AdminRun) -> str:
    return run.partner.name if run.partner else ""


def _partner_handle(run: AdminRun) -> str:
    return run.partner.handle if run.partner else ""


RUN_COLUMNS = (
    Column(_("Reference"), lambda run: run.reference, 12),
    Column(_("Id"), lambda run: run.id, 30),
    Column(_("Status"), lambda run: run.status_label, 18),
    Column(_("Run type"), lambda run: run.run_type_label),
    Column(_("Design"), lambda run: run.design.name, 28),
    Column(_("Partner"), _partner_name, 24),
    Column(_("Partner handle"), _partner_handle, 16),
    Column(_("Role"), lambda run: run.role),
    Column(_("Part of"), lambda run: run.parent_reference or ""),
    Column(_("Quantity"), lambda run: run.quantity, 10),
    Column(_("Good pieces"), lambda run: run.output.good, 10),
    Column(_("Rejected pieces"), lambda run: run.output.rejected, 10),
    Column(_("Tasks done"), lambda run: run.progress.completed, 10),
    Column(_("Tasks"), lambda run: run.progress.total, 10),
    Column(_("Due date"), lambda run: run.due_date, 12),
    Column(_("Promised date"), lambda run: run.promised_date, 12),
    Column(_("Late"), lambda run: run.is_late, 8),
    Column(_("Created"), lambda run: run.created_at, 20),
    Column(_("Accepted"), lambda run: run.accepted_at, 20),
    Column(_("Completed"), lambda run: run.completed_at, 20),
    Column(_("Cancelled"), lambda run: run.cancelled_at, 20),
    Column(_("Why cancelled"), lambda run: run.cancelled_reason, 24),
)


@contextmanager
def _streaming_read():
    """Where PostgreSQL streams a server-side cursor as it is read: in a transaction.

    Outside one, Django declares the cursor WITH HOLD, and PostgreSQL computes
    every row before the first is sent (minutes, at a million runs). Within
    it, JIT is off: compiling each batch's short queries cost more than running
    them (3× at 1M runs). SQLite reads its cursor lazily as it is.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def admin_run_stream(filters: RunFilters, *, batch: int = RUN_BATCH) -> Iterator[AdminRun]:
    """Every run matching `filters`, in the list's order, as the admin's read objects;
    fetched `batch` at a time from one server-side cursor."""
    with _streaming_read():
        runs = admin_run_queryset(filters).defer(*_NOT_EXPORTED).iterator(chunk_size=batch)
        for rows in batched(runs, batch):
            yield from admin_run_rows(rows)


def runs_export(filters: RunFilters, *, batch: int = RUN_BATCH) -> Export:
    return Export(
        name="production-runs", columns=RUN_COLUMNS, rows=admin_run_stream(filters, batch=batch)
    )


def _status_label(status: str) -> str:
    return str(RunStatus(status).label) if status in RunStatus.values else status


HISTORY_COLUMNS = (
    Column(_("When"), lambda entry: entry.occurred_at, 20),
    Column(_("Step"), lambda entry: entry.label, 24),
    Column(_("From status"), lambda entry: _status_label(entry.from_status), 18),
    Column(_("To status"), lambda entry: _status_label(entry.to_status), 18),
    Column(_("By"), lambda entry: entry.actor_name, 24),
    Column(_("Actor kind"), lambda entry: entry.actor_kind_label),
    Column(_("Note"), lambda entry: entry.note, 40),
)


def history_export(run: AdminRun) -> Export:
    return Export(
        name=f"{run.reference}-history",
        columns=HISTORY_COLUMNS,
        rows=admin_run_history(run.id),
    )


CONSUMPTION_COLUMNS = (
    Column(_("When"), lambda use: use.consumed_at, 20),
    Column(_("Material"), lambda use: use.material.name, 28),
    Column(_("SKU"), lambda use: use.material.sku),
    Column(_("Quantity"), lambda use: use.quantity, 10),
    Column(_("Unit"), lambda use: use.unit, 8),
    Column(_("Type"), lambda use: use.type_label),
    Column(_("Logged by"), lambda use: use.logged_by, 24),
    Column(_("Notes"), lambda use: use.notes, 40),
    Column(_("Corrected"), lambda use: use.corrected_at, 20),
)


def consumption_export(run: AdminRun) -> Export:
    return Export(
        name=f"{run.reference}-consumption",
        columns=CONSUMPTION_COLUMNS,
        rows=reversed(run_consumption(run.id)),  # oldest first, as a log reads
    )


def _rejections(delivery) -> str:
    return "; ".join(f"{line.label}: {line.quantity}" for line in delivery.rejections)


DELIVERY_COLUMNS = (
    Column(_("Batch"), lambda delivery: delivery.number, 8),
    Column(_("Delivered on"), lambda delivery: delivery.delivered_on, 12),
    Column(_("Good pieces"), lambda delivery: delivery.good, 10),
    Column(_("Rejected pieces"), lambda delivery: delivery.rejected, 10),
    Column(_("Rejections"), _rejections, 30),
    Column(_("Over-delivered"), lambda delivery: delivery.over_delivered, 10),
    Column(_("Handed over"), lambda delivery: delivery.final, 10),
    Column(_("Why fewer"), lambda delivery: delivery.shortfall_reason, 24),
    Column(_("Note"), lambda delivery: delivery.note, 30),
    Column(_("Recorded by"), lambda delivery: delivery.recorded_by, 24),
    Column(_("Recorded"), lambda delivery: delivery.recorded_at, 20),
    Column(_("Corrected"), lambda delivery: delivery.corrected_at, 20),
    Column(_("Why corrected"), lambda delivery: delivery.correction_reason, 24),
)


def deliveries_export(run: AdminRun) -> Export:
    return Export(name=f"{run.reference}-deliveries", columns=DELIVERY_COLUMNS, rows=run.deliveries)
