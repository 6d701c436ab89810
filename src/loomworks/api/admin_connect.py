"""`/api/admin`: API keys, webhook endpoints and their deliveries, store connections and
SKU mappings, and cancelling an order. Each handler checks its input, calls one service
or selector, and renders; the shapes sit beside the routes that use them.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from loomworks.api.admin_catalog import order_out
from loomworks.api.admin_schemas import (
    BODY_ERRORS,
    AdminListing,
    AdminOrderOut,
    AdminPage,
    Id,
    Input,
    PathId,
    Strict,
    paginate,
    required,
    responses,
    text,
)
from loomworks.api.schemas import Out
from loomworks.core.errors import NotFound
from loomworks.integrations import keys, selectors, stores, webhooks
from loomworks.integrations.events import WEBHOOK_EVENTS
from loomworks.integrations.models import WebhookDeliveryState
from loomworks.integrations.scopes import SCOPES
from loomworks.production.services import orders as order_cancellation

router = Router(tags=["admin: connections"])

EventName = text(100)


# ---------------------------------------------------------------- API keys


class ApiKeyIn(Input):
    name: required(200)
    scopes: list[text(40)] = Field(min_length=1, max_length=len(SCOPES))


class ApiKeyOut(Out):
    id: str
    name: str
    hint: str = Field(description="the key's first characters, to tell keys apart")
    scopes: list[str]
    active: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(Out):
    api_key: ApiKeyOut
    key: str = Field(description="the key itself; shown this once, never again")


class ApiKeyList(AdminListing):
    api_keys: list[ApiKeyOut]


class ScopeOut(Out):
    name: str
    description: str


class ScopeList(Out):
    scopes: list[ScopeOut]


def api_key_out(key) -> dict:
    return {
        "id": key.pk,
        "name": key.name,
        "hint": key.hint,
        "scopes": key.scopes,
        "active": key.is_active,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


@router.get("/api-key-scopes", response=responses({200: ScopeList}))
def api_key_scopes(request: HttpRequest):
    """The scopes a key can have, each with what it opens."""
    return {"scopes": [{"name": n, "description": str(d)} for n, d in SCOPES.items()]}


@router.post("/api-keys", response=responses({201: ApiKeyCreated}, *BODY_ERRORS))
def api_key_create(request: HttpRequest, payload: ApiKeyIn):
    """A key for a program: send it as `Authorization: Bearer <key>`. The key is in this
    answer only; Loomworks keeps its hash."""
    key, raw = keys.api_key_create(name=payload.name, scopes=payload.scopes, actor=request.actor)
    return Status(201, {"api_key": api_key_out(key), "key": raw})


@router.get("/api-keys", response=responses({200: ApiKeyList}, 422))
def api_key_list(request: HttpRequest, filters: Query[AdminPage]):
    return paginate(selectors.api_key_list(), filters, "api_keys", api_key_out)


@router.delete("/api-keys/{key_id}", response=responses({204: None}, 404))
def api_key_revoke(request: HttpRequest, key_id: PathId):
    """Revoke the key: any call with it answers 401 from now on."""
    keys.api_key_revoke(key=selectors.api_key_get(key_id), actor=request.actor)
    return Status(204, None)


# ---------------------------------------------------------------- webhooks


class WebhookIn(Input):
    url: required(2000)
    events: list[EventName] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))
    description: text(500) = ""


class WebhookPatch(Strict):
    """Only the fields sent change. `enabled: true` sends what waited while it was off."""

    url: required(2000) = None
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(WEBHOOK_EVENTS))
    description: text(500) | None = None
    enabled: bool | None = None


class WebhookOut(Out):
    id: str
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str
    failure_streak: int
    created_at: datetime


class WebhookCreated(Out):
    webhook: WebhookOut
    secret: str = Field(description="`whsec_…`: verify our signatures with it; shown this once")


class WebhookEnvelope(Out):
    webhook: WebhookOut


class WebhookList(AdminListing):
    webhooks: list[WebhookOut]


class WebhookEventOut(Out):
    name: str
    description: str


class WebhookEventList(Out):
    events: list[WebhookEventOut]


class WebhookAttemptOut(Out):
    attempted_at: datetime
    succeeded: bool
    response_code: int | None
    duration_ms: int
    response_excerpt: str
    error: str
    replay: bool


class WebhookDeliveryOut(Out):
    id: str = Field(description="the message id, sent as `webhook-id` on every try")
    event_id: str | None
    event_type: str
    run_id: str | None
    state: str
    attempts: int
    last_attempt_at: datetime | None
    response_code: int | None
    duration_ms: int | None
    response_excerpt: str
    error: str
    delivered_at: datetime | None
    created_at: datetime


class WebhookDeliveryDetail(WebhookDeliveryOut):
    body: str
    log: list[WebhookAttemptOut]


class WebhookDeliveryEnvelope(Out):
    delivery: WebhookDeliveryDetail


class WebhookDeliveryList(AdminListing):
    deliveries: list[WebhookDeliveryOut]


class DeliveryFilters(AdminPage):
    state: WebhookDeliveryState | None = None


def webhook_out(endpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "enabled": endpoint.is_active,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "failure_streak": endpoint.failure_streak,
        "created_at": endpoint.created_at,
    }


def delivery_out(delivery) -> dict:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_id,
        "event_type": delivery.event_name,
        "run_id": delivery.aggregate_id if delivery.aggregate_type == "production_run" else None,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_attempt_at": delivery.last_attempt_at,
        "response_code": delivery.last_response_code,
        "duration_ms": delivery.last_duration_ms,
        "response_excerpt": delivery.last_response_excerpt,
        "error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


def delivery_detail_out(delivery) -> dict:
    return {
        **delivery_out(delivery),
        "body": delivery.body,
        "log": [
            {
                "attempted_at": attempt.attempted_at,
                "succeeded": attempt.succeeded,
                "response_code": attempt.response_code,
                "duration_ms": attempt.duration_ms,
                "response_excerpt": attempt.response_excerpt,
                "error": attempt.error,
                "replay": attempt.replay,
            }
            for attempt in delivery.attempt_log.all()
        ],
    }


@router.get("/webhook-events", response=responses({200: WebhookEventList}))
def webhook_events(request: HttpRequest):
    """The events an endpoint can ask for."""
    return {"events": [{"name": n, "description": str(d)} for n, d in WEBHOOK_EVENTS.items()]}


@router.post("/webhooks", response=responses({201: WebhookCreated}, *BODY_ERRORS))
def webhook_create(request: HttpRequest, payload: WebhookIn):
    """Register an endpoint for some events. Private, loopback and link-local addresses
    are refused (422) unless the server runs with `WEBHOOKS_ALLOW_PRIVATE=1`."""
    endpoint = webhooks.webhook_endpoint_create(
        url=payload.url,
        events=payload.events,
        description=payload.description,
        actor=request.actor,
    )
    return Status(201, {"webhook": webhook_out(endpoint), "secret": endpoint.secret})


@router.get("/webhooks", response=responses({200: WebhookList}, 422))
def webhook_list(request: HttpRequest, filters: Query[AdminPage]):
    return paginate(selectors.webhook_list(), filters, "webhooks", webhook_out)


@router.get("/webhooks/{webhook_id}", response=responses({200: WebhookEnvelope}, 404))
def webhook_detail(request: HttpRequest, webhook_id: PathId):
    return {"webhook": webhook_out(selectors.webhook_get(webhook_id))}


@router.patch(
    "/webhooks/{webhook_id}", response=responses({200: WebhookEnvelope}, *BODY_ERRORS, 404)
)
def webhook_update(request: HttpRequest, webhook_id: PathId, payload: WebhookPatch):
    endpoint = webhooks.webhook_endpoint_update(
        endpoint=selectors.webhook_get(webhook_id),
        actor=request.actor,
        **payload.dict(exclude_unset=True),
    )
    return {"webhook": webhook_out(endpoint)}


@router.delete("/webhooks/{webhook_id}", response=responses({204: None}, 404))
def webhook_delete(request: HttpRequest, webhook_id: PathId):
    """Remove the endpoint, its deliveries and their log."""
    webhooks.webhook_endpoint_delete(
        endpoint=selectors.webhook_get(webhook_id), actor=request.actor
    )
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries", response=responses({200: WebhookDeliveryList}, 404, 422)
)
def webhook_deliveries(request: HttpRequest, webhook_id: PathId, filters: Query[DeliveryFilters]):
    """The delivery log, newest first: state, the last answer's code, time and body."""
    endpoint = selectors.webhook_get(webhook_id)
    deliveries = selectors.delivery_list(endpoint, state=filters.state)
    return paginate(deliveries, filters, "deliveries", delivery_out)


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}",
    response=responses({200: WebhookDeliveryEnvelope}, 404),
)
def webhook_delivery(request: HttpRequest, webhook_id: PathId, delivery_id: PathId):
    """One delivery with the body as sent and every try."""
    delivery = selectors.delivery_get(selectors.webhook_get(webhook_id), delivery_id)
    return {"delivery": delivery_detail_out(delivery)}


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    response=responses({202: WebhookDeliveryEnvelope}, 404, 409),
)
def webhook_delivery_replay(request: HttpRequest, webhook_id: PathId, delivery_id: PathId):
    """Send the delivery again (same `webhook-id`, same body, a fresh signature), now."""
    delivery = selectors.delivery_get(selectors.webhook_get(webhook_id), delivery_id)
    webhooks.webhook_delivery_replay(delivery=delivery, actor=request.actor)
    delivery = selectors.delivery_get(delivery.endpoint, delivery.pk)
    return Status(202, {"delivery": delivery_detail_out(delivery)})


