"""Store connections: orders in from Shopify and Medusa, SKU mappings, the unknown-SKU queue.

A store order is recorded once per store and store order id, under a lock
on the store's row: retries and concurrent deliveries of the same order find
the first one and change nothing. It becomes an `orders.Order` (and so runs)
when every line's SKU is known: mapped for this store to a design, size and
colour, or a catalogue variant with a design. Otherwise it waits, and each
SKU nobody knows joins the queue the admins see; mapping the SKU lets every
order that waited only for it go on.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.catalog.models import Design, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.events.api import publish
from loomworks.integrations import events as names
from loomworks.integrations import storefeeds
from loomworks.integrations.models import (
    SkuMapping,
    Store,
    StoreKind,
    StoreOrder,
    StoreOrderState,
    UnknownSku,
)
from loomworks.integrations.webhooks import secret_new
from loomworks.orders import services as orders
from loomworks.production.services import orders as order_cancellation

MAX_SECRET = 300


@dataclass
class Received:
    """What a store's request came to: `placed`, `waiting`, `empty`, `cancelled`,
    `duplicate` (seen before: nothing changed) or `ignored` (a topic we do not use)."""

    status: str
    store_order: StoreOrder | None = None


def store_actor(store: Store) -> Actor:
    """The store acting by itself: the system, under the store's name."""
    return Actor(
        kind=Actor.SYSTEM,
        name=_("%(kind)s store %(name)s") % {"kind": store.get_kind_display(), "name": store.name},
    )


def receiver_url(store: Store) -> str:
    """Where the store sends its webhooks, to paste into its settings."""
    return f"{settings.SITE_URL.rstrip('/')}/api/stores/{store.pk}/{store.kind}"


# ---------------------------------------------------------------- connections


@transaction.atomic
def store_create(*, kind: str, name: str, secret: str = "", actor: Actor) -> tuple[Store, str]:
    """A new store connection, and its secret to show once (generated for Medusa if none)."""
    if kind not in StoreKind.values:
        raise InvalidInput("kind", _("The kind is shopify or medusa."))
    name = _clean_name(name)
    secret = _clean_secret(kind, secret)
    store = Store.objects.create(kind=kind, name=name, secret=secret, created_by_id=actor.user_id)
    audit_record(
        actor=actor,
        action="store.created",
        target_type="store",
        target_id=store.pk,
        details={"kind": kind, "name": name},
    )
    return store, secret


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", _("Give the store a name."))
    if len(name) > 200:
        raise InvalidInput("name", _("The name is at most 200 characters."))
    return name


def _clean_secret(kind: str, secret: str) -> str:
    """The secret as given; for Medusa, a new one when none is given (Shopify makes its own)."""
    secret = (secret or "").strip()
    if not secret and kind == StoreKind.SHOPIFY:
        raise InvalidInput(
            "secret",
            _("Paste the Shopify app's client secret: Shopify signs its webhooks with it."),
        )
    if len(secret) > MAX_SECRET:
        raise InvalidInput(
            "secret", _("The secret is at most %(max)s characters.") % {"max": MAX_SECRET}
        )
    if secret and len(secret) < 16:
        raise InvalidInput("secret", _("The secret must be at least 16 characters."))
    return secret or secret_new()


def _connected(store: Store) -> Store:
    """The store's row, locked; refused once the store is disconnected."""
    current = _lock(store)
    if not current.is_connected:
        raise Conflict(
            _("%(name)s is disconnected; connect the store again as a new connection.")
            % {"name": current.name}
        )
    return current


@transaction.atomic
def store_update(*, store: Store, name: str, actor: Actor) -> Store:
    """Rename a store connection (what the console and the lists call it)."""
    current = _connected(store)
    name = _clean_name(name)
    if name != current.name:
        audit_record(
            actor=actor,
            action="store.updated",
            target_type="store",
            target_id=current.pk,
            details={"name": [current.name, name]},
        )
        current.name = name
        current.save(update_fields=["name"])
    return current


