"""What Shopify and Medusa send us: checking their signatures, reading their orders.

Shopify signs each webhook with the app's client secret:
`X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, and
`X-Shopify-Topic` says what happened (`orders/create`, `orders/cancelled`).

Medusa has no webhooks of its own; the subscriber in docs/connecting.md
posts `{"type": "order.placed" | "order.canceled", "data": <order>}` signed
the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
`webhook-signature`) with the store's secret: a `whsec_…` secret is
base64-decoded first, as the scheme says; any other secret is used as its
UTF-8 bytes. A timestamp more than five minutes away from ours is refused,
so a captured request cannot be replayed later.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from loomworks.core.errors import DomainError, InvalidInput

PLACED, CANCELLED, IGNORED = "placed", "cancelled", "ignored"

SHOPIFY_TOPICS = {"orders/create": PLACED, "orders/cancelled": CANCELLED}
MEDUSA_TYPES = {"order.placed": PLACED, "order.canceled": CANCELLED}


class BadSignature(DomainError):
    """The request is not signed with the store's secret (or not signed at all): 401."""

    status_code = 401
    code = "bad_signature"

    def __init__(self):
        super().__init__(
            _(
                "The signature does not match this store's secret; check the secret saved "
                "for the store in Loomworks."
            )
        )


@dataclass(frozen=True)
class StoreLine:
    line_id: str
    sku: str  # the key a mapping matches: the SKU, else the store's variant id
    title: str
    quantity: int


@dataclass(frozen=True)
class StoreOrderIn:
    store_order_id: str
    name: str = ""
    lines: list[StoreLine] = field(default_factory=list)
    reason: str = ""


def _headers(meta: dict) -> dict:
    """Django's META as plain lower-case header names."""
    found = {}
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            found[key[5:].replace("_", "-").lower()] = value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            found[key.replace("_", "-").lower()] = value
    return found


# ---------------------------------------------------------------- signatures


def shopify_verify(*, secret: str, body: bytes, meta: dict) -> None:
    sent = _headers(meta).get("x-shopify-hmac-sha256", "")
    expected = base64.b64encode(
        hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    ).decode("ascii")
    if not sent or not hmac.compare_digest(sent.strip().encode(), expected.encode()):
        raise BadSignature()


def medusa_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :] + "==")
        except ValueError:
            pass
    return secret.encode("utf-8")


def medusa_verify(*, secret: str, body: bytes, meta: dict) -> None:
    try:
        Webhook(medusa_key(secret)).verify(body, _headers(meta), json_parse=False)
    except WebhookVerificationError:
        raise BadSignature() from None


def shopify_topic(meta: dict) -> str:
    return _headers(meta).get("x-shopify-topic", "").strip()


# ---------------------------------------------------------------- payloads


def _json_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("body", _("The body is not JSON.")) from None
    if not isinstance(data, dict):
        raise InvalidInput("body", _("The body must be a JSON object."))
    return data


def _text(value, limit: int) -> str:
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return str(value).replace("\x00", "").strip()[:limit]


def _order_id(data: dict, field_name: str) -> str:
    order_id = _text(data.get("id"), 160)
    if not order_id:
        raise InvalidInput(field_name, _("The order has no id."))
    return order_id


def _quantity(value, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field_name, _("The quantity must be a whole number."))
    if value > 1_000_000_000:
        raise InvalidInput(field_name, _("The quantity is too large."))
    return value


def _lines(items, prefix: str, *, sku_keys: tuple[str, ...]) -> list[StoreLine]:
    if not isinstance(items, list):
        raise InvalidInput(prefix, _("The order's lines must be a list."))
    lines = []
    for index, item in enumerate(items):
        where = f"{prefix}[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput(where, _("Each line must be an object."))
        line_id = _text(item.get("id"), 150)
        if not line_id:
            raise InvalidInput(f"{where}.id", _("Each line needs its id."))
        sku = next((_text(item.get(key), 100) for key in sku_keys if _text(item.get(key), 100)), "")
        if not sku and _text(item.get("variant_id"), 80):
            sku = "variant:" + _text(item.get("variant_id"), 80)
        title = _text(item.get("title"), 200)
        variant_title = _text(item.get("variant_title"), 95)
        if variant_title:
            title = f"{title} – {variant_title}" if title else variant_title
        if not sku:
            sku = "title:" + (title or line_id)[:90]
        quantity = _quantity(item.get("quantity"), f"{where}.quantity")
        lines.append(StoreLine(line_id=line_id, sku=sku, title=title, quantity=quantity))
    return lines


def shopify_order(body: bytes) -> StoreOrderIn:
    data = _json_object(body)
    return StoreOrderIn(
        store_order_id=_order_id(data, "id"),
        name=_text(data.get("name"), 200),
        lines=_lines(data.get("line_items") or [], "line_items", sku_keys=("sku",)),
        reason=_text(data.get("cancel_reason"), 500),
    )


def medusa_event(body: bytes) -> tuple[str, StoreOrderIn | None]:
    """(what happened, the order) from a Medusa subscriber's request."""
    data = _json_object(body)
    kind = MEDUSA_TYPES.get(_text(data.get("type"), 100), IGNORED)
    if kind == IGNORED:
        return IGNORED, None
    order = data.get("data")
    if not isinstance(order, dict):
        raise InvalidInput("data", _("The order goes in 'data', as an object."))
    display_id = _text(order.get("display_id"), 190)
    return kind, StoreOrderIn(
        store_order_id=_order_id(order, "data.id"),
        name=f"#{display_id}" if display_id else "",
        lines=(
            _lines(order.get("items") or [], "data.items", sku_keys=("variant_sku", "sku"))
            if kind == PLACED
            else []
        ),
        reason=_text(order.get("reason") or order.get("cancel_reason"), 500),
    )