# ---------------------------------------------------------------- stores


class StoreIn(Input):
    kind: Literal["shopify", "medusa"]
    name: required(200)
    secret: text(300) = Field(
        "",
        description="Shopify: the app's client secret (required). Medusa: the secret your "
        "subscriber signs with; leave it out to have one made",
    )


class StoreOut(Out):
    id: str
    kind: str
    name: str
    receiver_url: str = Field(description="where the store sends its webhooks")
    unknown_skus: int
    waiting_orders: int
    created_at: datetime
    disconnected_at: datetime | None = Field(
        description="when the store was disconnected: its webhooks are refused since"
    )


class StorePatch(Strict):
    name: required(200)


class StoreSecretIn(Strict):
    secret: text(300) = Field(
        "",
        description="Shopify: the app's new client secret (required). Medusa: leave it out "
        "to have one made",
    )


class StoreCreated(Out):
    store: StoreOut
    secret: str = Field(description="the secret the store signs with; shown this once")


class StoreEnvelope(Out):
    store: StoreOut


class StoreList(AdminListing):
    stores: list[StoreOut]


class SkuMappingIn(Input):
    sku: required(100)
    design_id: Id | None = None
    size: text(50) = ""
    color: text(100) = ""
    skip: bool = Field(False, description="the SKU is nothing we make: its lines are left out")


