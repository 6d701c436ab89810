"""Store orders in: Shopify and Medusa webhooks, signed with the store's secret, idempotent by
the store's order id; SKUs mapped to a design, size and colour; unknown SKUs wait."""

import threading

import pytest
from django.db import connection
from django.test import Client

from loomworks.catalog.models import DesignColor, DesignSizeSet, Product, ProductVariant
from loomworks.core.errors import InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.events.api import drain
from loomworks.events.models import Event
from loomworks.integrations import stores
from loomworks.integrations.models import (
    StoreOrder,
    UnknownSku,
)
from loomworks.notifications.models import Notification
from loomworks.orders.models import Order, OrderLine
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory
from tests.integrations.conftest import post_medusa, post_shopify, shopify_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(db):
    design = DesignFactory(name="Linen shirt")
    DesignSizeSet.objects.create(design=design, size_label="M")
    DesignSizeSet.objects.create(design=design, size_label="L")
    DesignColor.objects.create(design=design, name="Navy", hex_code="#1f2a44")
    return design


@pytest.fixture
def mapped(shopify_store, shirt, admin):
    stores.sku_mapping_set(
        store=shopify_store,
        sku="SHIRT-NAVY-M",
        design_id=shirt.pk,
        size="m",
        color="navy",
        actor=admin,
    )
    return shopify_store


def everything() -> tuple:
    return (
        StoreOrder.objects.count(),
        Order.objects.count(),
        OrderLine.objects.count(),
        Event.objects.count(),
        UnknownSku.objects.count(),
    )


# ---------------------------------------------------------------- signatures


def test_a_shopify_payload_with_a_bad_hmac_is_401_and_writes_nothing(client, mapped):
    before = everything()
    response = post_shopify(client, mapped, shopify_order(), signature="bm90IHRoZSBzaWduYXR1cmU=")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    missing = post_shopify(client, mapped, shopify_order(), signature="")
    assert missing.status_code == 401
    assert everything() == before


def test_a_medusa_request_signed_with_another_secret_is_401_and_writes_nothing(
    client, medusa_store
):
    before = everything()
    payload = {"type": "order.placed", "data": {"id": "order_01", "items": []}}
    response = post_medusa(client, medusa_store, payload, secret="whsec_" + "A" * 43)
    assert response.status_code == 401
    assert everything() == before


def test_a_store_is_found_only_under_its_own_kind(client, mapped):
    response = post_shopify(client, mapped, shopify_order())
    assert response.status_code == 200
    wrong = Client().post(f"/api/stores/{mapped.pk}/medusa", b"{}", content_type="application/json")
    assert wrong.status_code == 404


# ---------------------------------------------------------------- orders in


def test_a_shopify_order_becomes_an_order_and_a_run_with_its_size_and_colour(client, mapped, shirt):
    response = post_shopify(client, mapped, shopify_order())
    assert response.status_code == 200
    assert response.json()["status"] == "placed"
    drain()
    (line,) = OrderLine.objects.all()
    assert (line.design_id, line.size, line.color, line.quantity) == (shirt.pk, "M", "Navy", 3)
    (run,) = ProductionRun.objects.all()
    assert (run.design_id, run.quantity, run.status) == (shirt.pk, 3, "pending_review")
    provenance = run.snapshot["provenance"]
    assert (provenance["sku"], provenance["size"], provenance["color"]) == (
        "SHIRT-NAVY-M",
        "M",
        "Navy",
    )
    placed = Event.objects.get(name="order.placed")
    assert placed.payload["actor"] == {
        "kind": "system",
        "user_id": None,
        "name": "Shopify store Main shop",
    }


def test_the_same_order_sent_again_makes_nothing_new(client, mapped):
    for _ in range(5):
        response = post_shopify(client, mapped, shopify_order())
        assert response.status_code == 200
    drain()
    assert [r["status"] for r in [response.json()]] == ["duplicate"]
    assert (StoreOrder.objects.count(), Order.objects.count()) == (1, 1)
    assert ProductionRun.objects.count() == 1