@transaction.atomic
def store_secret_replace(*, store: Store, secret: str = "", actor: Actor) -> tuple[Store, str]:
    """The store signs with a new secret from now on: Shopify's new client secret as
    pasted, or for Medusa one made here (or pasted). Returned to be shown once; the old
    one stops working at once. The audit row says it changed, never what it is."""
    current = _connected(store)
    current.secret = _clean_secret(current.kind, secret)
    current.save(update_fields=["secret"])
    audit_record(
        actor=actor,
        action="store.secret_replaced",
        target_type="store",
        target_id=current.pk,
        details={"made_here": not (secret or "").strip()},
    )
    return current, current.secret


@transaction.atomic
def store_disconnect(*, store: Store, actor: Actor) -> Store:
    """Stop taking orders from a store: its webhooks answer 404 and its secret is
    forgotten. Orders it sent, and their runs, stay as they are."""
    current = _lock(store)
    if not current.is_connected:
        raise Conflict(_("%(name)s is disconnected already.") % {"name": current.name})
    current.disconnected_at = timezone.now()
    current.secret = ""
    current.save(update_fields=["disconnected_at", "secret"])
    audit_record(
        actor=actor,
        action="store.disconnected",
        target_type="store",
        target_id=current.pk,
        details={"name": current.name, "kind": current.kind},
    )
    return current


@transaction.atomic
def sku_mapping_remove(*, store: Store, sku: str, actor: Actor) -> None:
    """Forget what a SKU is for this store; orders already placed keep their runs, the
    next order with the SKU waits for a mapping again."""
    current = _lock(store)
    mapping = SkuMapping.objects.filter(store=current, sku=(sku or "").strip()).first()
    if mapping is None:
        raise NotFound(_("No mapping for the SKU %(sku)s.") % {"sku": sku})
    audit_record(
        actor=actor,
        action="sku_mapping.removed",
        target_type="store",
        target_id=current.pk,
        details={
            "sku": mapping.sku,
            "design_id": mapping.design_id,
            "size": mapping.size,
            "color": mapping.color,
            "skip": mapping.skip,
        },
    )
    mapping.delete()


# ---------------------------------------------------------------- orders in


def store_request_receive(*, store: Store, body: bytes, meta: dict) -> Received:
    """A webhook from `store`: checked against its secret first; nothing is written unless signed."""
    if store.kind == StoreKind.SHOPIFY:
        storefeeds.shopify_verify(secret=store.secret, body=body, meta=meta)
        kind = storefeeds.SHOPIFY_TOPICS.get(storefeeds.shopify_topic(meta), storefeeds.IGNORED)
        if kind == storefeeds.IGNORED:
            return Received(status="ignored")
        order_in = storefeeds.shopify_order(body)
    else:
        storefeeds.medusa_verify(secret=store.secret, body=body, meta=meta)
        kind, order_in = storefeeds.medusa_event(body)
        if kind == storefeeds.IGNORED:
            return Received(status="ignored")
    if kind == storefeeds.PLACED:
        return store_order_receive(store=store, order_in=order_in, actor=store_actor(store))
    return store_order_cancel(store=store, order_in=order_in, actor=store_actor(store))


def _lock(store: Store) -> Store:
    # Receiving, cancelling and mapping for one store take turns on its row, so an
    # order never slips between "its SKU is unknown" and "the SKU was just mapped".
    return Store.objects.select_for_update().get(pk=store.pk)


@transaction.atomic
def store_order_receive(
    *, store: Store, order_in: storefeeds.StoreOrderIn, actor: Actor
) -> Received:
    store = _lock(store)
    existing = StoreOrder.objects.filter(
        store=store, store_order_id=order_in.store_order_id
    ).first()
    if existing is not None:
        return Received(status="duplicate", store_order=existing)
    store_order = StoreOrder.objects.create(
        store=store,
        store_order_id=order_in.store_order_id,
        name=order_in.name,
        lines=[
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
            }
            for line in order_in.lines
        ],
    )
    audit_record(
        actor=actor,
        action="store_order.received",
        target_type="store_order",
        target_id=store_order.pk,
        details={"store_id": store.pk, "store_order_id": order_in.store_order_id},
    )
    _place_if_known(store_order, actor=actor)
    return Received(status=store_order.state, store_order=store_order)