class SkuMappingOut(Out):
    id: int
    sku: str
    design_id: str | None
    design_name: str | None
    size: str
    color: str
    skip: bool
    updated_at: datetime


class SkuMappingResult(Out):
    sku_mapping: SkuMappingOut
    placed_orders: list[str] = Field(description="store orders that waited and went on now")


class SkuMappingList(AdminListing):
    sku_mappings: list[SkuMappingOut]


class UnknownSkuOut(Out):
    sku: str
    title: str
    first_seen_at: datetime
    last_seen_at: datetime


class UnknownSkuList(AdminListing):
    unknown_skus: list[UnknownSkuOut]


class StoreOrderOut(Out):
    id: str
    store_order_id: str
    name: str
    state: str
    order_id: str | None
    lines: list[dict]
    received_at: datetime
    placed_at: datetime | None
    cancelled_at: datetime | None


class StoreOrderList(AdminListing):
    store_orders: list[StoreOrderOut]


class StoreOrderFilters(AdminPage):
    state: Literal["waiting", "placed", "cancelled", "empty"] | None = None


def store_out(store) -> dict:
    return {
        "id": store.pk,
        "kind": store.kind,
        "name": store.name,
        "receiver_url": stores.receiver_url(store),
        "unknown_skus": store.unknown_count,
        "waiting_orders": store.waiting_count,
        "created_at": store.created_at,
        "disconnected_at": store.disconnected_at,
    }


