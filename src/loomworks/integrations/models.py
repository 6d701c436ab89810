"""Loomworks connected to other programs: API keys, outgoing webhooks, stores.

- `ApiKey`: a program's credential, shown once, stored as its SHA-256.
- `WebhookEndpoint` → `WebhookDelivery` (one event for one endpoint, the body
  frozen as sent) → `WebhookAttempt` (the delivery log: one row per try).
- `Store` (a Shopify or Medusa shop that sends us its orders) → `StoreOrder`
  (an order as the store sent it, keyed by the store's own id) → an
  `orders.Order` once every line maps to a design; `SkuMapping` says which
  design, size and colour a store SKU is; `UnknownSku` is the queue of SKUs
  an admin has yet to map.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField
from loomworks.core.sealed import SealedCharField

# ---------------------------------------------------------------- API keys


class ApiKey(models.Model):
    """A program's bearer credential, limited to its scopes (see `scopes.py`)."""

    PREFIX = "lwk_"

    id = PrefixedIdField(prefix="key")
    name = models.CharField(_("name"), max_length=200)
    # The first characters of the key, so a person can tell keys apart in a list.
    hint = models.CharField(max_length=20)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return str(self.name)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


# ---------------------------------------------------------------- webhooks


class WebhookEndpoint(models.Model):
    """A URL that receives the events it asked for, signed with its secret."""

    id = PrefixedIdField(prefix="wh")
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=500, blank=True)
    events = models.JSONField(default=list)
    # Needed in clear to sign each message; shown to a person once, when created.
    # Encrypted in the database (core.sealed).
    secret = SealedCharField(max_length=100)
    is_active = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)
    # Messages in a row that failed every attempt; a success sets it back to 0.
    failure_streak = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return str(self.url)


class WebhookDeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint. Its id is the message id (`webhook-id`) on every try.

    Deliveries about the same run (`aggregate_*`) go to an endpoint in the
    order of their events (`sequence`): the next is sent only when the one
    before it was delivered or failed for good.
    """

    id = PrefixedIdField(prefix="msg")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    event_name = models.CharField(max_length=100)
    aggregate_type = models.CharField(max_length=40, blank=True)
    aggregate_id = models.CharField(max_length=40, blank=True)
    sequence = models.BigIntegerField(default=0)
    body = models.TextField()
    state = models.CharField(
        max_length=10,
        choices=WebhookDeliveryState.choices,
        default=WebhookDeliveryState.PENDING,
    )
    # The outbox event whose delivery sends (and retries) this one now; empty
    # while it waits for its turn.
    sender_event_id = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    round_attempts = models.PositiveIntegerField(default=0)  # since created, replayed or re-enabled
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveIntegerField(null=True, blank=True)
    # The last try as the log has it, so a list of deliveries needs no second query.
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response_excerpt = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="one_webhook_delivery_per_event",
            )
        ]
        indexes = [
            models.Index(
                fields=["endpoint", "aggregate_type", "aggregate_id", "sequence"],
                name="webhook_delivery_chain",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent"),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event_name} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: the log an admin reads when an endpoint misbehaves."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    replay = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["delivery", "-attempted_at"])]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.response_code or self.error[:40]}"


# ---------------------------------------------------------------- stores


class StoreKind(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    MEDUSA = "medusa", "Medusa"


class Store(models.Model):
    id = PrefixedIdField(prefix="store")
    kind = models.CharField(_("kind"), max_length=20, choices=StoreKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # Shopify: the app's client secret it signs with. Medusa: the secret our
    # example subscriber signs with (a `whsec_` key, or any text). Encrypted in the
    # database (core.sealed); "" once the store is disconnected.
    secret = SealedCharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Disconnected: its webhooks are refused (404) and its secret forgotten; the orders
    # it sent stay, with their runs. A store is connected again as a new connection.
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("store")

    def __str__(self) -> str:
        return str(self.name)

    @property
    def is_connected(self) -> bool:
        return self.disconnected_at is None


class StoreOrderState(models.TextChoices):
    WAITING = "waiting", _("Waiting for SKU mappings")
    PLACED = "placed", _("Placed")
    CANCELLED = "cancelled", _("Cancelled")
    EMPTY = "empty", _("Nothing to make")


class StoreOrder(models.Model):
    """An order as a store sent it. Unique per store and store order id: a retry finds it."""

    id = PrefixedIdField(prefix="sord")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    store_order_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)  # what the shop calls it: "#1001"
    state = models.CharField(
        max_length=10, choices=StoreOrderState.choices, default=StoreOrderState.WAITING
    )
    # [{"line_id", "sku", "title", "quantity"}], as received.
    lines = models.JSONField(default=list)
    order = models.OneToOneField(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="store_order",
    )
    received_at = models.DateTimeField(default=timezone.now)
    placed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "store_order_id"], name="one_store_order_per_store_id"
            )
        ]
        indexes = [models.Index(fields=["store", "state"])]

    def __str__(self) -> str:
        return self.name or self.store_order_id


class SkuMapping(models.Model):
    """A store SKU is this design, in this size and colour; or, with `skip`, nothing we make."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sku_mappings")
    sku = models.CharField(_("SKU"), max_length=100)
    design = models.ForeignKey(
        "catalog.Design", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    size = models.CharField(_("size"), max_length=50, blank=True)
    color = models.CharField(_("colour"), max_length=100, blank=True)
    skip = models.BooleanField(_("not made by us"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="one_mapping_per_store_sku"),
            models.CheckConstraint(
                condition=Q(skip=True) | Q(design__isnull=False), name="mapping_has_a_design"
            ),
        ]

    def __str__(self) -> str:
        return str(self.sku)


class UnknownSku(models.Model):
    """A SKU an order brought in that maps to nothing yet; its orders wait for a mapping."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="unknown_skus")
    sku = models.CharField(max_length=100)
    title = models.CharField(max_length=300, blank=True)  # as the store names the item
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["first_seen_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="one_unknown_sku_per_store")
        ]

    def __str__(self) -> str:
        return str(self.sku)
