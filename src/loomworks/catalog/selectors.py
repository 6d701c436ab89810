"""Reads of the catalogue: designs, materials and products (task templates: `work.selectors`).

Lists prefetch what their serialisers show, so a page costs the same number
of queries whatever its length.
"""

from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from loomworks.catalog.models import Design, DesignMaterial, Material, Product, ProductVariant
from loomworks.core.errors import InvalidInput, NotFound


def _with_details(designs: QuerySet[Design]) -> QuerySet[Design]:
    return designs.prefetch_related(
        "specifications",
        "colors",
        "size_sets",
        Prefetch(
            "materials",
            queryset=DesignMaterial.objects.select_related("material").order_by("position", "id"),
        ),
    )


def json_number(value) -> float | int | None:
    """A Decimal as a JSON number: 2 stays 2, 1.5 stays 1.5."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def design_parts(design: Design) -> dict:
    """What a design is made of: specifications, colours, sizes and bill of materials.

    One shape for the admin API and for the snapshot a run keeps. Expects a
    design from `design_get`, `design_list` or `design_with_parts`, which load
    its parts (materials with their material) in a fixed number of queries.
    """
    materials = design.materials.all()
    return {
        "measurement_points": list(design.measurement_points or []),
        "specifications": [
            {
                "title": spec.title,
                "category": spec.category,
                "details": spec.details,
                "measurements": spec.measurements,
            }
            for spec in design.specifications.all()
        ],
        "colors": [
            {"name": color.name, "hex_code": color.hex_code, "usage_notes": color.usage_notes}
            for color in design.colors.all()
        ],
        "size_sets": [
            {"size_label": size.size_label, "measurements": size.measurements}
            for size in design.size_sets.all()
        ],
        "materials": [
            {
                "material_id": line.material_id,
                "sku": line.material.sku if line.material else "",
                "name": line.name or (line.material.name if line.material else ""),
                "planned_quantity": json_number(line.planned_quantity),
                "unit": line.unit or (line.material.unit if line.material else ""),
            }
            for line in materials
        ],
    }


def design_list(*, status: str | None = None, q: str | None = None) -> QuerySet[Design]:
    """Designs, newest first, with specifications, colours, sizes and materials."""
    designs = Design.objects.all()
    if status:
        designs = designs.filter(status=status)
    if q and q.strip():
        designs = designs.filter(name__icontains=q.strip())
    return _with_details(designs).order_by("-created_at", "-id")


def design_get(design_id: str) -> Design:
    design = _with_details(Design.objects.filter(pk=design_id)).first()
    if design is None:
        raise NotFound(_("No design with id %(id)s.") % {"id": design_id})
    return design


def design_get_or_none(design_id: str) -> Design | None:
    """The design with its parts loaded, or None (for pages that answer their own 404)."""
    return _with_details(Design.objects.filter(pk=design_id)).first()


def design_with_parts(design: Design) -> Design:
    """The design again, with everything `design_parts` reads loaded."""
    return _with_details(Design.objects.filter(pk=design.pk)).get()


def design_for_input(design_id: str, *, field: str) -> Design:
    """A design named in a request body: unknown is invalid input (422), not a 404."""
    design = Design.objects.filter(pk=design_id).first()
    if design is None:
        raise InvalidInput(field, _("Unknown design: %(id)s.") % {"id": design_id})
    return design


def material_for_input(material_id: str, *, field: str) -> Material:
    """A material named in a request body: unknown is invalid input (422)."""
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        raise InvalidInput(field, _("Unknown material: %(id)s.") % {"id": material_id})
    return material


def material_get(material_id: str) -> Material:
    material = Material.objects.filter(pk=material_id).first()
    if material is None:
        raise NotFound(_("No material with id %(id)s.") % {"id": material_id})
    return material


def material_list(*, q: str | None = None, archived: bool | None = None) -> QuerySet[Material]:
    """Materials by name; `archived` False leaves the archived ones out, True keeps only them."""
    materials = Material.objects.all()
    if archived is not None:
        materials = materials.filter(archived=archived)
    if q and q.strip():
        q = q.strip()
        materials = materials.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    return materials.order_by("name", "id")


def _with_variants(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.prefetch_related(
        Prefetch("variants", queryset=ProductVariant.objects.order_by("created_at", "id"))
    )


def product_list(*, q: str | None = None) -> QuerySet[Product]:
    products = _with_variants(Product.objects.all())
    if q and q.strip():
        q = q.strip()
        products = products.filter(Q(title__icontains=q) | Q(handle__icontains=q))
    return products.order_by("-created_at", "-id")


def product_get(product_id: str) -> Product:
    product = _with_variants(Product.objects.filter(pk=product_id)).first()
    if product is None:
        raise NotFound(_("No product with id %(id)s.") % {"id": product_id})
    return product