def mapping_out(mapping) -> dict:
    return {
        "id": mapping.pk,
        "sku": mapping.sku,
        "design_id": mapping.design_id,
        "design_name": mapping.design.name if mapping.design else None,
        "size": mapping.size,
        "color": mapping.color,
        "skip": mapping.skip,
        "updated_at": mapping.updated_at,
    }


def unknown_sku_out(entry) -> dict:
    return {
        "sku": entry.sku,
        "title": entry.title,
        "first_seen_at": entry.first_seen_at,
        "last_seen_at": entry.last_seen_at,
    }


def store_order_out(store_order) -> dict:
    return {
        "id": store_order.pk,
        "store_order_id": store_order.store_order_id,
        "name": store_order.name,
        "state": store_order.state,
        "order_id": store_order.order_id,
        "lines": store_order.lines,
        "received_at": store_order.received_at,
        "placed_at": store_order.placed_at,
        "cancelled_at": store_order.cancelled_at,
    }


@router.post("/stores", response=responses({201: StoreCreated}, *BODY_ERRORS))
def store_create(request: HttpRequest, payload: StoreIn):
    """Connect a store. Paste `receiver_url` into the store's webhook settings."""
    store, secret = stores.store_create(
        kind=payload.kind, name=payload.name, secret=payload.secret, actor=request.actor
    )
    return Status(201, {"store": store_out(selectors.store_get(store.pk)), "secret": secret})


@router.get("/stores", response=responses({200: StoreList}, 422))
def store_list(request: HttpRequest, filters: Query[AdminPage]):
    return paginate(selectors.store_list(), filters, "stores", store_out)


@router.get("/stores/{store_id}", response=responses({200: StoreEnvelope}, 404))
def store_detail(request: HttpRequest, store_id: PathId):
    return {"store": store_out(selectors.store_get(store_id))}


@router.patch(
    "/stores/{store_id}", response=responses({200: StoreEnvelope}, *BODY_ERRORS, 404, 409)
)
def store_update(request: HttpRequest, store_id: PathId, payload: StorePatch):
    """Rename the store connection. 409 once it is disconnected."""
    stores.store_update(store=selectors.store_get(store_id), name=payload.name, actor=request.actor)
    return {"store": store_out(selectors.store_get(store_id))}


@router.post(
    "/stores/{store_id}/secret",
    response=responses({200: StoreCreated}, *BODY_ERRORS, 404, 409),
)
def store_secret_replace(request: HttpRequest, store_id: PathId, payload: StoreSecretIn):
    """Replace the secret the store signs with; the old one stops working at once.
    The new secret is in the answer, this once."""
    _store, secret = stores.store_secret_replace(
        store=selectors.store_get(store_id), secret=payload.secret, actor=request.actor
    )
    return {"store": store_out(selectors.store_get(store_id)), "secret": secret}


@router.delete("/stores/{store_id}", response=responses({204: None}, 404, 409))
def store_disconnect(request: HttpRequest, store_id: PathId):
    """Disconnect the store: its webhooks answer 404 from now on and its secret is
    forgotten; the orders it sent and their runs stay. 409 when disconnected already."""
    stores.store_disconnect(store=selectors.store_get(store_id), actor=request.actor)
    return Status(204, None)


@router.delete("/stores/{store_id}/sku-mappings/{sku}", response=responses({204: None}, 404))
def sku_mapping_remove(request: HttpRequest, store_id: PathId, sku: str):
    """Forget what a SKU is: the next order with it waits for a mapping again."""
    stores.sku_mapping_remove(store=selectors.store_get(store_id), sku=sku, actor=request.actor)
    return Status(204, None)


