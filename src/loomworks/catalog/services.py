"""Every write to designs, materials and products."""

import json
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loomworks.catalog.models import (
    Design,
    DesignColor,
    DesignMaterial,
    DesignSizeSet,
    DesignSpecification,
    DesignStatus,
    Material,
    MaterialUnit,
    MeasurementUnit,
    Priority,
    Product,
    ProductVariant,
)
from loomworks.catalog.selectors import design_parts, design_with_parts
from loomworks.catalog.states import design_set_status
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.limits import (
    AMOUNT_STEP,
    MAX_AMOUNT,
    MAX_UNIT_COST,
    UNIT_COST_STEP,
    hex_colour_validator,
    is_currency,
)

DESIGN_FIELDS = (
    "name",
    "description",
    "priority",
    "thumbnail_url",
    "tags",
    "notes",
    "target_date",
    "moodboard",
    "measurement_unit",
)


# What a design may hold, whoever writes it (the API, the console, the demo):
# far above real designs, far below what would make every page that shows
# the design, and every run snapshot that copies it, heavy.
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
MAX_NOTES_LENGTH = 10_000
MAX_MEASUREMENT_ENTRIES = 200
MAX_MEASUREMENT_KEY_LENGTH = 100
MAX_MEASUREMENT_TEXT_LENGTH = 500
MAX_MEASUREMENTS_BYTES = 20_000


def _thumbnail_url(value) -> str:
    """A picture on the web (http or https), or a path on this site ("/static/…").

    It lands in an <img src> on every page: no `javascript:`, `data:` or other
    schemes, no protocol-relative `//host` address.
    """
    url = (value or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    on_this_site = url.startswith("/") and url[1:2] not in ("/", "\\") and not parts.netloc
    on_the_web = parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    if not (on_this_site or on_the_web) or any(char.isspace() or ord(char) < 32 for char in url):
        raise InvalidInput(
            "thumbnail_url",
            _("Give the address of a picture on the web, starting with https:// or http://."),
        )
    return url


def _tags(value, field: str = "tags") -> list[str]:
    tags = list(value or [])
    if len(tags) > MAX_TAGS:
        raise InvalidInput(field, _("Give at most %(count)d tags.") % {"count": MAX_TAGS})
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"{field}[{index}]",
                _("A tag is text of at most %(count)d characters.") % {"count": MAX_TAG_LENGTH},
            )
    return tags


def _notes(value, field: str = "notes") -> str:
    notes = value or ""
    if len(notes) > MAX_NOTES_LENGTH:
        raise InvalidInput(
            field, _("Keep it under %(count)d characters.") % {"count": MAX_NOTES_LENGTH}
        )
    return notes


