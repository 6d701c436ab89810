"""Designs, materials and bills of materials from a spreadsheet (see `core.imports`).

- `materials`: one row per material, found by its SKU.
- `designs`: one row per design, found by its name; colours as "Navy #1F2A44|Ecru #F2EAD3",
  sizes as "XS|S|M|L". A size kept keeps its measurements, a colour kept its notes.
- `design-materials`: one row per bill-of-materials line, design name + material SKU +
  quantity per piece. The lines of a design in the file become its whole bill of materials.

The checks are the services' own rules (`catalog.services`), applied row by row
with every record looked up in one query per kind; the writes are the services.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loomworks.catalog import services
from loomworks.catalog.models import (
    Design,
    DesignColor,
    DesignMaterial,
    DesignSizeSet,
    DesignStatus,
    Material,
    MaterialUnit,
    MeasurementUnit,
    Priority,
)
from loomworks.core.actors import Actor
from loomworks.core.imports import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportKind,
    ImportPlan,
    PlannedRow,
    RowReader,
    duplicate_check,
    register,
)
from loomworks.core.limits import hex_colour_validator
from loomworks.core.tables import Table


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _changes(current: dict, values: dict) -> list[str]:
    return [key for key, value in values.items() if current.get(key) != value]


# ---------------------------------------------------------------- materials

MATERIAL_COLUMNS = ("sku", "name", "unit", "stock_on_hand", "unit_cost", "currency")


def _material_plan(table: Table, plan: ImportPlan) -> None:
    skus = {str(cells.get("sku", "")).strip() for _row, cells in table.rows}
    existing = {material.sku: material for material in Material.objects.filter(sku__in=skus)}
    seen: dict[str, int] = {}
    unit_changes: dict[str, PlannedRow] = {}
    for number, cells in table.rows:
        row = RowReader(number, cells, plan.errors)
        sku = row.text("sku", required=True, max_length=_max_length(Material, "sku"))
        if sku:
            duplicate_check(row, "sku", sku, seen)
        values = {
            "sku": sku,
            "name": row.text("name", required=True, max_length=_max_length(Material, "name")),
            "unit": row.choice("unit", MaterialUnit, required=True),
        }
        if row.has("stock_on_hand"):
            stock = row.number("stock_on_hand")
            values["stock_on_hand"] = (
                row.check("stock_on_hand", services._decimal, stock, "stock_on_hand")
                if stock is not None
                else None
            )
        if row.has("unit_cost") or row.has("currency"):
            material = existing.get(sku)
            cost = (
                row.number("unit_cost")
                if row.has("unit_cost")
                else (material.unit_cost if material else None)
            )
            currency = (
                row.text("currency")
                if row.has("currency")
                else (material.currency if material else "")
            )
            checked = row.check("unit_cost", services._unit_cost, cost, currency)
            if checked:
                values["unit_cost"], values["currency"] = checked
        if row.failed:
            continue
        material = existing.get(sku)
        if material is None:
            plan.rows.append(PlannedRow(number, sku, CREATE, values))
            continue
        current = {key: getattr(material, key) for key in values}
        changes = _changes(current, values)
        planned = PlannedRow(
            number,
            sku,
            UPDATE if changes else UNCHANGED,
            {"material_id": material.pk, **{key: values[key] for key in changes}},
            changes,
        )
        plan.rows.append(planned)
        if "unit" in changes:
            unit_changes[material.pk] = planned
    # A unit already counted in by a design cannot change (the service's rule, in one query).
    for material_id in (
        DesignMaterial.objects.filter(material_id__in=unit_changes)
        .values_list("material_id", flat=True)
        .distinct()
    ):
        planned = unit_changes[material_id]
        plan.rows.remove(planned)
        RowReader(planned.row, {}, plan.errors).error(
            "unit",
            _(
                "%(sku)s is already used by a design in its unit; make a new material for the other unit."
            )
            % {"sku": planned.key},
        )


def _material_write(planned: PlannedRow, actor: Actor) -> None:
    values = dict(planned.values)
    if planned.action == CREATE:
        services.material_create(actor=actor, **values)
        return
    material = Material.objects.get(pk=values.pop("material_id"))
    services.material_update(material=material, actor=actor, **values)


# ---------------------------------------------------------------- designs

DESIGN_COLUMNS = (
    "name",
    "description",
    "status",
    "priority",
    "tags",
    "target_date",
    "notes",
    "thumbnail_url",
    "measurement_unit",
    "colours",
    "sizes",
)


def _colours(row: RowReader) -> list[dict]:
    """ "Navy #1F2A44|Ecru #F2EAD3": each colour's name, then its hex code."""
    colours, seen = [], set()
    for item in row.items("colours"):
        name, _space, code = item.rpartition(" ")
        code = code.strip().upper()
        if not code.startswith("#"):
            code = "#" + code
        name = name.strip()
        try:
            hex_colour_validator(code)
        except ValidationError:
            row.error(
                "colours",
                _("Write each colour as its name and hex code, such as Navy #1F2A44: %(item)s")
                % {"item": item},
            )
            continue
        if not name or len(name) > _max_length(DesignColor, "name"):
            row.error(
                "colours", _("Give each colour a name before its code: %(item)s") % {"item": item}
            )
            continue
        if name.casefold() in seen:
            row.error("colours", _("The colour %(name)s is listed twice.") % {"name": name})
            continue
        seen.add(name.casefold())
        colours.append({"name": name, "hex_code": code})
    return colours