@transaction.atomic
def store_order_cancel(
    *, store: Store, order_in: storefeeds.StoreOrderIn, actor: Actor
) -> Received:
    """The store cancelled the order: cancel ours with its runs not yet accepted.

    An order cancelled before it reached us is remembered as cancelled, so
    its late arrival makes nothing.
    """
    store = _lock(store)
    store_order = StoreOrder.objects.filter(
        store=store, store_order_id=order_in.store_order_id
    ).first()
    now = timezone.now()
    if store_order is None:
        store_order = StoreOrder.objects.create(
            store=store,
            store_order_id=order_in.store_order_id,
            name=order_in.name,
            state=StoreOrderState.CANCELLED,
            cancelled_at=now,
        )
    elif store_order.state == StoreOrderState.CANCELLED:
        return Received(status="duplicate", store_order=store_order)
    else:
        if store_order.order_id:
            order_cancellation.order_cancel(
                order=store_order.order,
                actor=actor,
                reason=order_in.reason or _("cancelled in the store"),
            )
        store_order.state = StoreOrderState.CANCELLED
        store_order.cancelled_at = now
        store_order.save(update_fields=["state", "cancelled_at"])
    audit_record(
        actor=actor,
        action="store_order.cancelled",
        target_type="store_order",
        target_id=store_order.pk,
        details={"store_id": store.pk, "reason": order_in.reason},
    )
    return Received(status="cancelled", store_order=store_order)


def _known_variants(skus: Iterable[str]) -> dict[str, ProductVariant]:
    skus = list(skus)
    if not skus:
        return {}
    return {
        variant.sku: variant
        for variant in ProductVariant.objects.select_related("product").filter(sku__in=skus)
        if variant.effective_design_id
    }


def _place_if_known(store_order: StoreOrder, *, actor: Actor, queue_unknown: bool = True) -> bool:
    """Place the order if every line's SKU is known; else queue the unknown ones. Locked store."""
    lines = [line for line in store_order.lines if line["quantity"] > 0]
    skus = {line["sku"] for line in lines}
    mappings = {
        mapping.sku: mapping
        for mapping in SkuMapping.objects.select_related("design").filter(
            store_id=store_order.store_id, sku__in=skus
        )
    }
    variants = _known_variants(skus - set(mappings))
    unknown = [
        line for line in lines if line["sku"] not in mappings and line["sku"] not in variants
    ]
    if unknown:
        if queue_unknown:
            _queue_unknown(store_order, unknown)
        return False
    order_lines = []
    for line in lines:
        # Unique across every store and order, whatever ids a store gives its lines.
        external_id = f"{store_order.pk}:{line['line_id']}"
        mapping = mappings.get(line["sku"])
        if mapping is not None and mapping.skip:
            continue
        if mapping is not None:
            order_lines.append(
                {
                    "external_id": external_id,
                    "quantity": line["quantity"],
                    "sku": line["sku"],
                    "design": mapping.design,
                    "size": mapping.size,
                    "color": mapping.color,
                }
            )
        else:
            order_lines.append(
                {
                    "external_id": external_id,
                    "quantity": line["quantity"],
                    "variant_id": variants[line["sku"]].pk,
                    "sku": line["sku"],
                }
            )
    now = timezone.now()
    if not order_lines:
        store_order.state = StoreOrderState.EMPTY
        store_order.save(update_fields=["state"])
        return True
    result = orders.order_place(
        external_id=f"{store_order.store_id}:{store_order.store_order_id}",
        lines=order_lines,
        actor=actor,
    )
    store_order.order = result.order
    store_order.state = StoreOrderState.PLACED
    store_order.placed_at = now
    store_order.save(update_fields=["order", "state", "placed_at"])
    return True


