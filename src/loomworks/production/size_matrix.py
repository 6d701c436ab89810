"""A run's quantity by size and colour: the one place its rules live.

A run may say how its pieces divide into sizes and colours, as a list of
cells `{"size": "M", "color": "Madder Red", "quantity": 4}`. The sizes and
colours are the design's, read from the run's snapshot (what the workshop was
asked to make), so a later edit of the design never invalidates a run. The
cells are whole numbers of zero or more, one cell per size and colour, and
they add up to the run's quantity. An empty list means "not given".

A design without colours takes cells with a blank colour (and one without
sizes, a blank size): the matrix is then one row or one column.

Cells of zero are accepted and dropped; the stored list is ordered as the
design orders its sizes, then its colours.

Every door (the API, the console, store orders, splits) checks through
`checked_cells`, so they refuse the same matrices with the same message.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_QUANTITY

FIELD = "size_quantities"
MAX_CELLS = 2000


@dataclass(frozen=True)
class Cell:
    size: str
    color: str
    quantity: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.size, self.color)

    def as_dict(self) -> dict:
        return {"size": self.size, "color": self.color, "quantity": self.quantity}


def axes(snapshot: Mapping | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sizes and the colours a run's matrix may use: its design's, from the snapshot."""
    snapshot = snapshot or {}
    sizes = tuple(
        str(row.get("size_label") or "")
        for row in snapshot.get("size_sets") or ()
        if isinstance(row, Mapping) and row.get("size_label")
    )
    colors = tuple(
        str(row.get("name") or "")
        for row in snapshot.get("colors") or ()
        if isinstance(row, Mapping) and row.get("name")
    )
    return tuple(dict.fromkeys(sizes)), tuple(dict.fromkeys(colors))


