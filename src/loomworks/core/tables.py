"""A spreadsheet an admin uploads (CSV or XLSX), read into rows of cells.

CSV is read as UTF-8 (with or without the byte-order mark Excel writes),
its separator (comma or semicolon) told from the header line. XLSX is read
with openpyxl in read-only mode, first sheet only, so a large file is streamed
rather than loaded whole. Both stop at a row limit: a file beyond it is
refused, never half read.

A cell is text, or a Decimal when the spreadsheet holds it as a number
(XLSX). Numbers typed as text are read later, in the admin's language
(`core.numbers`); numbers a spreadsheet stored as numbers need no reading.
A float never leaves this module.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput

# Above a usual catalogue upload; below what one request writes in time: a design row
# takes about 17 queries to write, so 1,000 rows are ~17,000 queries in one transaction
# (measured: 2,000 designs took 34,004 queries), within the web server's 30 s timeout.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
MAX_IMPORT_COLUMNS = 60
MAX_CELL_LENGTH = 10_000

CSV_SEPARATORS = (",", ";")

Cell = str | Decimal


@dataclass
class Table:
    """The header (normalised names: lower case, spaces as "_") and the rows below it.

    Each row keeps its line number in the spreadsheet (the header is line 1),
    so an error names the row the admin sees in their own program.
    """

    columns: list[str]
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)

    def as_json(self) -> dict:
        """A plain-JSON copy (for keeping between the preview and the confirmation)."""
        return {
            "columns": self.columns,
            "rows": [
                [number, {key: _cell_json(value) for key, value in cells.items()}]
                for number, cells in self.rows
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Table":
        return cls(
            columns=list(data["columns"]),
            rows=[
                (int(number), {key: _cell_from_json(value) for key, value in cells.items()})
                for number, cells in data["rows"]
            ],
        )


def _cell_json(value: Cell):
    return {"decimal": str(value)} if isinstance(value, Decimal) else value


def _cell_from_json(value) -> Cell:
    return Decimal(value["decimal"]) if isinstance(value, dict) else str(value)


def column_name(header) -> str:
    return "_".join(str(header or "").strip().lower().replace("-", " ").split())


def read_table(content: bytes, filename: str, *, max_rows: int = MAX_IMPORT_ROWS) -> Table:
    """The rows of an uploaded file; `InvalidInput` on the field "file" when it cannot be read.

    Blank rows are skipped (they keep their line number out of the count).
    """
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            "file",
            _("The file is larger than %(size)d MB; split it into smaller files.")
            % {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
        )
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        lines = _xlsx_lines(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        lines = _csv_lines(content)
    else:
        raise InvalidInput("file", _("Upload a .csv or an .xlsx file."))
    return _table(lines, max_rows=max_rows)


def _table(lines, *, max_rows: int) -> Table:
    header = None
    table = None
    for number, values in lines:
        if number > max_rows * 10 + 100:
            # Blank rows do not count as rows, but a sheet of a million of them is not read.
            raise InvalidInput(
                "file",
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": max_rows},
            )
        if header is None:
            header = [column_name(value) for value in values]
            while header and not header[-1]:
                header.pop()
            if not any(header):
                raise InvalidInput(
                    "file", _("The first row must name the columns; see the template.")
                )
            if len(header) > MAX_IMPORT_COLUMNS:
                raise InvalidInput(
                    "file",
                    _("The file has more than %(count)d columns.") % {"count": MAX_IMPORT_COLUMNS},
                )
            repeated = sorted({name for name in header if name and header.count(name) > 1})
            if repeated:
                raise InvalidInput(
                    "file",
                    _("The column %(name)s appears twice in the first row.")
                    % {"name": repeated[0]},
                )
            table = Table(columns=[name for name in header if name])
            continue
        cells = {}
        for index, name in enumerate(header):
            value = values[index] if index < len(values) else ""
            if name:
                cells[name] = value
        if all(value == "" for value in cells.values()):
            continue
        if len(table.rows) >= max_rows:
            raise InvalidInput(
                "file",
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": max_rows},
            )
        table.rows.append((number, cells))
    if table is None:
        raise InvalidInput("file", _("The file is empty; start from the template."))
    return table


def _csv_lines(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "file", _("Save the file as CSV UTF-8 (your spreadsheet's 'Save as' offers it).")
        ) from None
    first_line = text.split("\n", 1)[0]
    separator = max(CSV_SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, [_text(value) for value in values]
    except csv.Error as error:
        raise InvalidInput(
            "file",
            _("The CSV cannot be read near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error},
        ) from None


def _xlsx_lines(content: bytes):
    from openpyxl import load_workbook

    unreadable = InvalidInput(
        "file", _("This is not an .xlsx workbook; save it from your spreadsheet as .xlsx.")
    )
    # openpyxl raises many kinds of error on a damaged or foreign file (zip, XML, its
    # own); whatever it is, the answer to the admin is the same.
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:
                raise unreadable from None
            number += 1
            yield number, [_xlsx_cell(value) for value in values[: MAX_IMPORT_COLUMNS + 1]]
    finally:
        workbook.close()


def _text(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_CELL_LENGTH:
        raise InvalidInput(
            "file",
            _("A cell holds more than %(count)d characters.") % {"count": MAX_CELL_LENGTH},
        )
    return value


def _xlsx_cell(value) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # The shortest text that reads back as the same float: 12.5, not 12.4999…
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return _text(str(value))


def template_csv(columns: list[str]) -> str:
    """A CSV of the header row alone: the template an admin fills in."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    return out.getvalue()
