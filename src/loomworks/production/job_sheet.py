"""The printable job sheet of a run: what the workshop needs at the bench, on paper.

Built from an audience's read model (the admin's `AdminRunDetail` or the
workshop's `PartnerRunDetail`): the run's facts, its snapshot of the design
(so a later edit of the design never changes a sheet) and its tasks. Both
sheets are the same but for who may open them; the pages only lay it out.

- measurements are shown for the run's sizes only (the sizes of its matrix;
  every size of the design when the run has no matrix);
- materials are planned as the snapshot's quantity per piece × the run's
  quantity, in the material's unit;
- the checklist is the run's tasks and their items, each with its box
  (ticked when done).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loomworks.core.formatting import amount_text, as_decimal
from loomworks.core.limits import swatch
from loomworks.production.read_models import RunFacts, TaskView
from loomworks.production.size_matrix import axes

DONE = frozenset({"completed"})


@dataclass(frozen=True)
class SheetColor:
    name: str
    hex: str
    notes: str


@dataclass(frozen=True)
class SheetMaterial:
    name: str
    sku: str
    unit: str
    per_piece: str
    planned: str


@dataclass(frozen=True)
class SheetItem:
    title: str
    done: bool


@dataclass(frozen=True)
class SheetTask:
    title: str
    done: bool
    items: tuple[SheetItem, ...]


@dataclass(frozen=True)
class SheetFile:
    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class JobSheet:
    run: RunFacts
    design_name: str
    description: str
    image_url: str
    colors: tuple[SheetColor, ...]
    sizes: tuple[str, ...]
    colors_of_matrix: tuple[str, ...]
    measurement_columns: tuple[str, ...]
    measurement_rows: tuple[tuple[str, tuple[str, ...]], ...]
    materials: tuple[SheetMaterial, ...]
    tasks: tuple[SheetTask, ...]
    files: tuple[SheetFile, ...]
    notes: str


def _label(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _with_unit(label: str, unit: str) -> str:
    """ "Chest width (cm)"; a name that says its unit already ("chest_cm") is left alone."""
    named = label.split()[-1:] == [unit] if label else False
    return f"{label} ({unit})" if unit and not named else label


def _measurements(snapshot: Mapping, sizes: Iterable[str]):
    """The measurement table for `sizes`: the points of measure in the design's order
    (`measurement_points`, then any other a size names), headed with the unit."""
    wanted = list(sizes)
    by_size: dict[str, dict] = {}
    for row in snapshot.get("size_sets") or ():
        if isinstance(row, Mapping) and row.get("size_label"):
            measurements = row.get("measurements")
            by_size[str(row["size_label"])] = measurements if isinstance(measurements, dict) else {}
    labels = [size for size in wanted if size in by_size] if wanted else list(by_size)
    columns: list[str] = [str(p) for p in snapshot.get("measurement_points") or () if p]
    columns = [c for c in columns if any(c in by_size[size] for size in labels)]
    for size in labels:
        columns.extend(key for key in by_size[size] if key not in columns)
    rows = tuple(
        (size, tuple(str(by_size[size].get(key, "")) for key in columns)) for size in labels
    )
    design = snapshot.get("design") if isinstance(snapshot.get("design"), Mapping) else {}
    unit = str(design.get("measurement_unit") or "")
    return tuple(_with_unit(_label(key), unit) for key in columns), rows


def _materials(snapshot: Mapping, quantity: int) -> tuple[SheetMaterial, ...]:
    lines = []
    for line in snapshot.get("materials") or ():
        if not isinstance(line, Mapping):
            continue
        per_piece = as_decimal(line.get("planned_quantity"))
        planned = per_piece * Decimal(quantity) if per_piece is not None else None
        lines.append(
            SheetMaterial(
                name=str(line.get("name") or ""),
                sku=str(line.get("sku") or ""),
                unit=str(line.get("unit") or ""),
                per_piece=amount_text(per_piece) if per_piece is not None else "",
                planned=amount_text(planned) if planned is not None else "",
            )
        )
    return tuple(lines)


def _tasks(tasks: Iterable[TaskView]) -> tuple[SheetTask, ...]:
    return tuple(
        SheetTask(
            title=task.title,
            done=task.status in DONE,
            items=tuple(
                SheetItem(title=item.title, done=item.status in DONE) for item in task.subtasks
            ),
        )
        for task in tasks
        if task.status != "cancelled"
    )


def _files(snapshot: Mapping) -> tuple[SheetFile, ...]:
    return tuple(
        SheetFile(
            id=str(f.get("id") or ""), name=str(f.get("name") or ""), kind=str(f.get("kind") or "")
        )
        for f in snapshot.get("files") or ()
        if isinstance(f, Mapping) and f.get("id")
    )


def job_sheet(
    *, run: RunFacts, snapshot: Mapping[str, Any] | None, tasks: Iterable[TaskView]
) -> JobSheet:
    """The sheet of `run`, read from what its audience's read model gave."""
    snapshot = snapshot or {}
    design = snapshot.get("design") if isinstance(snapshot.get("design"), Mapping) else {}
    design_sizes, design_colors = axes(snapshot)
    cells = run.size_quantities
    run_sizes = tuple(dict.fromkeys(c.size for c in cells if c.size))
    sizes = tuple(s for s in design_sizes if s in run_sizes) + tuple(
        s for s in run_sizes if s not in design_sizes
    )
    columns, rows = _measurements(snapshot, sizes or design_sizes)
    colors = tuple(
        SheetColor(
            name=str(c.get("name") or ""),
            hex=swatch(c.get("hex_code")),
            notes=str(c.get("usage_notes") or ""),
        )
        for c in snapshot.get("colors") or ()
        if isinstance(c, Mapping) and c.get("name")
    )
    return JobSheet(
        run=run,
        design_name=str(design.get("name") or run.design.name),
        description=str(design.get("description") or ""),
        image_url=str(design.get("thumbnail_url") or run.design.thumbnail_url or ""),
        colors=colors,
        sizes=sizes or design_sizes,
        colors_of_matrix=design_colors,
        measurement_columns=columns,
        measurement_rows=rows,
        materials=_materials(snapshot, run.quantity),
        tasks=_tasks(tasks),
        files=_files(snapshot),
        notes=str(design.get("notes") or ""),
    )
