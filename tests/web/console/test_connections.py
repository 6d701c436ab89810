"""The console's connections (API keys, webhooks, stores) and orders pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.events.api import drain
from loomworks.integrations import stores, webhooks
from loomworks.integrations.models import ApiKey, SkuMapping, Store, StoreOrder, WebhookEndpoint
from loomworks.orders.models import Order
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory
from tests.integrations.conftest import post_shopify, shopify_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(admin):
    store, _secret = stores.store_create(
        kind="shopify", name="Main shop", secret="shpss_test_secret_0123456789", actor=admin
    )
    return store


def test_the_pages_are_for_admins_only(client, workshop):
    client.force_login(workshop.user)
    for url in ("/admin/connections/", "/admin/connections/webhooks/", "/admin/orders/"):
        assert client.get(url).status_code == 403


def test_a_new_key_is_shown_once(console):
    response = console.post(
        "/admin/connections/", {"name": "Shop sync", "scopes": ["runs:read", "orders:write"]}
    )
    assert response.status_code == 200
    key = ApiKey.objects.get()
    raw = response.context["raw_key"]
    assert raw.startswith("lwk_") and ApiKey.hash(raw) == key.key_hash
    assert raw in response.content.decode()
    again = console.get("/admin/connections/")
    assert raw not in again.content.decode() and key.hint in again.content.decode()


def test_a_key_form_without_scopes_says_so_beside_the_field(console):
    response = console.post("/admin/connections/", {"name": "Shop sync"})
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.exists()


def test_revoking_a_key(console, admin):
    from loomworks.integrations.keys import api_key_create

    key, _raw = api_key_create(name="Old", scopes=["runs:read"], actor=admin)
    response = console.post(f"/admin/connections/api-keys/{key.pk}/revoke/", follow=True)
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_private_webhook_url_is_refused_beside_the_field(console):
    response = console.post(
        "/admin/connections/webhooks/new/",
        {"url": "http://127.0.0.1/hooks", "events": ["production_run.completed"]},
    )
    assert response.status_code == 200
    assert "private" in response.context["form"].errors["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_new_endpoint_shows_its_secret_once(console, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    response = console.post(
        "/admin/connections/webhooks/new/",
        {"url": "http://127.0.0.1:9/hooks", "events": ["production_run.completed"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    assert (
        endpoint.secret
        not in console.get(f"/admin/connections/webhooks/{endpoint.pk}/").content.decode()
    )


def test_the_delivery_log_costs_the_same_queries_for_any_number_of_deliveries(
    console, settings, admin, make_run
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = webhooks.webhook_endpoint_create(
        url="http://127.0.0.1:9/hooks", events=["production_run.created"], actor=admin
    )
    url = f"/admin/connections/webhooks/{endpoint.pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert console.get(url).status_code == 200
        return len(captured)

    make_run()
    webhooks.deliveries_create(event=_last_created_event())
    few = queries()
    for _ in range(4):
        make_run()
        webhooks.deliveries_create(event=_last_created_event())
    assert queries() == few


def _last_created_event():
    from loomworks.events.models import Event

    return Event.objects.filter(name="production_run.created").order_by("-occurred_at").first()


def test_a_store_shows_its_receiver_url_and_a_shopify_store_needs_its_secret(console):
    refused = console.post("/admin/connections/stores/", {"kind": "shopify", "name": "Main"})
    assert "secret" in refused.context["form"].errors
    response = console.post("/admin/connections/stores/", {"kind": "medusa", "name": "Medusa"})
    store = Store.objects.get()
    body = response.content.decode()
    assert f"/api/stores/{store.pk}/medusa" in body
    assert store.secret in body  # made for Medusa, shown once


def test_mapping_an_unknown_sku_in_the_console_lets_the_order_go_on(client, console, shop):
    design = DesignFactory(name="Linen shirt")
    post_shopify(client, shop, shopify_order())
    page = console.get(f"/admin/connections/stores/{shop.pk}/")
    assert "SHIRT-NAVY-M" in page.content.decode()

    refused = console.post(
        f"/admin/connections/stores/{shop.pk}/sku-mappings/", {"sku": "SHIRT-NAVY-M"}
    )
    assert "design" in refused.context["mapping_form"].errors

    response = console.post(
        f"/admin/connections/stores/{shop.pk}/sku-mappings/",
        {"sku": "SHIRT-NAVY-M", "design": design.pk, "size": "M"},
    )
    assert response.status_code == 302
    assert SkuMapping.objects.get().design_id == design.pk
    assert StoreOrder.objects.get().state == "placed"
    drain()
    assert ProductionRun.objects.get().design_id == design.pk


def test_cancelling_an_order_in_the_console(client, console, shop, admin):
    design = DesignFactory()
    stores.sku_mapping_set(store=shop, sku="SHIRT-NAVY-M", design_id=design.pk, actor=admin)
    post_shopify(client, shop, shopify_order())
    drain()
    order = Order.objects.get()
    listing = console.get("/admin/orders/")
    assert "#1001" in listing.content.decode()
    response = console.post(
        f"/admin/orders/{order.pk}/cancel/", {"reason": "customer"}, follow=True
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.cancelled_reason == "customer"
    assert ProductionRun.objects.get().status == "cancelled"


def test_the_orders_list_costs_the_same_queries_for_any_number_of_orders(console, admin, shop):
    design = DesignFactory()
    stores.sku_mapping_set(store=shop, sku="SKU-1", design_id=design.pk, actor=admin)
    from loomworks.integrations.storefeeds import StoreLine, StoreOrderIn

    def receive(n):
        stores.store_order_receive(
            store=shop,
            order_in=StoreOrderIn(
                store_order_id=str(n), name=f"#{n}", lines=[StoreLine("l", "SKU-1", "", 1)]
            ),
            actor=stores.store_actor(shop),
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert console.get("/admin/orders/").status_code == 200
        return len(captured)

    receive(1)
    few = queries()
    for n in range(2, 7):
        receive(n)
    assert queries() == few