def _queue_unknown(store_order: StoreOrder, lines: list[dict]) -> None:
    now = timezone.now()
    for line in lines:
        entry, created = UnknownSku.objects.get_or_create(
            store_id=store_order.store_id,
            sku=line["sku"],
            defaults={"title": line["title"], "first_seen_at": now, "last_seen_at": now},
        )
        reopened = not created and entry.resolved_at is not None
        if not created:
            UnknownSku.objects.filter(pk=entry.pk).update(last_seen_at=now, resolved_at=None)
        if created or reopened:
            publish(
                names.STORE_SKU_UNKNOWN,
                {
                    "store_id": store_order.store_id,
                    "sku": line["sku"],
                    "title": line["title"],
                    "store_order_id": store_order.pk,
                    "order_name": store_order.name or store_order.store_order_id,
                },
                aggregate_type="store",
                aggregate_id=store_order.store_id,
            )


# ---------------------------------------------------------------- SKU mappings


def _design_choice(options: list[str], value: str, field_name: str, what: str) -> str:
    """`value` as the design spells it; refused when the design lists others only."""
    value = (value or "").strip()
    if not value or not options:
        return value
    for option in options:
        if option.casefold() == value.casefold():
            return option
    raise InvalidInput(
        field_name,
        _("This design has no %(what)s %(value)s; it has: %(options)s.")
        % {"what": what, "value": value, "options": ", ".join(options)},
    )


@dataclass
class MappingResult:
    mapping: SkuMapping
    created: bool
    placed: list[StoreOrder]


@transaction.atomic
def sku_mapping_set(
    *,
    store: Store,
    sku: str,
    actor: Actor,
    design_id: str | None = None,
    size: str = "",
    color: str = "",
    skip: bool = False,
) -> MappingResult:
    """Say what `sku` is for this store (again: the mapping changes); waiting orders go on."""
    sku = (sku or "").strip()
    if not sku:
        raise InvalidInput("sku", _("Give the SKU as the store sends it."))
    if len(sku) > 100:
        raise InvalidInput("sku", _("The SKU is at most 100 characters."))
    design = None
    if skip:
        size, color = "", ""
    else:
        if not design_id:
            raise InvalidInput(
                "design_id", _("Choose the design this SKU is, or mark it as not made by us.")
            )
        design = Design.objects.filter(pk=design_id).first()
        if design is None:
            raise InvalidInput("design_id", _("Unknown design: %(id)s.") % {"id": design_id})
        size = _design_choice(
            [s.size_label for s in design.size_sets.all()], size, "size", _("size")
        )
        color = _design_choice([c.name for c in design.colors.all()], color, "color", _("colour"))
        if len(size) > 50:
            raise InvalidInput("size", _("The size is at most 50 characters."))
        if len(color) > 100:
            raise InvalidInput("color", _("The colour is at most 100 characters."))
    store = _connected(store)
    mapping, created = SkuMapping.objects.update_or_create(
        store=store,
        sku=sku,
        defaults={"design": design, "size": size, "color": color, "skip": skip},
    )
    UnknownSku.objects.filter(store=store, sku=sku, resolved_at__isnull=True).update(
        resolved_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="sku_mapping.created" if created else "sku_mapping.changed",
        target_type="store",
        target_id=store.pk,
        details={
            "sku": sku,
            "design_id": design.pk if design else None,
            "size": size,
            "color": color,
            "skip": skip,
        },
    )
    placed = []
    for store_order in StoreOrder.objects.filter(
        store=store, state=StoreOrderState.WAITING
    ).order_by("received_at", "id"):
        if _place_if_known(store_order, actor=store_actor(store), queue_unknown=False):
            placed.append(store_order)
    return MappingResult(mapping=mapping, created=created, placed=placed)


def store_get(store_id: str) -> Store:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound(_("No store with id %(id)s.") % {"id": store_id})
    return store
