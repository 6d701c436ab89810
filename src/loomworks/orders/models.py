"""Orders as the store sent them, keyed by the store's own ids."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField
from loomworks.core.models import TimeStamped


class Order(TimeStamped):
    id = PrefixedIdField(prefix="ord")
    external_id = models.CharField(_("store order id"), max_length=200, unique=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Set once, by `order_cancel`; the order's runs not yet accepted are cancelled with it.
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_reason = models.TextField(_("cancellation reason"), blank=True)

    def __str__(self) -> str:
        return self.external_id


class OrderLine(models.Model):
    id = PrefixedIdField(prefix="line")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    external_id = models.CharField(_("store line id"), max_length=200, unique=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    # From a store's SKU mapping (loomworks.integrations): the design to make, in which
    # size and colour. A line with a design needs no product or variant.
    design = models.ForeignKey(
        "catalog.Design", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    size = models.CharField(_("size"), max_length=50, blank=True)
    color = models.CharField(_("colour"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return self.external_id
