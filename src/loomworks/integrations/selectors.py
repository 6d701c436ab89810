"""Reads for the API and the console: keys, endpoints and their deliveries, stores.

Each list is one query for its rows (and one for its count): what a row
shows is on the row or joined to it, never looked up row by row.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from loomworks.core.errors import NotFound
from loomworks.integrations.models import (
    ApiKey,
    SkuMapping,
    Store,
    StoreOrder,
    StoreOrderState,
    UnknownSku,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from loomworks.orders.models import Order


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("revoked_at", "-created_at", "id")


def api_key_get(key_id: str) -> ApiKey:
    key = ApiKey.objects.filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("No API key with id %(id)s.") % {"id": key_id})
    return key


def webhook_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.order_by("-created_at", "id")


def webhook_get(webhook_id: str) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=webhook_id).first()
    if endpoint is None:
        raise NotFound(_("No webhook endpoint with id %(id)s.") % {"id": webhook_id})
    return endpoint


def delivery_list(endpoint: WebhookEndpoint, *, state: str | None = None) -> QuerySet:
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).defer("body")
    if state:
        deliveries = deliveries.filter(state=state)
    return deliveries.order_by("-created_at", "-id")


def delivery_get(endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .prefetch_related(
            Prefetch(
                "attempt_log", queryset=WebhookAttempt.objects.order_by("-attempted_at", "-id")
            )
        )
        .filter(endpoint=endpoint, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound(_("No delivery with id %(id)s for this endpoint.") % {"id": delivery_id})
    return delivery


def _count(queryset: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by().values("store_id").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def store_list() -> QuerySet[Store]:
    """Stores with how many SKUs wait for a mapping and how many orders wait for them."""
    return Store.objects.annotate(
        unknown_count=_count(
            UnknownSku.objects.filter(store_id=OuterRef("pk"), resolved_at__isnull=True)
        ),
        waiting_count=_count(
            StoreOrder.objects.filter(store_id=OuterRef("pk"), state=StoreOrderState.WAITING)
        ),
    ).order_by("name", "id")


def store_get(store_id: str) -> Store:
    store = store_list().filter(pk=store_id).first()
    if store is None:
        raise NotFound(_("No store with id %(id)s.") % {"id": store_id})
    return store


def sku_mapping_list(store: Store) -> QuerySet[SkuMapping]:
    return SkuMapping.objects.filter(store=store).select_related("design").order_by("sku", "id")


def unknown_sku_queue(store: Store) -> QuerySet[UnknownSku]:
    return UnknownSku.objects.filter(store=store, resolved_at__isnull=True).order_by(
        "first_seen_at", "id"
    )


def store_order_list(store: Store, *, state: str | None = None) -> QuerySet[StoreOrder]:
    store_orders = StoreOrder.objects.filter(store=store)
    if state:
        store_orders = store_orders.filter(state=state)
    return store_orders.order_by("-received_at", "-id")


def order_get(order_id: str) -> Order | None:
    return Order.objects.prefetch_related("lines").filter(pk=order_id).first()


def order_list(*, q: str = "", cancelled: bool | None = None) -> QuerySet[Order]:
    """Orders newest first, with their store order (when a store sent them) and run count."""
    orders = Order.objects.select_related("store_order__store").annotate(run_count=Count("runs"))
    if q:
        orders = orders.filter(Q(external_id__icontains=q) | Q(store_order__name__icontains=q))
    if cancelled is not None:
        orders = orders.filter(cancelled_at__isnull=not cancelled)
    return orders.order_by("-created_at", "-id")