def _sizes(row: RowReader) -> list[str]:
    sizes, seen = [], set()
    for label in row.items("sizes"):
        if len(label) > _max_length(DesignSizeSet, "size_label"):
            row.error(
                "sizes",
                _("A size label is at most %(count)d characters: %(item)s")
                % {"count": _max_length(DesignSizeSet, "size_label"), "item": label},
            )
        elif label.casefold() in seen:
            row.error("sizes", _("The size %(name)s is listed twice.") % {"name": label})
        else:
            seen.add(label.casefold())
            sizes.append(label)
    return sizes


def _designs_by_name(names) -> dict[str, list[Design]]:
    found = defaultdict(list)
    for design in Design.objects.filter(name__in=names).prefetch_related("colors", "size_sets"):
        found[design.name].append(design)
    return found


def _design_plan(table: Table, plan: ImportPlan) -> None:
    existing = _designs_by_name({str(cells.get("name", "")).strip() for _n, cells in table.rows})
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = RowReader(number, cells, plan.errors)
        name = row.text("name", required=True, max_length=_max_length(Design, "name"))
        if name:
            duplicate_check(row, "name", name, seen)
        values: dict = {}
        if row.has("description"):
            values["description"] = row.text("description")
        for column, choices in (
            ("status", DesignStatus),
            ("priority", Priority),
            ("measurement_unit", MeasurementUnit),
        ):
            if row.has(column) and (chosen := row.choice(column, choices)):
                values[column] = chosen
        if row.has("tags"):
            values["tags"] = row.check("tags", services._tags, row.items("tags"))
        if row.has("target_date"):
            values["target_date"] = row.date("target_date")
        if row.has("notes"):
            values["notes"] = row.check("notes", services._notes, row.text("notes"))
        if row.has("thumbnail_url"):
            values["thumbnail_url"] = row.check(
                "thumbnail_url", services._thumbnail_url, row.text("thumbnail_url")
            )
        if row.has("colours"):
            values["colors"] = _colours(row)
        if row.has("sizes"):
            values["sizes"] = _sizes(row)
        matches = existing.get(name, [])
        if len(matches) > 1:
            row.error(
                "name",
                _("%(count)d designs are named %(name)s; rename all but one in the console first.")
                % {"count": len(matches), "name": name},
            )
        if row.failed:
            continue
        if not matches:
            plan.rows.append(PlannedRow(number, name, CREATE, {"name": name, **values}))
            continue
        design = matches[0]
        current = {key: getattr(design, key) for key in values if key not in ("colors", "sizes")}
        current["colors"] = [
            {"name": colour.name, "hex_code": colour.hex_code} for colour in design.colors.all()
        ]
        current["sizes"] = [size.size_label for size in design.size_sets.all()]
        changes = _changes(current, values)
        plan.rows.append(
            PlannedRow(
                number,
                name,
                UPDATE if changes else UNCHANGED,
                {"design_id": design.pk, **{key: values[key] for key in changes}},
                ["colours" if key == "colors" else key for key in changes],
            )
        )


def _design_write(planned: PlannedRow, actor: Actor) -> None:
    values = dict(planned.values)
    sizes = values.pop("sizes", None)
    if planned.action == CREATE:
        services.design_create(
            actor=actor,
            **values,
            size_sets=[{"size_label": label} for label in sizes or ()],
        )
        return
    design = Design.objects.get(pk=values.pop("design_id"))
    if "colors" in values:
        # A colour kept keeps where it is used.
        notes = {colour.name.casefold(): colour.usage_notes for colour in design.colors.all()}
        values["colors"] = [
            {**colour, "usage_notes": notes.get(colour["name"].casefold(), "")}
            for colour in values["colors"]
        ]
    if sizes is not None:
        # A size kept keeps its measurements.
        measurements = {size.size_label: size.measurements for size in design.size_sets.all()}
        values["size_sets"] = [
            {"size_label": label, "measurements": measurements.get(label, {})} for label in sizes
        ]
    services.design_update(design=design, actor=actor, **values)