def test_a_catalogue_variant_with_a_design_needs_no_mapping(client, shopify_store):
    design = DesignFactory()
    product = Product.objects.create(title="Scarf", handle="scarf", design=design)
    ProductVariant.objects.create(product=product, sku="SCARF-1")
    order = shopify_order(lines=[{"id": 7, "sku": "SCARF-1", "quantity": 2, "title": "Scarf"}])
    assert post_shopify(client, shopify_store, order).json()["status"] == "placed"
    drain()
    assert ProductionRun.objects.get().design_id == design.pk


def test_other_topics_are_answered_and_ignored(client, mapped):
    before = everything()
    response = post_shopify(client, mapped, {"id": 1}, topic="products/update")
    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert everything() == before


def test_a_signed_body_that_is_not_an_order_is_a_clear_4xx(client, mapped):
    response = post_shopify(client, mapped, {"name": "#1", "line_items": []})
    assert response.status_code == 422
    assert response.json()["field"] == "id"
    bad_line = post_shopify(
        client, mapped, shopify_order(lines=[{"id": 1, "sku": "X", "quantity": "many"}])
    )
    assert bad_line.status_code == 422
    assert bad_line.json()["field"] == "line_items[0].quantity"


# ---------------------------------------------------------------- unknown SKUs


def test_an_unknown_sku_waits_and_the_order_goes_on_once_it_is_mapped(
    client, shopify_store, shirt, admin, admin_user
):
    order = shopify_order(
        lines=[
            {
                "id": 1,
                "sku": "SHIRT-NAVY-L",
                "quantity": 2,
                "title": "Linen shirt",
                "variant_title": "L / Navy",
            },
            {"id": 2, "sku": "GIFT-WRAP", "quantity": 1, "title": "Gift wrap"},
        ]
    )
    response = post_shopify(client, shopify_store, order)
    assert response.json()["status"] == "waiting"
    drain()
    assert not Order.objects.exists()
    queue = list(UnknownSku.objects.order_by("sku").values_list("sku", "title"))
    assert queue == [("GIFT-WRAP", "Gift wrap"), ("SHIRT-NAVY-L", "Linen shirt – L / Navy")]
    notices = Notification.objects.filter(recipient=admin_user, kind="store.sku_unknown")
    assert notices.count() == 2
    assert any("SHIRT-NAVY-L" in n.summary and "#1001" in n.summary for n in notices)

    first = stores.sku_mapping_set(
        store=shopify_store,
        sku="SHIRT-NAVY-L",
        design_id=shirt.pk,
        size="L",
        color="Navy",
        actor=admin,
    )
    assert first.placed == []  # the gift wrap still holds it up
    second = stores.sku_mapping_set(store=shopify_store, sku="GIFT-WRAP", skip=True, actor=admin)
    assert [so.store_order_id for so in second.placed] == ["820982911946154508"]
    drain()

    assert not UnknownSku.objects.filter(resolved_at__isnull=True).exists()
    (line,) = Order.objects.get().lines.all()  # the gift wrap is nothing we make
    assert (line.sku, line.size, line.color) == ("SHIRT-NAVY-L", "L", "Navy")
    assert ProductionRun.objects.get().quantity == 2
    assert StoreOrder.objects.get().state == "placed"
    assert AuditEntry.objects.filter(action="sku_mapping.created").count() == 2


def test_a_mapping_names_a_size_and_colour_the_design_has(shopify_store, shirt, admin):
    with pytest.raises(InvalidInput) as refused:
        stores.sku_mapping_set(
            store=shopify_store, sku="S-XL", design_id=shirt.pk, size="XL", actor=admin
        )
    assert refused.value.field == "size"
    with pytest.raises(InvalidInput) as refused:
        stores.sku_mapping_set(store=shopify_store, sku="S-XL", actor=admin)
    assert refused.value.field == "design_id"


# ---------------------------------------------------------------- cancellation