def _text(value, field: str, index: int, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(
            field,
            _("Cell %(n)s: the %(what)s must be text.") % {"n": index + 1, "what": what},
        )
    return value.strip()


def checked_cells(
    cells,
    *,
    quantity: int,
    sizes: Sequence[str],
    colors: Sequence[str],
    field: str = FIELD,
) -> list[dict]:
    """The matrix as stored (zero cells dropped, in the design's order), or InvalidInput
    naming `field` and saying which cell is wrong and what to do."""
    if cells is None:
        return []
    if not isinstance(cells, list | tuple):
        raise InvalidInput(field, _("Give the size × colour quantities as a list of cells."))
    if not cells:
        return []
    if len(cells) > MAX_CELLS:
        raise InvalidInput(
            field, _("At most %(max)s size × colour cells, please.") % {"max": MAX_CELLS}
        )
    if not sizes and not colors:
        raise InvalidInput(
            field,
            _(
                "This design has no sizes and no colours; add them to the design first, "
                "or leave the size × colour quantities out."
            ),
        )
    size_order = {size: position for position, size in enumerate(sizes)}
    color_order = {color: position for position, color in enumerate(colors)}
    seen: set[tuple[str, str]] = set()
    kept: list[Cell] = []
    total = 0
    for index, cell in enumerate(cells):
        if isinstance(cell, Cell):
            cell = cell.as_dict()
        if not isinstance(cell, Mapping):
            raise InvalidInput(
                field,
                _("Cell %(n)s must be an object with size, color and quantity.") % {"n": index + 1},
            )
        size = _text(cell.get("size"), field, index, _("size"))
        color = _text(cell.get("color"), field, index, _("colour"))
        amount = cell.get("quantity")
        if sizes and size not in size_order:
            raise InvalidInput(
                field,
                _("Cell %(n)s: %(size)s is not one of the design's sizes (%(sizes)s).")
                % {"n": index + 1, "size": size or "—", "sizes": ", ".join(sizes)},
            )
        if not sizes and size:
            raise InvalidInput(
                field,
                _("Cell %(n)s: the design has no sizes; leave the size blank.") % {"n": index + 1},
            )
        if colors and color not in color_order:
            raise InvalidInput(
                field,
                _("Cell %(n)s: %(color)s is not one of the design's colours (%(colors)s).")
                % {"n": index + 1, "color": color or "—", "colors": ", ".join(colors)},
            )
        if not colors and color:
            raise InvalidInput(
                field,
                _("Cell %(n)s: the design has no colours; leave the colour blank.")
                % {"n": index + 1},
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise InvalidInput(
                field,
                _("Cell %(n)s: the quantity must be a whole number of zero or more.")
                % {"n": index + 1},
            )
        if amount > MAX_QUANTITY:
            raise InvalidInput(
                field,
                _("Cell %(n)s: the quantity must be at most %(max)s.")
                % {"n": index + 1, "max": MAX_QUANTITY},
            )
        if (size, color) in seen:
            raise InvalidInput(
                field,
                _("Cell %(n)s repeats %(size)s / %(color)s; give each size and colour once.")
                % {"n": index + 1, "size": size or "—", "color": color or "—"},
            )
        seen.add((size, color))
        total += amount
        if amount:
            kept.append(Cell(size=size, color=color, quantity=amount))
    if total != quantity:
        raise InvalidInput(
            field,
            _(
                "The size × colour quantities add up to %(total)s pieces; "
                "they must add up to the quantity, %(quantity)s."
            )
            % {"total": total, "quantity": quantity},
        )
    kept.sort(key=lambda c: (size_order.get(c.size, 0), color_order.get(c.color, 0)))
    return [cell.as_dict() for cell in kept]


def line_cells(
    *, size: str, color: str, quantity: int, sizes: Sequence[str], colors: Sequence[str]
) -> list[dict]:
    """The matrix of a store order line: one cell, its size and colour (a variant's
    options), when the design has them; else none (the run keeps its plain quantity).

    A design without colours takes the line's size alone (and one without sizes, its
    colour alone); a size or colour the design does not know gives no matrix."""
    size, color = (size or "").strip(), (color or "").strip()
    if quantity < 1 or (not sizes and not colors):
        return []
    if (sizes and size not in sizes) or (colors and color not in colors):
        return []
    return [{"size": size if sizes else "", "color": color if colors else "", "quantity": quantity}]


def cells_of(stored: Iterable[Mapping] | None) -> tuple[Cell, ...]:
    """Stored cells as `Cell`s (what the read objects carry)."""
    return tuple(
        Cell(
            size=str(c.get("size") or ""),
            color=str(c.get("color") or ""),
            quantity=int(c["quantity"]),
        )
        for c in stored or ()
        if isinstance(c, Mapping) and isinstance(c.get("quantity"), int)
    )


def total(cells: Iterable[Mapping | Cell]) -> int:
    return sum(c.quantity if isinstance(c, Cell) else int(c["quantity"]) for c in cells)


def split(stored: Sequence[Mapping], quantities: Sequence[int]) -> list[list[dict]]:
    """Divide a matrix into parts of the given quantities, as evenly as whole pieces allow.

    Each part takes, from what the parts before it left, each cell's share in
    proportion to its quantity (rounded down, the pieces left over going to the
    cells with the largest remainders); the last part takes what is left. So the
    parts add up to the matrix cell by cell, and each part to its quantity.
    `quantities` must add up to the matrix's total.
    """
    remaining = [dict(cell) for cell in stored]
    left = total(remaining)
    if sum(quantities) != left:
        raise ValueError("the parts must add up to the matrix")
    parts: list[list[dict]] = []
    for position, wanted in enumerate(quantities):
        if position == len(quantities) - 1 or left == 0:
            share = [cell["quantity"] for cell in remaining]
        else:
            exact = [(cell["quantity"] * wanted, left) for cell in remaining]
            share = [numerator // denominator for numerator, denominator in exact]
            short = wanted - sum(share)
            by_remainder = sorted(
                range(len(remaining)),
                key=lambda i: (-(exact[i][0] % exact[i][1]), i),
            )
            for i in by_remainder[:short]:
                share[i] += 1
        part = []
        for cell, amount in zip(remaining, share, strict=True):
            if amount:
                part.append({**cell, "quantity": amount})
            cell["quantity"] -= amount
        left -= wanted
        parts.append(part)
    return parts
