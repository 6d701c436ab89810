"""Set-up records (designs, materials, partners…) imported from a spreadsheet.

Two steps, so nothing is written by surprise:

1. `import_plan` reads every row and lists what it would create, what it would
   update (found by a natural key: a design's name, a material's SKU, a
   partner's handle) and every problem, by row and column. It writes nothing
   and looks records up in batches, so its queries do not grow with the rows.
2. `import_apply` checks again and, only when no row has a problem, writes
   every row through the app's own services (the same rules as the console,
   one audit row each, naming the actor) in one transaction: a row the
   services refuse then undoes all the others.

Each app that owns a kind of record registers an `ImportKind` at start-up
(the apps sit above this one; this module never imports them). Between the
preview and the confirmation the parsed upload waits in `StagedImport`, so
what is written is what was previewed, checked again.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import DomainError, InvalidInput, NotFound
from loomworks.core.models import StagedImport
from loomworks.core.numbers import AmbiguousNumber, parse_amount
from loomworks.core.tables import Cell, Table

STAGED_FOR = timedelta(hours=1)

# How lists are written in one cell: "S|M|L".
LIST_SEPARATOR = "|"

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowError:
    """A problem in one row (its line in the spreadsheet) and column; row 1 is the header."""

    row: int
    column: str
    message: str


@dataclass
class PlannedRow:
    """What one record of the file will do: `CREATE`, `UPDATE` or nothing (`UNCHANGED`).

    `values` are the checked values the kind's `write` passes to its services;
    `changes` names the columns an update changes.
    """

    row: int
    key: str
    action: str
    values: dict = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    kind: str
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def of(self, action: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def to_create(self) -> list[PlannedRow]:
        return self.of(CREATE)

    @property
    def to_update(self) -> list[PlannedRow]:
        return self.of(UPDATE)

    @property
    def unchanged(self) -> list[PlannedRow]:
        return self.of(UNCHANGED)

    @property
    def error_rows(self) -> list[int]:
        return sorted({error.row for error in self.errors})


@dataclass(frozen=True)
class ImportKind:
    """One kind of record a spreadsheet can bring in.

    `plan` checks a table's rows (without writing) and fills the plan;
    `write` writes one planned row through the app's services.
    """

    name: str
    label: Callable[[], str]
    key_column: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    plan: Callable[[Table, ImportPlan], None]
    write: Callable[[PlannedRow, Actor], None]


IMPORT_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    IMPORT_KINDS[kind.name] = kind


def import_kind(name: str) -> ImportKind:
    kind = IMPORT_KINDS.get(name)
    if kind is None:
        raise NotFound(_("There is no import of that kind."))
    return kind


class ImportRefused(DomainError):
    """The file has problems; nothing was written. `errors` lists each one."""

    status_code = 422
    code = "import_refused"

    def __init__(self, errors: list[RowError]):
        super().__init__(
            _("%(count)d problems in the file; nothing was imported.") % {"count": len(errors)}
            if len(errors) != 1
            else _("One problem in the file; nothing was imported.")
        )
        self.errors = errors

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "field": "file",
            "row_errors": [
                {"row": error.row, "column": error.column, "detail": error.message}
                for error in self.errors
            ],
        }


# ---------------------------------------------------------------- reading one row


class RowReader:
    """One row's cells, read into checked values; each problem is noted, not raised,
    so a preview lists all of them."""

    def __init__(self, row: int, cells: dict[str, Cell], errors: list[RowError]):
        self.row = row
        self.cells = cells
        self.errors = errors
        self.failed = False

    def has(self, column: str) -> bool:
        return column in self.cells

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row, column, str(message)))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.cells.get(column, "")
        value = str(value).strip() if not isinstance(value, Decimal) else _number_text(value)
        if required and not value:
            self.error(column, _("This column needs a value in every row."))
        elif max_length is not None and len(value) > max_length:
            self.error(
                column,
                _("Keep it to %(count)d characters or fewer.") % {"count": max_length},
            )
        return value

    def items(self, column: str) -> list[str]:
        """A list written in one cell, "S|M|L"; blank items dropped."""
        return [item.strip() for item in self.text(column).split(LIST_SEPARATOR) if item.strip()]

    def choice(self, column: str, choices, *, required: bool = False) -> str:
        """One of `choices` (a TextChoices), given by its value or its label, any case."""
        value = self.text(column, required=required)
        if not value:
            return ""
        wanted = value.casefold().replace(" ", "_")
        for code, label in choices.choices:
            if wanted in (str(code).casefold(), str(label).casefold().replace(" ", "_")):
                return code
        self.error(
            column,
            _("%(value)s is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(str(code) for code in choices.values)},
        )
        return ""

    def number(self, column: str) -> Decimal | None:
        """A number as the admin's language writes it (42,5 in French), or as the
        spreadsheet stored it; None when blank."""
        value = self.cells.get(column, "")
        if isinstance(value, Decimal):
            return value
        if not str(value).strip():
            return None
        try:
            return parse_amount(str(value))
        except AmbiguousNumber as error:
            self.error(column, str(error))
            return None

    def date(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            self.error(column, _("Write the date as year-month-day, such as 2027-03-31."))
            return None

    def check(self, column: str, rule: Callable, *args, **kwargs):
        """A service's own rule, applied to this row: its refusal becomes this column's error."""
        try:
            return rule(*args, **kwargs)
        except DomainError as error:
            # A rule over two columns (a cost and its currency) names the one at fault.
            named = getattr(error, "field", "")
            self.error(named if named in self.cells else column, error.detail)
            return None


def _number_text(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def duplicate_check(reader: RowReader, column: str, key: str, seen: dict[str, int]) -> None:
    """A key given twice in one file is refused on its second row, naming the first."""
    folded = key.casefold()
    if folded in seen:
        reader.error(
            column,
            _("%(key)s is also on row %(row)d; give each once.")
            % {"key": key, "row": seen[folded]},
        )
    else:
        seen[folded] = reader.row


# ---------------------------------------------------------------- plan and apply


def import_plan(*, kind: ImportKind, table: Table) -> ImportPlan:
    """What importing `table` would do and every problem in it; writes nothing."""
    plan = ImportPlan(kind=kind.name)
    unknown = [name for name in table.columns if name not in kind.columns]
    for name in unknown:
        plan.errors.append(
            RowError(
                1,
                name,
                _("Unknown column %(name)s; the columns are: %(columns)s.")
                % {"name": name, "columns": ", ".join(kind.columns)},
            )
        )
    missing = [name for name in kind.required if name not in table.columns]
    for name in missing:
        plan.errors.append(RowError(1, name, _("The column %(name)s is missing.") % {"name": name}))
    if missing:
        return plan
    if not table.rows:
        plan.errors.append(RowError(1, "", _("The file has no rows below its header.")))
        return plan
    kind.plan(table, plan)
    plan.errors.sort(
        key=lambda error: (
            error.row,
            kind.columns.index(error.column) if error.column in kind.columns else -1,
        )
    )
    return plan


@transaction.atomic
def import_apply(*, kind: ImportKind, table: Table, actor: Actor, filename: str = "") -> ImportPlan:
    """Write every row of `table`, or none: `ImportRefused` lists the problems."""
    plan = import_plan(kind=kind, table=table)
    if plan.errors:
        raise ImportRefused(plan.errors)
    # The plan has checked every row; what the services still refuse now (a race with
    # another change, a rule only they know) stops the import at that row and undoes all.
    for planned in plan.rows:
        if planned.action == UNCHANGED:
            continue
        try:
            kind.write(planned, actor)
        except InvalidInput as error:
            raise ImportRefused(
                [RowError(planned.row, _column_of(error.field), error.detail)]
            ) from None
        except DomainError as error:
            raise ImportRefused([RowError(planned.row, "", error.detail)]) from None
    audit_record(
        actor=actor,
        action="import.applied",
        target_type="import",
        target_id=kind.name,
        details={
            "filename": filename,
            "created": [row.key for row in plan.to_create],
            "updated": [row.key for row in plan.to_update],
            "unchanged": len(plan.unchanged),
        },
    )
    return plan


def _column_of(service_field: str) -> str:
    """A service's field ("colors[2].hex_code") as the file's column ("colours")."""
    head = (service_field or "").split("[", 1)[0].split(".", 1)[0]
    return {"colors": "colours", "size_sets": "sizes", "materials": "material_sku"}.get(head, head)


# ---------------------------------------------------------------- between preview and confirmation


def import_stage(*, kind: ImportKind, table: Table, user, filename: str) -> StagedImport:
    """Keep a parsed upload for its confirmation (an hour); expired ones are dropped here."""
    now = timezone.now()
    StagedImport.objects.filter(expires_at__lte=now).delete()
    return StagedImport.objects.create(
        token=secrets.token_urlsafe(32),
        kind=kind.name,
        uploaded_by=user,
        filename=filename[:255],
        language=translation.get_language() or "",
        table=table.as_json(),
        expires_at=now + STAGED_FOR,
    )


def import_staged(*, token: str, user, kind: ImportKind) -> StagedImport | None:
    """The upload `user` previewed, while it keeps; None once expired, imported or not theirs."""
    return StagedImport.objects.filter(
        token=token or "", uploaded_by=user, kind=kind.name, expires_at__gt=timezone.now()
    ).first()


@transaction.atomic
def import_confirm(*, staged: StagedImport, actor: Actor) -> ImportPlan:
    """Write a previewed upload, checked again in the language it was previewed in.

    The staged row is locked and removed with the write, so a second click
    finds nothing to import rather than importing twice."""
    staged = StagedImport.objects.select_for_update().filter(pk=staged.pk).first()
    if staged is None:
        raise NotFound(
            _("This preview has expired or was imported already; upload the file again.")
        )
    kind = import_kind(staged.kind)
    with translation.override(staged.language or None):
        plan = import_apply(
            kind=kind, table=Table.from_json(staged.table), actor=actor, filename=staged.filename
        )
    staged.delete()
    return plan