def _measurements(value, field: str) -> dict:
    """Measurements as {name: value}: short names, short values, a bounded whole."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(field, _("Give measurements as an object of names and values."))
    entries = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                entries += 1
                if len(str(key)) > MAX_MEASUREMENT_KEY_LENGTH:
                    raise InvalidInput(
                        field,
                        _("A measurement's name has at most %(count)d characters.")
                        % {"count": MAX_MEASUREMENT_KEY_LENGTH},
                    )
                pending.append(inner)
        elif isinstance(item, list):
            entries += len(item)
            pending.extend(item)
        elif isinstance(item, str) and len(item) > MAX_MEASUREMENT_TEXT_LENGTH:
            raise InvalidInput(
                field,
                _("A measurement's value has at most %(count)d characters.")
                % {"count": MAX_MEASUREMENT_TEXT_LENGTH},
            )
        if entries > MAX_MEASUREMENT_ENTRIES:
            raise InvalidInput(
                field,
                _("Give at most %(count)d measurements.") % {"count": MAX_MEASUREMENT_ENTRIES},
            )
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_MEASUREMENTS_BYTES:
        raise InvalidInput(
            field,
            _("These measurements are too long; keep them under %(count)d KB.")
            % {"count": MAX_MEASUREMENTS_BYTES // 1000},
        )
    return value


def _require_text(value, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field, message)
    return value


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(field, _("Give a number.")) from None
    if not number.is_finite() or number < 0 or number >= MAX_AMOUNT:
        raise InvalidInput(field, _("Give a number of zero or more."))
    return number.quantize(AMOUNT_STEP)


def _replace_children(
    design: Design, *, specifications=None, colors=None, size_sets=None, materials=None
):
    if specifications is not None:
        design.specifications.all().delete()
        rows = []
        for index, spec in enumerate(specifications):
            title = _require_text(
                spec.get("title"),
                f"specifications[{index}].title",
                _("A specification needs a title."),
            )
            rows.append(
                DesignSpecification(
                    design=design,
                    title=title,
                    category=spec.get("category") or "",
                    details=spec.get("details") or "",
                    measurements=_measurements(
                        spec.get("measurements"), f"specifications[{index}].measurements"
                    ),
                    position=index,
                )
            )
        DesignSpecification.objects.bulk_create(rows)
    if colors is not None:
        design.colors.all().delete()
        rows = []
        for index, color in enumerate(colors):
            name = _require_text(
                color.get("name"), f"colors[{index}].name", _("A colour needs a name.")
            )
            hex_code = (color.get("hex_code") or "").strip()
            try:
                hex_colour_validator(hex_code)
            except ValidationError:
                raise InvalidInput(
                    f"colors[{index}].hex_code", _("Use a colour like #1A2B3C.")
                ) from None
            rows.append(
                DesignColor(
                    design=design,
                    name=name,
                    hex_code=hex_code.upper(),
                    usage_notes=color.get("usage_notes") or "",
                    position=index,
                )
            )
        DesignColor.objects.bulk_create(rows)
    if size_sets is not None:
        design.size_sets.all().delete()
        points: list[str] = []
        for size in size_sets:
            measurements = size.get("measurements") if isinstance(size, dict) else None
            for key in measurements if isinstance(measurements, dict) else ():
                if str(key) not in points:
                    points.append(str(key))
        design.measurement_points = points
        Design.objects.filter(pk=design.pk).update(measurement_points=points)
        rows = []
        for index, size in enumerate(size_sets):
            label = _require_text(
                size.get("size_label"), f"size_sets[{index}].size_label", _("A size needs a label.")
            )
            rows.append(
                DesignSizeSet(
                    design=design,
                    size_label=label,
                    measurements=_measurements(
                        size.get("measurements"), f"size_sets[{index}].measurements"
                    ),
                    position=index,
                )
            )
        DesignSizeSet.objects.bulk_create(rows)
    if materials is not None:
        listed_before = set(
            design.materials.filter(material__isnull=False).values_list("material_id", flat=True)
        )
        design.materials.all().delete()
        rows = []
        for index, line in enumerate(materials):
            material = None
            if line.get("material_id"):
                material = Material.objects.filter(pk=line["material_id"]).first()
                if material is None:
                    raise InvalidInput(
                        f"materials[{index}].material_id",
                        _("Unknown material: %(id)s.") % {"id": line["material_id"]},
                    )
                if material.archived and material.pk not in listed_before:
                    raise InvalidInput(
                        f"materials[{index}].material_id",
                        _("%(name)s is archived; choose a material in use.")
                        % {"name": material.name},
                    )
                given_unit = (line.get("unit") or "").strip()
                if given_unit and given_unit != material.unit:
                    raise InvalidInput(
                        f"materials[{index}].unit",
                        _("%(name)s is counted in %(unit)s; give the quantity in %(unit)s.")
                        % {"name": material.name, "unit": material.unit},
                    )
            name = (line.get("name") or (material.name if material else "")).strip()
            if not name:
                raise InvalidInput(f"materials[{index}].name", _("Give a material id or a name."))
            rows.append(
                DesignMaterial(
                    design=design,
                    material=material,
                    name=name,
                    planned_quantity=_decimal(
                        line.get("planned_quantity") or 0, f"materials[{index}].planned_quantity"
                    ),
                    unit=material.unit if material else (line.get("unit") or "").strip(),
                    position=index,
                )
            )
        DesignMaterial.objects.bulk_create(rows)


@transaction.atomic
def design_create(
    *,
    name: str,
    actor: Actor,
    description: str = "",
    status: str | None = None,
    priority: str | None = None,
    thumbnail_url: str = "",
    tags: Sequence[str] = (),
    notes: str = "",
    target_date=None,
    moodboard: dict | None = None,
    measurement_unit: str | None = None,
    specifications: Sequence[dict] = (),
    colors: Sequence[dict] = (),
    size_sets: Sequence[dict] = (),
    materials: Sequence[dict] = (),
) -> Design:
    name = _require_text(name, "name", _("A design needs a name."))
    if status is not None and status not in DesignStatus.values:
        raise InvalidInput("status", _("Unknown design status: %(status)s.") % {"status": status})
    if priority is not None and priority not in Priority.values:
        raise InvalidInput("priority", _("Priority is low, medium, high or urgent."))
    design = Design.objects.create(
        name=name,
        description=description or "",
        priority=priority or Priority.MEDIUM,
        thumbnail_url=_thumbnail_url(thumbnail_url),
        tags=_tags(tags),
        notes=_notes(notes),
        target_date=target_date,
        moodboard=moodboard or {},
        measurement_unit=_measurement_unit(measurement_unit or MeasurementUnit.CENTIMETRE),
    )
    if status and status != DesignStatus.CONCEPTUAL:
        design_set_status(design, status, actor=actor, reason=_("set when the design was created"))
    _replace_children(
        design,
        specifications=specifications,
        colors=colors,
        size_sets=size_sets,
        materials=materials,
    )
    audit_record(
        actor=actor,
        action="design.created",
        target_type="design",
        target_id=design.pk,
        details={"name": design.name},
    )
    return design


def _measurement_unit(value) -> str:
    if value not in MeasurementUnit.values:
        raise InvalidInput(
            "measurement_unit",
            _("Choose one of the units: %(units)s.") % {"units": ", ".join(MeasurementUnit.values)},
        )
    return value


def _parts_of(design: Design) -> dict:
    """What a design is made of, as comparable lists (for the audit row of an edit)."""
    return design_parts(design_with_parts(design))


@transaction.atomic
def design_update(*, design: Design, actor: Actor, **fields) -> Design:
    """Change a design. Nested lists, when given, replace the existing rows."""
    nested = {
        key: fields.pop(key)
        for key in ("specifications", "colors", "size_sets", "materials")
        if key in fields
    }
    status = fields.pop("status", None)
    unknown = set(fields) - set(DESIGN_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    if "name" in fields:
        fields["name"] = _require_text(fields["name"], "name", _("A design needs a name."))
    if "priority" in fields and fields["priority"] not in Priority.values:
        raise InvalidInput("priority", _("Priority is low, medium, high or urgent."))
    for key in ("description", "thumbnail_url", "notes"):
        if key in fields and fields[key] is None:
            fields[key] = ""
    if "thumbnail_url" in fields:
        fields["thumbnail_url"] = _thumbnail_url(fields["thumbnail_url"])
    if "tags" in fields:
        fields["tags"] = _tags(fields["tags"])
    if "notes" in fields:
        fields["notes"] = _notes(fields["notes"])
    if "measurement_unit" in fields:
        fields["measurement_unit"] = _measurement_unit(fields["measurement_unit"])
    design = Design.objects.select_for_update().get(pk=design.pk)
    changed = {
        key: [_plain_field(getattr(design, key)), _plain_field(value)]
        for key, value in fields.items()
        if getattr(design, key) != value
    }
    nested = {key: value for key, value in nested.items() if value is not None}
    parts_before = _parts_of(design) if nested else {}
    for key in changed:
        setattr(design, key, fields[key])
    design.save(update_fields=[*changed, "updated_at"])
    if status is not None and status != design.status:
        changed["status"] = [design.status, status]
        design_set_status(
            design, status, actor=actor, reason=_("changed by %(name)s") % {"name": actor.name}
        )
    _replace_children(design, **nested)
    if nested:
        parts_after = _parts_of(design)
        changed.update(
            {
                key: {"before": parts_before[key], "after": parts_after[key]}
                for key in nested
                if parts_before[key] != parts_after[key]
            }
        )
    if changed:
        audit_record(
            actor=actor,
            action="design.updated",
            target_type="design",
            target_id=design.pk,
            details={"name": design.name, "changed": changed},
        )
    return design


def _plain_field(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _unit(value) -> str:
    if value not in MaterialUnit.values:
        raise InvalidInput(
            "unit",
            _("Choose one of the units: %(units)s.") % {"units": ", ".join(MaterialUnit.values)},
        )
    return value


def _unit_cost(unit_cost, currency) -> tuple[Decimal | None, str]:
    """A cost and its currency: both or neither (a cost without a currency means nothing)."""
    currency = (currency or "").strip().upper()
    if unit_cost is None or unit_cost == "":
        if currency and not is_currency(currency):
            raise InvalidInput("currency", _("Use a three-letter currency code, such as EUR."))
        return None, currency
    try:
        cost = Decimal(str(unit_cost))
    except (InvalidOperation, ValueError):
        raise InvalidInput("unit_cost", _("Give the cost as a number, such as 12.50.")) from None
    if not cost.is_finite() or cost < 0 or cost >= MAX_UNIT_COST:
        raise InvalidInput("unit_cost", _("Give a cost of zero or more."))
    if cost != cost.quantize(UNIT_COST_STEP):
        raise InvalidInput("unit_cost", _("Give the cost with at most four decimals."))
    if not currency:
        raise InvalidInput("currency", _("Give the cost's currency, such as EUR."))
    if not is_currency(currency):
        raise InvalidInput(
            "currency", _("%(code)s is not an ISO 4217 currency code.") % {"code": currency}
        )
    return cost.quantize(UNIT_COST_STEP), currency


def _material_audit(material: Material, *, actor: Actor, action: str, changed: dict) -> None:
    audit_record(
        actor=actor,
        action=action,
        target_type="material",
        target_id=material.pk,
        details={"sku": material.sku, "changed": changed},
    )


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


@transaction.atomic
def material_create(
    *,
    sku: str,
    name: str,
    unit: str,
    actor: Actor,
    stock_on_hand=None,
    unit_cost=None,
    currency: str = "",
) -> Material:
    """A material in one unit (`MaterialUnit`), with what a unit costs and in which currency."""
    sku = _require_text(sku, "sku", _("A material needs a SKU."))
    name = _require_text(name, "name", _("A material needs a name."))
    unit = _unit(unit)
    stock = _decimal(stock_on_hand, "stock_on_hand") if stock_on_hand not in (None, "") else None
    cost, currency = _unit_cost(unit_cost, currency)
    if Material.objects.filter(sku=sku).exists():
        raise Conflict(_("A material with SKU %(sku)s exists already.") % {"sku": sku})
    material = Material.objects.create(
        sku=sku, name=name, unit=unit, stock_on_hand=stock, unit_cost=cost, currency=currency
    )
    _material_audit(
        material,
        actor=actor,
        action="material.created",
        changed={
            "name": name,
            "unit": unit,
            "stock_on_hand": _plain(stock),
            "unit_cost": _plain(cost),
            "currency": currency,
        },
    )
    return material


MATERIAL_FIELDS = ("sku", "name", "unit", "stock_on_hand", "unit_cost", "currency", "archived")


@transaction.atomic
def material_update(*, material: Material, actor: Actor, **fields) -> Material:
    """Change a material; only the fields given change. Its unit may change while no
    design lists it and nothing was logged in it yet: after that, amounts already
    written in the old unit would silently mean another amount."""
    unknown = set(fields) - set(MATERIAL_FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("This field cannot be changed."))
    material = Material.objects.select_for_update().get(pk=material.pk)
    values: dict = {}
    if "sku" in fields:
        values["sku"] = _require_text(fields["sku"], "sku", _("A material needs a SKU."))
        if Material.objects.filter(sku=values["sku"]).exclude(pk=material.pk).exists():
            raise Conflict(
                _("A material with SKU %(sku)s exists already.") % {"sku": values["sku"]}
            )
    if "name" in fields:
        values["name"] = _require_text(fields["name"], "name", _("A material needs a name."))
    if "unit" in fields:
        values["unit"] = _unit(fields["unit"])
    if "stock_on_hand" in fields:
        stock = fields["stock_on_hand"]
        values["stock_on_hand"] = (
            _decimal(stock, "stock_on_hand") if stock not in (None, "") else None
        )
    if "unit_cost" in fields or "currency" in fields:
        cost, currency = _unit_cost(
            fields.get("unit_cost", material.unit_cost), fields.get("currency", material.currency)
        )
        values["unit_cost"], values["currency"] = cost, currency
    if "archived" in fields:
        if not isinstance(fields["archived"], bool):
            raise InvalidInput("archived", _("Archived is true or false."))
        values["archived"] = fields["archived"]
    changed = {
        key: [_plain(getattr(material, key)), _plain(value)]
        for key, value in values.items()
        if getattr(material, key) != value
    }
    if not changed:
        return material
    if "unit" in changed and material_unit_in_use(material):
        raise Conflict(
            _(
                "%(name)s is already used in %(unit)s (by a design or in logged use); "
                "make a new material for the other unit."
            )
            % {"name": material.name, "unit": material.unit}
        )
    for key in changed:
        setattr(material, key, values[key])
    material.save(update_fields=[*changed, "updated_at"])
    action = "material.updated"
    if set(changed) == {"archived"}:
        action = "material.archived" if material.archived else "material.restored"
    _material_audit(material, actor=actor, action=action, changed=changed)
    return material


def material_unit_in_use(material: Material) -> bool:
    """Whether amounts are written in this material's unit: a design's bill of materials
    lists it, or (told by the apps above the catalogue) something was logged in it."""
    if DesignMaterial.objects.filter(material=material).exists():
        return True
    return any(check(material) for check in UNIT_IN_USE_CHECKS)


# Apps above the catalogue (production's consumption logs) add a check here at start-up:
# the catalogue may not import them.
UNIT_IN_USE_CHECKS: list = []


def _design_or_invalid(design_id: str | None, field: str) -> Design | None:
    if not design_id:
        return None
    design = Design.objects.filter(pk=design_id).first()
    if design is None:
        raise InvalidInput(field, _("Unknown design: %(id)s.") % {"id": design_id})
    return design


@transaction.atomic
def product_create(
    *,
    title: str,
    handle: str | None = None,
    design_id: str | None = None,
    variants: Sequence[dict] = (),
) -> Product:
    title = _require_text(title, "title", _("A product needs a title."))
    handle = slugify(handle or title)
    if not handle:
        raise InvalidInput("handle", _("Give the product a handle made of letters and digits."))
    design = _design_or_invalid(design_id, "design_id")
    if Product.objects.filter(handle=handle).exists():
        raise Conflict(_("A product with handle %(handle)s exists already.") % {"handle": handle})
    product = Product.objects.create(title=title, handle=handle, design=design)
    seen = set()
    for index, variant in enumerate(variants):
        sku = _require_text(
            variant.get("sku"), f"variants[{index}].sku", _("A variant needs a SKU.")
        )
        if sku in seen or ProductVariant.objects.filter(sku=sku).exists():
            raise Conflict(_("A variant with SKU %(sku)s exists already.") % {"sku": sku})
        seen.add(sku)
        try:
            with transaction.atomic():
                ProductVariant.objects.create(
                    product=product,
                    sku=sku,
                    title=variant.get("title") or "",
                    design=_design_or_invalid(
                        variant.get("design_id"), f"variants[{index}].design_id"
                    ),
                )
        except IntegrityError:
            raise Conflict(_("A variant with SKU %(sku)s exists already.") % {"sku": sku}) from None
    return product
