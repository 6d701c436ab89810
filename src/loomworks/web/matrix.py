"""The size × colour grid of a run: typed in on console forms, shown on run pages.

`MatrixInput` is a grid of whole-number boxes, one per size (rows) and colour
(columns) of the design, named `<prefix>-<row>-<column>`. It only reads what was
typed: whether the cells add up to the quantity and name the design's sizes and
colours is the service's to say (`production.size_matrix`), and its complaint,
which names the field `size_quantities`, is shown above the grid.

`matrix_table` lays stored cells out as the same grid, with row and column
totals, for the run pages and the job sheet.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from loomworks.core.limits import MAX_QUANTITY

FIELD = "size_quantities"


def _cell_parts(cell) -> tuple[str, str, int]:
    if isinstance(cell, Mapping):
        return str(cell.get("size") or ""), str(cell.get("color") or ""), int(cell["quantity"])
    return cell.size, cell.color, int(cell.quantity)


@dataclass
class MatrixRow:
    size: str
    cells: list[dict]
    total: int = 0


@dataclass
class MatrixTable:
    sizes: tuple[str, ...]
    colors: tuple[str, ...]
    rows: list[MatrixRow] = field(default_factory=list)
    column_totals: list[int] = field(default_factory=list)
    total: int = 0

    def __bool__(self) -> bool:
        return bool(self.rows)


def matrix_table(
    cells: Iterable, *, sizes: Sequence[str] = (), colors: Sequence[str] = ()
) -> MatrixTable:
    """Stored cells as a grid: the design's sizes and colours in its order (any other
    size or colour a cell names after them), zero where no cell is stored."""
    amounts: dict[tuple[str, str], int] = {}
    for cell in cells or ():
        size, color, quantity = _cell_parts(cell)
        amounts[(size, color)] = amounts.get((size, color), 0) + quantity
    if not amounts:
        return MatrixTable(sizes=tuple(sizes), colors=tuple(colors))
    all_sizes = list(dict.fromkeys([*sizes, *(size for size, _c in amounts)]))
    all_colors = list(dict.fromkeys([*colors, *(color for _s, color in amounts)]))
    # Drop axes nobody uses (a design with sizes but cells all of one colour keeps it).
    all_sizes = [s for s in all_sizes if any(k[0] == s for k in amounts)] or [""]
    all_colors = [c for c in all_colors if any(k[1] == c for k in amounts)] or [""]
    table = MatrixTable(sizes=tuple(all_sizes), colors=tuple(all_colors))
    table.column_totals = [0] * len(all_colors)
    for size in all_sizes:
        row = MatrixRow(size=size, cells=[])
        for position, color in enumerate(all_colors):
            amount = amounts.get((size, color), 0)
            row.cells.append({"color": color, "quantity": amount})
            row.total += amount
            table.column_totals[position] += amount
        table.rows.append(row)
        table.total += row.total
    return table


class MatrixInput:
    """A grid of boxes for a run's quantity by size and colour (see the module's doc)."""

    def __init__(
        self,
        data=None,
        *,
        sizes: Sequence[str],
        colors: Sequence[str],
        prefix: str = "sq",
        initial: Iterable = (),
    ):
        self.sizes = tuple(sizes)
        self.colors = tuple(colors)
        self.prefix = prefix
        self.enabled = bool(self.sizes or self.colors)
        self.row_labels = self.sizes or ("",)
        self.column_labels = self.colors or ("",)
        self.errors: list[str] = []
        self.invalid: set[str] = set()
        self.values: dict[str, str] = {}
        known = {}
        for cell in initial or ():
            size, color, quantity = _cell_parts(cell)
            known[(size, color)] = quantity
        for i, size in enumerate(self.row_labels):
            for j, color in enumerate(self.column_labels):
                name = self.name(i, j)
                if data is not None:
                    self.values[name] = str(data.get(name, "") or "").strip()
                elif (size, color) in known:
                    self.values[name] = str(known[(size, color)])
                else:
                    self.values[name] = ""

    def name(self, row: int, column: int) -> str:
        return f"{self.prefix}-{row}-{column}"

    @property
    def html_id(self) -> str:
        return f"{self.prefix}-matrix"

    def rows(self) -> list[dict]:
        return [
            {
                "size": size,
                "cells": [
                    {
                        "color": color,
                        "name": self.name(i, j),
                        "value": self.values.get(self.name(i, j), ""),
                        "invalid": self.name(i, j) in self.invalid,
                    }
                    for j, color in enumerate(self.column_labels)
                ],
            }
            for i, size in enumerate(self.row_labels)
        ]

    def is_valid(self) -> bool:
        if not self.enabled:
            return True
        for name, raw in self.values.items():
            if raw and (not raw.isdigit() or int(raw) > MAX_QUANTITY):
                self.invalid.add(name)
        if self.invalid:
            self.errors.append(
                _("Give whole numbers of pieces (0 or more) in the size × colour grid.")
            )
        return not self.invalid

    def given(self) -> bool:
        return self.enabled and any(self.values.values())

    def cells(self) -> list[dict]:
        """What was typed as cells (blank boxes are 0); [] when every box is blank."""
        if not self.given():
            return []
        cells = []
        for i, size in enumerate(self.row_labels):
            for j, color in enumerate(self.column_labels):
                raw = self.values.get(self.name(i, j), "")
                cells.append({"size": size, "color": color, "quantity": int(raw) if raw else 0})
        return cells

    def total(self) -> int:
        return sum(cell["quantity"] for cell in self.cells())

    def add_error(self, message: str) -> None:
        self.errors.append(message)

    def takes(self, field_name: str | None) -> bool:
        """Whether a service's complaint about `field_name` belongs beside this grid."""
        return bool(field_name) and field_name.split(".")[0].split("[")[0] == FIELD
