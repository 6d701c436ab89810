"""Connections in a real Chromium: an API key shown once, a store connected with its
receiver URL, an order from it waiting for a SKU and going on once the SKU is mapped."""

import json

import pytest
from django.test import Client

from loomworks.integrations.models import ApiKey, Store
from loomworks.production.models import ProductionRun
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, DesignFactory
from tests.integrations.conftest import SHOPIFY_SECRET, shopify_hmac, shopify_order
from tests.scale.conftest import wait_for


@pytest.fixture
def admin_user(transactional_db):
    return AdminFactory(first_name="Maya", last_name="Lind")


def test_an_api_key_is_shown_once(page, live_server, admin_user):
    log_in(page, live_server, admin_user.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/connections/")
    page.fill("input[name=name]", "ERP bridge")
    page.get_by_label("runs:read", exact=False).check()
    page.get_by_role("button", name="Create key").click()
    shown = page.get_by_test_id("shown-once").inner_text()
    assert shown.startswith("lwk_")
    assert ApiKey.objects.get().key_hash == ApiKey.hash(shown)
    page.reload()
    assert shown not in page.content()


def test_connect_a_store_and_map_the_sku_an_order_waits_for(page, live_server, admin_user):
    design = DesignFactory(name="Camp Shirt")
    log_in(page, live_server, admin_user.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/connections/stores/")
    page.select_option("select[name=kind]", "shopify")
    page.fill("input[name=name]", "Main shop")
    page.get_by_role("button", name="Connect").click()
    assert "client secret" in page.locator(".field__error").inner_text()  # beside the field
    page.fill("input[name=secret]", SHOPIFY_SECRET)
    page.get_by_role("button", name="Connect").click()
    store = Store.objects.get()
    assert (
        page.get_by_test_id("receiver-url").inner_text().endswith(f"/api/stores/{store.pk}/shopify")
    )

    body = json.dumps(shopify_order()).encode()
    answer = Client().post(
        f"/api/stores/{store.pk}/shopify",
        body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC="orders/create",
        HTTP_X_SHOPIFY_HMAC_SHA256=shopify_hmac(body),
    )
    assert answer.json()["status"] == "waiting"

    page.goto(f"{live_server.url}/admin/connections/stores/{store.pk}/")
    page.locator("#unknown").get_by_role("link", name="Map").click()
    assert page.input_value("input[name=sku]") == "SHIRT-NAVY-M"
    page.select_option("select[name=design]", label="Camp Shirt")
    page.get_by_role("button", name="Save mapping").click()
    assert "went on: #1001" in page.locator(".flash").inner_text()
    # The dispatcher makes the run once the mapping is committed.
    wait_for(lambda: ProductionRun.objects.filter(design=design).exists(), timeout=10, what="run")