# ---------------------------------------------------------------- bills of materials

DESIGN_MATERIAL_COLUMNS = ("design", "material_sku", "quantity", "unit")


def _design_material_plan(table: Table, plan: ImportPlan) -> None:
    names = {str(cells.get("design", "")).strip() for _n, cells in table.rows}
    skus = {str(cells.get("material_sku", "")).strip() for _n, cells in table.rows}
    designs = defaultdict(list)
    for design in Design.objects.filter(name__in=names).only("pk", "name"):
        designs[design.name].append(design)
    materials = {material.sku: material for material in Material.objects.filter(sku__in=skus)}
    current_lines = defaultdict(list)
    for line in DesignMaterial.objects.filter(design__name__in=names).order_by(
        "design_id", "position", "id"
    ):
        current_lines[line.design_id].append(line)
    planned_by_design: dict[str, PlannedRow] = {}
    seen: dict[str, int] = {}
    failed_designs = set()
    for number, cells in table.rows:
        row = RowReader(number, cells, plan.errors)
        name = row.text("design", required=True)
        sku = row.text("material_sku", required=True)
        quantity = row.number("quantity")
        if quantity is None and not row.failed:
            row.error("quantity", _("Give the quantity one piece needs, such as 1.5."))
        elif quantity is not None:
            quantity = row.check("quantity", services._decimal, quantity, "quantity")
        matches = designs.get(name, [])
        if name and not matches:
            row.error(
                "design",
                _("There is no design named %(name)s; import or add the design first.")
                % {"name": name},
            )
        elif len(matches) > 1:
            row.error(
                "design",
                _("%(count)d designs are named %(name)s; rename all but one in the console first.")
                % {"count": len(matches), "name": name},
            )
        material = materials.get(sku)
        if sku and material is None:
            row.error(
                "material_sku",
                _("There is no material with SKU %(sku)s; import or add it first.") % {"sku": sku},
            )
        if name and sku:
            duplicate_check(row, "material_sku", f"{name} / {sku}", seen)
        design = matches[0] if len(matches) == 1 else None
        if material is not None and design is not None:
            listed = {line.material_id for line in current_lines[design.pk]}
            if material.archived and material.pk not in listed:
                row.error(
                    "material_sku",
                    _("%(name)s is archived; choose a material in use.") % {"name": material.name},
                )
        if material is not None and row.has("unit"):
            unit = row.text("unit")
            if unit and unit != material.unit:
                row.error(
                    "unit",
                    _("%(name)s is counted in %(unit)s; give the quantity in %(unit)s.")
                    % {"name": material.name, "unit": material.unit},
                )
        if row.failed or design is None:
            failed_designs.add(name)
            continue
        planned = planned_by_design.get(design.pk)
        if planned is None:
            planned = PlannedRow(number, name, UPDATE, {"design_id": design.pk, "materials": []})
            planned_by_design[design.pk] = planned
            plan.rows.append(planned)
        planned.values["materials"].append(
            {"material_id": material.pk, "planned_quantity": quantity}
        )
    for planned in list(plan.rows):
        if planned.key in failed_designs:
            plan.rows.remove(planned)
            continue
        current = [
            {"material_id": line.material_id, "planned_quantity": line.planned_quantity}
            for line in current_lines[planned.values["design_id"]]
        ]
        if current == planned.values["materials"]:
            planned.action = UNCHANGED
        else:
            planned.changes = ["materials"]


def _design_material_write(planned: PlannedRow, actor: Actor) -> None:
    design = Design.objects.get(pk=planned.values["design_id"])
    services.design_update(design=design, actor=actor, materials=planned.values["materials"])


register(
    ImportKind(
        name="materials",
        label=lambda: _("Materials"),
        key_column="sku",
        columns=MATERIAL_COLUMNS,
        required=("sku", "name", "unit"),
        plan=_material_plan,
        write=_material_write,
    )
)
register(
    ImportKind(
        name="designs",
        label=lambda: _("Designs"),
        key_column="name",
        columns=DESIGN_COLUMNS,
        required=("name",),
        plan=_design_plan,
        write=_design_write,
    )
)
register(
    ImportKind(
        name="design-materials",
        label=lambda: _("Bills of materials"),
        key_column="design",
        columns=DESIGN_MATERIAL_COLUMNS,
        required=("design", "material_sku", "quantity"),
        plan=_design_material_plan,
        write=_design_material_write,
    )
)
