"""What a run keeps of its design: the snapshot taken when the run is made.

Later edits to the design leave a run's snapshot as it was, so a partner
always works from what it was asked to make.
"""

from django.utils import timezone

from loomworks.catalog.models import Design, Product, ProductVariant
from loomworks.catalog.selectors import design_parts, design_with_parts
from loomworks.orders.models import Order, OrderLine


def design_snapshot(
    design: Design,
    *,
    order: Order | None = None,
    order_line: OrderLine | None = None,
    product: Product | None = None,
    variant: ProductVariant | None = None,
) -> dict:
    """What the partner is asked to make, frozen when the run is created."""
    return {
        "taken_at": timezone.now().isoformat(),
        "design": {
            "id": design.pk,
            "name": design.name,
            "description": design.description,
            "status": design.status,
            "priority": design.priority,
            "thumbnail_url": design.thumbnail_url,
            "tags": design.tags,
            "notes": design.notes,
            "target_date": design.target_date.isoformat() if design.target_date else None,
            "measurement_unit": design.measurement_unit,
        },
        **design_parts(design_with_parts(design)),
        "provenance": {
            "order_id": order.pk if order else None,
            "order_external_id": order.external_id if order else None,
            "order_line_id": order_line.pk if order_line else None,
            "order_line_external_id": order_line.external_id if order_line else None,
            "product_id": product.pk if product else None,
            "product_title": product.title if product else None,
            "variant_id": variant.pk if variant else None,
            "variant_sku": variant.sku if variant else None,
            "sku": order_line.sku if order_line else None,
            "size": order_line.size if order_line else None,
            "color": order_line.color if order_line else None,
        },
    }