@router.post(
    "/stores/{store_id}/sku-mappings",
    response=responses({200: SkuMappingResult, 201: SkuMappingResult}, *BODY_ERRORS, 404),
)
def sku_mapping_set(request: HttpRequest, store_id: PathId, payload: SkuMappingIn):
    """Say which design, size and colour a store SKU is (201; 200 when it changed a mapping).
    Orders that waited only for it go on, and are listed."""
    result = stores.sku_mapping_set(
        store=selectors.store_get(store_id),
        sku=payload.sku,
        design_id=payload.design_id,
        size=payload.size,
        color=payload.color,
        skip=payload.skip,
        actor=request.actor,
    )
    return Status(
        201 if result.created else 200,
        {
            "sku_mapping": mapping_out(result.mapping),
            "placed_orders": [store_order.pk for store_order in result.placed],
        },
    )


@router.get("/stores/{store_id}/sku-mappings", response=responses({200: SkuMappingList}, 404, 422))
def sku_mapping_list(request: HttpRequest, store_id: PathId, filters: Query[AdminPage]):
    mappings = selectors.sku_mapping_list(selectors.store_get(store_id))
    return paginate(mappings, filters, "sku_mappings", mapping_out)


@router.get("/stores/{store_id}/unknown-skus", response=responses({200: UnknownSkuList}, 404, 422))
def unknown_sku_list(request: HttpRequest, store_id: PathId, filters: Query[AdminPage]):
    """SKUs orders brought in that map to nothing yet, oldest first: map them to let the
    orders go on."""
    queue = selectors.unknown_sku_queue(selectors.store_get(store_id))
    return paginate(queue, filters, "unknown_skus", unknown_sku_out)


@router.get("/stores/{store_id}/orders", response=responses({200: StoreOrderList}, 404, 422))
def store_order_list(request: HttpRequest, store_id: PathId, filters: Query[StoreOrderFilters]):
    """Orders as the store sent them, newest first; `state=waiting` for those held up."""
    store_orders = selectors.store_order_list(selectors.store_get(store_id), state=filters.state)
    return paginate(store_orders, filters, "store_orders", store_order_out)


# ---------------------------------------------------------------- order cancellation


class OrderCancelIn(Input):
    reason: text(2000) = ""


class CancelledOrderOut(AdminOrderOut):
    cancelled_at: datetime | None
    cancelled_reason: str


class OrderRunOutcome(Out):
    id: str
    reference: str
    status: str
    outcome: Literal["cancelled", "in_work", "completed", "already_cancelled"] = Field(
        description="cancelled now; in_work: accepted already, left for an admin to decide; "
        "completed or already_cancelled: ended before"
    )


class OrderCancelOut(Out):
    order: CancelledOrderOut
    runs: list[OrderRunOutcome]


class OrderEnvelope(Out):
    order: CancelledOrderOut


def cancelled_order_out(order) -> dict:
    return {
        **order_out(order),
        "cancelled_at": order.cancelled_at,
        "cancelled_reason": order.cancelled_reason,
    }


def _order(order_id: str):
    order = selectors.order_get(order_id)
    if order is None:
        raise NotFound(_("No order with id %(id)s.") % {"id": order_id})
    return order


@router.get("/orders/{order_id}", response=responses({200: OrderEnvelope}, 404))
def order_detail(request: HttpRequest, order_id: PathId):
    return {"order": cancelled_order_out(_order(order_id))}


@router.post(
    "/orders/{order_id}/cancel",
    response=responses({200: OrderCancelOut}, *BODY_ERRORS, 404, 409),
)
def order_cancel(request: HttpRequest, order_id: PathId, payload: OrderCancelIn | None = None):
    """Cancel the order: its runs not yet accepted are cancelled; runs already in work go
    on and the admins are told. Again: 200, nothing changes. 409 (and nothing changes)
    when the production policy does not let admins cancel one of its runs."""
    payload = payload or OrderCancelIn()
    result = order_cancellation.order_cancel(
        order=_order(order_id), actor=request.actor, reason=payload.reason
    )
    return {
        "order": cancelled_order_out(_order(order_id)),
        "runs": [
            {
                "id": outcome.run.pk,
                "reference": outcome.run.reference,
                "status": outcome.run.status,
                "outcome": outcome.outcome,
            }
            for outcome in result.runs
        ],
    }
