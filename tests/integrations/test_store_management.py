"""A store connection after it is made: renamed, its secret replaced, disconnected; a SKU
mapping removed. Each change is audited; a disconnected store's webhooks are refused."""

import json

import pytest
from django.test import Client

from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.integrations import stores
from loomworks.integrations.models import SkuMapping, Store, StoreOrder
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory
from tests.integrations.conftest import (
    SHOPIFY_SECRET,
    post_medusa,
    post_shopify,
    shopify_hmac,
    shopify_order,
)

pytestmark = pytest.mark.django_db

NEW_SHOPIFY_SECRET = "shpss_rotated_secret_9876543210"


@pytest.fixture
def mapped_sku(shopify_store, admin):
    design = DesignFactory(name="Linen scarf")
    stores.sku_mapping_set(store=shopify_store, sku="SCARF-1", design_id=design.pk, actor=admin)
    return shopify_store


# ---------------------------------------------------------------- services


def test_a_store_is_renamed_and_the_change_audited(shopify_store, admin, admin_user):
    stores.store_update(store=shopify_store, name="  Online shop ", actor=admin)
    assert Store.objects.get(pk=shopify_store.pk).name == "Online shop"
    [entry] = AuditEntry.objects.filter(action="store.updated")
    assert entry.actor_id == admin_user.pk
    assert entry.details == {"name": ["Main shop", "Online shop"]}
    with pytest.raises(InvalidInput) as error:
        stores.store_update(store=shopify_store, name=" ", actor=admin)
    assert error.value.field == "name"


def test_a_replaced_shopify_secret_signs_from_then_on(client, mapped_sku, admin):
    order = shopify_order(lines=[{"id": 1, "sku": "SCARF-1", "quantity": 2, "title": "Scarf"}])
    with pytest.raises(InvalidInput) as error:
        stores.store_secret_replace(store=mapped_sku, secret="", actor=admin)
    assert error.value.field == "secret"  # Shopify makes its secrets; the admin pastes it
    _store, shown = stores.store_secret_replace(
        store=mapped_sku, secret=NEW_SHOPIFY_SECRET, actor=admin
    )
    assert shown == NEW_SHOPIFY_SECRET
    assert post_shopify(client, mapped_sku, order).status_code == 401  # the old secret
    body = json.dumps(order).encode()
    signed = post_shopify(
        client, mapped_sku, order, signature=shopify_hmac(body, NEW_SHOPIFY_SECRET)
    )
    assert signed.status_code == 200, signed.content
    [entry] = AuditEntry.objects.filter(action="store.secret_replaced")
    assert SHOPIFY_SECRET not in str(entry.details) and NEW_SHOPIFY_SECRET not in str(entry.details)


def test_a_medusa_store_gets_a_new_secret_made(client, medusa_store, admin):
    old = medusa_store.secret
    _store, shown = stores.store_secret_replace(store=medusa_store, secret="", actor=admin)
    assert shown.startswith("whsec_") and shown != old
    order = {"type": "order.canceled", "data": {"id": "order_1"}}
    assert post_medusa(client, medusa_store, order, secret=old).status_code == 401
    assert post_medusa(client, medusa_store, order, secret=shown).status_code == 200


def test_a_disconnected_store_is_refused_and_keeps_its_orders(client, mapped_sku, admin):
    order = shopify_order(lines=[{"id": 1, "sku": "SCARF-1", "quantity": 2, "title": "Scarf"}])
    assert post_shopify(client, mapped_sku, order).status_code == 200
    stores.store_disconnect(store=mapped_sku, actor=admin)
    store = Store.objects.get(pk=mapped_sku.pk)
    assert store.disconnected_at is not None and store.secret == ""
    refused = post_shopify(client, mapped_sku, shopify_order(order_id=2, lines=order["line_items"]))
    assert refused.status_code == 404
    assert StoreOrder.objects.filter(store=store).count() == 1  # the history stays
    assert AuditEntry.objects.filter(action="store.disconnected", target_id=store.pk).count() == 1
    with pytest.raises(Conflict):
        stores.store_update(store=store, name="Again", actor=admin)


def test_a_mapping_is_removed_and_audited(mapped_sku, admin):
    stores.sku_mapping_remove(store=mapped_sku, sku="SCARF-1", actor=admin)
    assert not SkuMapping.objects.filter(store=mapped_sku).exists()
    [entry] = AuditEntry.objects.filter(action="sku_mapping.removed")
    assert entry.details["sku"] == "SCARF-1"


# ---------------------------------------------------------------- API


def test_the_api_renames_replaces_the_secret_and_disconnects(admin_api, mapped_sku):
    url = f"/stores/{mapped_sku.pk}"
    renamed = admin_api.patch(url, {"name": "Online shop"})
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["store"]["name"] == "Online shop"
    assert admin_api.patch(url, {"name": ""}).json()["field"] == "name"
    replaced = admin_api.post(f"{url}/secret", {"secret": NEW_SHOPIFY_SECRET})
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["secret"] == NEW_SHOPIFY_SECRET
    assert NEW_SHOPIFY_SECRET not in str(admin_api.get(url).json())
    removed = admin_api.delete(f"{url}/sku-mappings/SCARF-1")
    assert removed.status_code == 204
    assert admin_api.delete(f"{url}/sku-mappings/SCARF-1").status_code == 404
    assert admin_api.delete(url).status_code == 204
    listed = admin_api.get(url).json()["store"]
    assert listed["disconnected_at"]
    assert admin_api.delete(url).status_code == 409  # once is enough
    assert admin_api.delete("/stores/store_nothing").status_code == 404


# ---------------------------------------------------------------- console


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_console_store_page_renames_and_disconnects(admin_client, mapped_sku):
    url = f"/admin/connections/stores/{mapped_sku.pk}/"
    page = admin_client.get(url)
    assert b"Disconnect" in page.content and b"Replace the secret" in page.content
    response = admin_client.post(url + "edit/", {"name": "Online shop"})
    assert response.status_code == 302
    assert Store.objects.get(pk=mapped_sku.pk).name == "Online shop"
    replaced = admin_client.post(url + "secret/", {"secret": NEW_SHOPIFY_SECRET})
    assert replaced.status_code == 200
    assert NEW_SHOPIFY_SECRET.encode() in replaced.content  # shown this once
    removed = admin_client.post(url + "sku-mappings/remove/", {"sku": "SCARF-1"})
    assert removed.status_code == 302
    assert not SkuMapping.objects.filter(store=mapped_sku).exists()
    assert admin_client.post(url + "disconnect/").status_code == 302
    assert Store.objects.get(pk=mapped_sku.pk).disconnected_at is not None
    after = admin_client.get(url)
    assert b"Disconnected" in after.content and b"Replace the secret" not in after.content
