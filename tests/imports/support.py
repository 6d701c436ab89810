"""Spreadsheets for the import tests, written the way an admin's program writes them."""

import csv
import io

from openpyxl import Workbook

from loomworks.core.tables import read_table


def csv_bytes(rows: list[list], *, separator: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_of(rows: list[list], fmt: str = "csv"):
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    return read_table(content, f"upload.{fmt}")


MATERIAL_HEADER = ["sku", "name", "unit", "stock_on_hand", "unit_cost", "currency"]


def material_rows(count: int, *, cost="12.50") -> list[list]:
    return [MATERIAL_HEADER] + [
        [f"MAT-{index:04d}", f"Cotton twill {index}", "m", "100", cost, "EUR"]
        for index in range(count)
    ]