def test_a_cancelled_shopify_order_cancels_its_runs_not_yet_accepted(client, mapped):
    post_shopify(client, mapped, shopify_order())
    drain()
    run = ProductionRun.objects.get()
    response = post_shopify(
        client, mapped, shopify_order(cancel_reason="customer"), topic="orders/cancelled"
    )
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    run.refresh_from_db()
    assert run.status == "cancelled"
    order = Order.objects.get()
    assert order.cancelled_at is not None and order.cancelled_reason == "customer"
    row = run.history.get(kind="cancel")
    assert row.actor_kind == "system" and "Main shop" in row.actor_name
    again = post_shopify(client, mapped, shopify_order(), topic="orders/cancelled")
    assert again.json()["status"] == "duplicate"


def test_an_order_cancelled_before_it_arrived_makes_nothing_when_it_does(client, mapped):
    post_shopify(client, mapped, shopify_order(), topic="orders/cancelled")
    response = post_shopify(client, mapped, shopify_order())
    assert response.json()["status"] == "duplicate"
    drain()
    assert not Order.objects.exists() and not ProductionRun.objects.exists()


def test_a_medusa_order_placed_and_canceled(client, medusa_store, shirt, admin):
    stores.sku_mapping_set(
        store=medusa_store, sku="SHIRT-NAVY-M", design_id=shirt.pk, size="M", actor=admin
    )
    placed = {
        "type": "order.placed",
        "data": {
            "id": "order_01JCXYZ",
            "display_id": 42,
            "items": [
                {"id": "ordli_1", "variant_sku": "SHIRT-NAVY-M", "quantity": 4, "title": "Shirt"}
            ],
        },
    }
    response = post_medusa(client, medusa_store, placed)
    assert (response.status_code, response.json()["status"]) == (200, "placed")
    drain()
    assert StoreOrder.objects.get().name == "#42"
    run = ProductionRun.objects.get()
    assert run.quantity == 4
    canceled = {"type": "order.canceled", "data": {"id": "order_01JCXYZ"}}
    assert post_medusa(client, medusa_store, canceled, msg_id="msg_2").json()["status"] == (
        "cancelled"
    )
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_a_medusa_store_gets_a_secret_made_when_none_is_given(admin):
    store, secret = stores.store_create(kind="medusa", name="M", actor=admin)
    assert secret.startswith("whsec_") and store.secret == secret
    with pytest.raises(InvalidInput) as refused:
        stores.store_create(kind="shopify", name="S", actor=admin)
    assert refused.value.field == "secret"


# ---------------------------------------------------------------- concurrency


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_order_delivered_five_times_at_once_makes_one_order_and_one_set_of_runs(
    admin, shirt
):
    store, _secret = stores.store_create(
        kind="shopify", name="Race shop", secret="shpss_race_secret_0123456789", actor=admin
    )
    stores.sku_mapping_set(store=store, sku="SHIRT-NAVY-M", design_id=shirt.pk, actor=admin)
    import json as _json

    from tests.integrations.conftest import shopify_hmac

    payload = shopify_order(
        lines=[
            {"id": 1, "sku": "SHIRT-NAVY-M", "quantity": 3},
            {"id": 2, "sku": "SHIRT-NAVY-M", "quantity": 1},
        ]
    )
    body = _json.dumps(payload).encode()
    barrier = threading.Barrier(5)
    answers = []

    def deliver():
        try:
            barrier.wait()
            response = Client().post(
                f"/api/stores/{store.pk}/shopify",
                body,
                content_type="application/json",
                HTTP_X_SHOPIFY_TOPIC="orders/create",
                HTTP_X_SHOPIFY_HMAC_SHA256=shopify_hmac(body, "shpss_race_secret_0123456789"),
            )
            answers.append((response.status_code, response.json()["status"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    drain()

    assert sorted(answers) == [(200, "duplicate")] * 4 + [(200, "placed")]
    assert StoreOrder.objects.count() == 1
    assert Order.objects.count() == 1
    assert Event.objects.filter(name="order.placed").count() == 1
    assert ProductionRun.objects.count() == 2


def test_a_store_needs_no_csrf_token_only_its_signature(mapped):
    """Stores are programs: the signature is their proof, CSRF does not apply."""
    response = post_shopify(Client(enforce_csrf_checks=True), mapped, shopify_order())
    assert (response.status_code, response.json()["status"]) == (200, "placed")
