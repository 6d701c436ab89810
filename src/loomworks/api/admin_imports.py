"""`/api/admin/imports/{kind}`: designs, materials, bills of materials (`design-materials`)
and partners from a CSV or XLSX file (multipart `file`), as the console imports them.

With `dry_run=true` nothing is written: the answer is what the file would do and every
problem in it, by row and column (200 either way). Without it, every row is written or
none: a file with problems answers 422, `row_errors` listing each. The columns of each kind
are in the admin guide and in `GET /api/admin/imports/{kind}/template.csv`'s header.
"""

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router
from ninja.files import UploadedFile
from pydantic import BaseModel, Field

from loomworks.api.admin_schemas import responses
from loomworks.api.schemas import ErrorOut, Out
from loomworks.core.imports import ImportPlan, import_apply, import_kind, import_plan
from loomworks.core.tables import read_table, template_csv

router = Router(tags=["admin: partners and catalogue"])

ImportKindName = Literal["designs", "materials", "design-materials", "partners"]


class RowErrorOut(Out):
    row: int = Field(description="the line in the file; the header is row 1")
    column: str
    detail: str


class ImportRefusedOut(ErrorOut):
    row_errors: list[RowErrorOut] = Field(
        default_factory=list, description="each problem of a refused file, by row and column"
    )


class PlannedRowOut(Out):
    row: int
    key: str = Field(description="the design's name, the material's SKU, the partner's handle")
    changes: list[str] = Field(description="the columns an update changes")


class ImportReport(Out):
    kind: str
    dry_run: bool
    written: bool
    created: list[PlannedRowOut]
    updated: list[PlannedRowOut]
    unchanged: int
    row_errors: list[RowErrorOut]


class ImportQuery(BaseModel):
    dry_run: bool = Field(
        False, description="check the file and say what it would do; write nothing"
    )


def _rows(rows) -> list[dict]:
    return [{"row": row.row, "key": row.key, "changes": row.changes} for row in rows]


def report_out(plan: ImportPlan, *, dry_run: bool, written: bool) -> dict:
    return {
        "kind": plan.kind,
        "dry_run": dry_run,
        "written": written,
        "created": _rows(plan.to_create),
        "updated": _rows(plan.to_update),
        "unchanged": len(plan.unchanged),
        "row_errors": [
            {"row": error.row, "column": error.column, "detail": error.message}
            for error in plan.errors
        ],
    }


@router.post(
    "/imports/{kind}",
    response={**responses({200: ImportReport}, 400, 404, 413), 422: ImportRefusedOut},
)
def import_file(
    request: HttpRequest,
    kind: ImportKindName,
    file: File[UploadedFile],
    filters: Query[ImportQuery],
):
    """Import a CSV (UTF-8, comma or semicolon) or XLSX file of `kind`; rows are matched by
    their key (a match is updated, never duplicated). Numbers as the caller's language
    writes them (`Accept-Language`), dates as 2027-03-31, lists in a cell separated by |."""
    import_type = import_kind(kind)
    table = read_table(file.read(), file.name or "")
    if filters.dry_run:
        plan = import_plan(kind=import_type, table=table)
        return report_out(plan, dry_run=True, written=False)
    plan = import_apply(
        kind=import_type, table=table, actor=request.actor, filename=file.name or ""
    )
    return report_out(plan, dry_run=False, written=True)


@router.get("/imports/{kind}/template.csv", response=responses({200: None}, 404, 422))
def import_template(request: HttpRequest, kind: ImportKindName):
    """The header row of `kind`'s file: the columns an import reads."""
    return HttpResponse(
        template_csv(list(import_kind(kind).columns)), content_type="text/csv; charset=utf-8"
    )
