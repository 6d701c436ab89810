"""A list as CSV or XLSX, from one definition of its columns, in constant memory.

An `Export` names its columns once (`Column`: a translatable header and the
function that reads the cell from a row) and gives its rows as an iterable that
the domain fills batch by batch; `export_response` writes it in the format asked.
Both formats read the same columns, so a CSV and an XLSX of one list agree.

- CSV is streamed: a `StreamingHttpResponse` over a generator, a few hundred
  rows per chunk. Nothing holds more than one batch of rows.
- XLSX is written by XlsxWriter in `constant_memory` mode (each row goes to
  disk as it is written) to a temporary file, then streamed with `FileResponse`;
  the file is unlinked as soon as it is open, so it goes when the response ends.

Cells: text that a spreadsheet would read as a formula (starting with = + - @
tab or CR) gets a leading apostrophe in CSV; XLSX writes every text as a string
cell, never a formula. Dates are ISO (`2026-05-10`), times ISO in the server's
time zone with their offset; amounts are `Decimal` written as plain decimals
("1234.50"), their currency in a column of its own.
"""

import csv
import datetime
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Rows per chunk of the CSV stream: small enough to start at once, big enough
# that a million rows are not a million writes to the socket.
CSV_ROWS_PER_CHUNK = 500
# A worksheet holds 1,048,576 rows; the header takes one and a note may take another.
XLSX_MAX_ROWS = 1_048_576 - 2

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    """One column: its header (translatable, read when the file is written) and its cell."""

    label: Any
    value: Callable[[Any], Any]
    width: int = 14  # in characters, for XLSX


@dataclass(frozen=True)
class Export:
    """What to write: a file name (without date or extension), the columns, the rows."""

    name: str
    columns: tuple[Column, ...]
    rows: Iterable[Any]


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def safe_text(value: str) -> str:
    """Text a spreadsheet must not read as a formula (a note typed as "=HYPERLINK(…)")."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(str(value))


def file_name(export: Export, extension: str) -> str:
    """`runs-2026-05-10.csv`: the export's name and today's date."""
    return f"{export.name}-{timezone.localdate().isoformat()}.{extension}"


class _Line:
    """What `csv.writer` writes to: it hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_chunks(export: Export, *, bom: bool = False) -> Iterator[bytes]:
    """The CSV file in chunks of `CSV_ROWS_PER_CHUNK` rows, UTF-8 (with a BOM for Excel)."""
    writer = csv.writer(_Line())
    header = writer.writerow([str(column.label) for column in export.columns])
    yield ((_BOM if bom else "") + header).encode()
    columns = export.columns
    for rows in batched(export.rows, CSV_ROWS_PER_CHUNK):
        yield "".join(
            writer.writerow([csv_cell(column.value(row)) for column in columns]) for row in rows
        ).encode()


def csv_response(export: Export, *, bom: bool = False) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(export, bom=bom), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=file_name(export, CSV)
    )
    return response


def write_xlsx(export: Export, path: str) -> int:
    """Write the export to an XLSX file at `path`, one row in memory at a time; the rows
    written. Past the sheet's last row, a note says the rest is in the CSV."""
    import xlsxwriter  # only the XLSX export needs it

    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    try:
        sheet = workbook.add_worksheet(export.name[:31])
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for index, column in enumerate(export.columns):
            sheet.set_column(index, index, column.width)
            sheet.write_string(0, index, str(column.label), bold)
        sheet.freeze_panes(1, 0)
        written = 0
        for written, row in enumerate(export.rows, start=1):
            if written > XLSX_MAX_ROWS:
                sheet.write_string(
                    written,
                    0,
                    _("The sheet is full: more rows follow in the CSV export."),
                )
                return written - 1
            for index, column in enumerate(export.columns):
                _write_cell(sheet, written, index, column.value(row), day, moment)
        return written
    finally:
        workbook.close()


def _write_cell(sheet, row: int, col: int, value: Any, day, moment) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, Decimal)):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, col, _local(value).replace(tzinfo=None), moment)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, day)
    else:
        sheet.write_string(row, col, str(value))


def xlsx_response(export: Export) -> FileResponse:
    """The export written to a temporary XLSX file, then streamed from disk."""
    handle, path = tempfile.mkstemp(prefix="loomworks-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(export, path)
        stream = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        os.unlink(path)  # the open file stays readable until the response closes it
    return FileResponse(
        stream,
        as_attachment=True,
        filename=file_name(export, XLSX),
        content_type=XLSX_CONTENT_TYPE,
    )


def export_response(export: Export, *, file_format: str = CSV, bom: bool = False):
    """The export as a download in `file_format` (`csv` or `xlsx`)."""
    if file_format == XLSX:
        return xlsx_response(export)
    return csv_response(export, bom=bom)
