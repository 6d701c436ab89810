"""Exports of runs: the list as filtered, with its headers, its cells written safely, in a
constant number of queries per batch; the XLSX file opens in openpyxl with the same rows."""

import csv
import datetime
import io
import math
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.core.exports import Column, Export, csv_cell, csv_chunks, write_xlsx
from loomworks.production.exports import RUN_COLUMNS, history_export, runs_export
from loomworks.production.selectors import RunFilters, admin_run

pytestmark = pytest.mark.django_db


def csv_rows(export: Export, **options) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(csv_chunks(export, **options)).decode())))


def test_the_runs_export_holds_the_filtered_runs_in_the_lists_order(make_run, workshop):
    mine = [
        make_run("in_progress", partner=workshop.partner, actor=workshop.actor) for _ in range(3)
    ]
    make_run("pending_review")

    rows = csv_rows(runs_export(RunFilters(partner_id=workshop.partner.pk, order="created_at")))

    assert rows[0] == [str(column.label) for column in RUN_COLUMNS]
    assert rows[0][:4] == ["Reference", "Id", "Status", "Run type"]
    assert [row[1] for row in rows[1:]] == [run.pk for run in mine]
    assert {row[2] for row in rows[1:]} == {"In progress"}
    assert {row[5] for row in rows[1:]} == {workshop.partner.name}


def test_every_run_is_exported_whatever_the_batch(make_run):
    runs = [make_run() for _ in range(7)]
    rows = csv_rows(runs_export(RunFilters(order="created_at"), batch=3))
    assert [row[1] for row in rows[1:]] == [run.pk for run in runs]


def test_dates_are_iso_and_text_that_looks_like_a_formula_stays_text():
    moment = datetime.datetime(2026, 5, 10, 14, 30, 5, tzinfo=datetime.UTC)
    assert csv_cell(datetime.date(2026, 5, 10)) == "2026-05-10"
    assert csv_cell(moment) == timezone.localtime(moment).isoformat(timespec="seconds")
    assert csv_cell(Decimal("1234.50")) == "1234.50"
    assert csv_cell(Decimal("-12.00")) == "-12.00"  # an amount is a number, not text
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert csv_cell("plain") == "plain"


def test_a_csv_for_excel_starts_with_a_byte_order_mark():
    export = Export(name="x", columns=(Column("Name", lambda row: row),), rows=["é"])
    data = b"".join(csv_chunks(export, bom=True))
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").splitlines() == [
        "Name",
        "é",
    ]


def test_the_xlsx_file_opens_with_the_same_rows_and_typed_cells(make_run, tmp_path):
    runs = [make_run(due_date=datetime.date(2026, 6, 1), notes="n") for _ in range(3)]
    export = runs_export(RunFilters(order="created_at"))
    path = tmp_path / "runs.xlsx"
    assert write_xlsx(export, str(path)) == 3

    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [str(column.label) for column in RUN_COLUMNS]
    assert [row[1] for row in rows[1:]] == [run.pk for run in runs]
    due = [str(column.label) for column in RUN_COLUMNS].index("Due date")
    assert rows[1][due] == datetime.datetime(2026, 6, 1)
    quantity = [str(column.label) for column in RUN_COLUMNS].index("Quantity")
    assert rows[1][quantity] == 10


def test_formulas_are_never_written_to_the_xlsx(tmp_path):
    export = Export(
        name="x", columns=(Column("Note", lambda row: row),), rows=['=HYPERLINK("http://x")']
    )
    path = tmp_path / "x.xlsx"
    write_xlsx(export, str(path))
    cell = openpyxl.load_workbook(path).active["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


def test_the_history_export_is_the_runs_history(make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    rows = csv_rows(history_export(admin_run(run.pk)))
    assert rows[0] == ["When", "Step", "From status", "To status", "By", "Actor kind", "Note"]
    assert [row[3] for row in rows[1:]][-1] == "In progress"
    assert len(rows) - 1 == run.history.count()


def _queries(filters: RunFilters, batch: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = sum(1 for _ in runs_export(filters, batch=batch).rows)
    return rows, len(queries)


def test_queries_grow_with_the_batches_never_with_the_rows(make_run, workshop):
    def add(n):
        for _ in range(n):
            run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
            assert run.status == "in_progress"

    add(4)
    rows, one_batch = _queries(RunFilters(), batch=4)
    assert rows == 4
    add(12)
    rows, still_one_batch = _queries(RunFilters(), batch=16)
    assert rows == 16 and still_one_batch == one_batch  # 4 times the rows, same queries
    rows, four_batches = _queries(RunFilters(), batch=4)
    per_batch = one_batch - 1  # the first batch's queries less the cursor's one query
    assert four_batches <= 1 + per_batch * math.ceil(rows / 4)
