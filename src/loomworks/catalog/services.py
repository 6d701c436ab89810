"""Every write to designs, materials and products."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

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
    Priority,
    Product,
    ProductVariant,
)
from loomworks.catalog.states import design_set_status
from loomworks.core.actors import Actor
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.limits import AMOUNT_STEP, MAX_AMOUNT, hex_colour_validator

DESIGN_FIELDS = (
    "name",
    "description",
    "priority",
    "thumbnail_url",
    "tags",
    "notes",
    "target_date",
    "moodboard",
)


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
                    measurements=spec.get("measurements") or {},
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
        rows = []
        for index, size in enumerate(size_sets):
            label = _require_text(
                size.get("size_label"), f"size_sets[{index}].size_label", _("A size needs a label.")
            )
            rows.append(
                DesignSizeSet(
                    design=design,
                    size_label=label,
                    measurements=size.get("measurements") or {},
                    position=index,
                )
            )
        DesignSizeSet.objects.bulk_create(rows)
    if materials is not None:
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
                    unit=(line.get("unit") or (material.unit if material else "")).strip(),
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
        thumbnail_url=thumbnail_url or "",
        tags=list(tags or []),
        notes=notes or "",
        target_date=target_date,
        moodboard=moodboard or {},
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
    return design


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
    for key, value in fields.items():
        setattr(design, key, value)
    if fields:
        design.save(update_fields=[*fields, "updated_at"])
    if status is not None:
        design_set_status(
            design, status, actor=actor, reason=_("changed by %(name)s") % {"name": actor.name}
        )
    _replace_children(design, **{key: value for key, value in nested.items() if value is not None})
    return design


@transaction.atomic
def material_create(*, sku: str, name: str, unit: str, stock_on_hand=None) -> Material:
    sku = _require_text(sku, "sku", _("A material needs a SKU."))
    name = _require_text(name, "name", _("A material needs a name."))
    unit = _require_text(unit, "unit", _("A material needs a unit, such as m or kg."))
    if Material.objects.filter(sku=sku).exists():
        raise Conflict(_("A material with SKU %(sku)s exists already.") % {"sku": sku})
    return Material.objects.create(
        sku=sku,
        name=name,
        unit=unit,
        stock_on_hand=_decimal(stock_on_hand, "stock_on_hand")
        if stock_on_hand is not None
        else None,
    )


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
