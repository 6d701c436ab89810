"""Order intake from the store (cancelling an order and its runs: production.services.orders)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loomworks.catalog.models import Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.limits import MAX_QUANTITY
from loomworks.events.api import EventName, publish
from loomworks.orders.models import Order, OrderLine


@dataclass
class PlaceResult:
    order: Order
    created: bool


def _validate_lines(lines: Sequence[dict]) -> list[dict]:
    if not lines:
        raise InvalidInput("lines", _("An order needs at least one line."))
    cleaned, seen = [], set()
    for index, line in enumerate(lines):
        prefix = f"lines[{index}]"
        external_id = (line.get("external_id") or "").strip()
        if not external_id:
            raise InvalidInput(f"{prefix}.external_id", _("Each line needs the store's line id."))
        if external_id in seen:
            raise InvalidInput(
                f"{prefix}.external_id", _("Two lines share the id %(id)s.") % {"id": external_id}
            )
        seen.add(external_id)
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise InvalidInput(
                f"{prefix}.quantity", _("The quantity must be a whole number above zero.")
            )
        if quantity > MAX_QUANTITY:
            raise InvalidInput(
                f"{prefix}.quantity",
                _("The quantity must be at most %(max)s.") % {"max": MAX_QUANTITY},
            )
        variant = None
        if line.get("variant_id"):
            variant = (
                ProductVariant.objects.select_related("product")
                .filter(pk=line["variant_id"])
                .first()
            )
            if variant is None:
                raise InvalidInput(
                    f"{prefix}.variant_id",
                    _("Unknown variant: %(id)s.") % {"id": line["variant_id"]},
                )
        elif line.get("sku"):
            variant = (
                ProductVariant.objects.select_related("product").filter(sku=line["sku"]).first()
            )
        product = None
        if line.get("product_id"):
            product = Product.objects.filter(pk=line["product_id"]).first()
            if product is None:
                raise InvalidInput(
                    f"{prefix}.product_id",
                    _("Unknown product: %(id)s.") % {"id": line["product_id"]},
                )
        if product is None and variant is not None:
            product = variant.product
        cleaned.append(
            {
                "external_id": external_id,
                "quantity": quantity,
                "variant": variant,
                "product": product,
                "sku": line.get("sku") or (variant.sku if variant else ""),
                # From a store's SKU mapping: what to make, when no variant says it.
                "design": line.get("design"),
                "size": line.get("size") or "",
                "color": line.get("color") or "",
            }
        )
    return cleaned


def order_place(*, external_id: str, lines: Sequence[dict], actor: Actor) -> PlaceResult:
    """Record a store order once; the same store id again returns the existing order.

    Emits `order.placed`, whose subscriber makes one run per line with a design.
    """
    external_id = (external_id or "").strip()
    if not external_id:
        raise InvalidInput("external_id", _("Give the store's order id."))
    existing = Order.objects.filter(external_id=external_id).first()
    if existing:
        return PlaceResult(order=existing, created=False)
    cleaned = _validate_lines(lines)
    taken = (
        OrderLine.objects.select_related("order")
        .filter(external_id__in=[line["external_id"] for line in cleaned])
        .first()
    )
    if taken and taken.order.external_id == external_id:
        # A retry of this very order, recorded by another request between the
        # first look and this one: the same answer as if it had come later.
        return PlaceResult(order=taken.order, created=False)
    if taken:
        raise Conflict(
            _("The order line %(line)s belongs to order %(order)s already.")
            % {"line": taken.external_id, "order": taken.order.external_id}
        )
    try:
        with transaction.atomic():
            order = Order.objects.create(external_id=external_id)
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        external_id=line["external_id"],
                        product=line["product"],
                        variant=line["variant"],
                        sku=line["sku"],
                        design=line["design"],
                        size=line["size"],
                        color=line["color"],
                        quantity=line["quantity"],
                        position=index,
                    )
                    for index, line in enumerate(cleaned)
                ]
            )
            audit_record(
                actor=actor,
                action="order.placed",
                target_type="order",
                target_id=order.pk,
                details={"external_id": order.external_id, "lines": len(cleaned)},
            )
            publish(
                EventName.ORDER_PLACED,
                {
                    "order_id": order.pk,
                    "external_id": order.external_id,
                    "actor": actor.as_payload(),
                },
                aggregate_type="order",
                aggregate_id=order.pk,
            )
    except IntegrityError:
        # Another request recorded the same store order a moment ago.
        existing = Order.objects.filter(external_id=external_id).first()
        if existing:
            return PlaceResult(order=existing, created=False)
        raise Conflict(_("One of these order lines was recorded already.")) from None
    return PlaceResult(order=order, created=True)
