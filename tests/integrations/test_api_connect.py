"""The connections API as the issue's contract names it: webhooks, their deliveries and
replays, stores and SKU mappings; lists in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.events.api import drain
from loomworks.integrations.models import Store, WebhookAttempt
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory
from tests.integrations.conftest import SHOPIFY_SECRET, post_shopify, shopify_order

pytestmark = pytest.mark.django_db


def _count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
        assert response.status_code == 200, response.json()
    return len(captured)


def test_an_endpoint_on_127_0_0_1_is_refused_unless_allowed(admin_api, settings):
    body = {"url": "http://127.0.0.1:8104/hooks", "events": ["production_run.completed"]}
    refused = admin_api.post("/webhooks", body)
    assert refused.status_code == 422
    assert refused.json()["field"] == "url"
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    created = admin_api.post("/webhooks", {**body, "description": "ERP"})
    assert created.status_code == 201
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["webhook"]["events"] == ["production_run.completed"]
    assert created.json()["secret"] not in str(admin_api.get("/webhooks").json())


def test_deliveries_are_listed_and_replayed_through_the_api(admin_api, receiver, make_run):
    webhook = admin_api.post(
        "/webhooks", {"url": receiver.url, "events": ["production_run.created"]}
    ).json()["webhook"]
    receiver.answers = [500, 200]
    make_run()
    drain(ignore_backoff=True)
    path = f"/webhooks/{webhook['id']}/deliveries"

    few = _count_queries(lambda: admin_api.get(path))
    for _ in range(4):
        make_run()
    drain(ignore_backoff=True)
    assert _count_queries(lambda: admin_api.get(path)) == few

    listing = admin_api.get(path).json()
    assert listing["count"] == 5
    first = listing["deliveries"][-1]
    assert (first["state"], first["response_code"], first["attempts"]) == ("delivered", 200, 2)
    assert first["duration_ms"] is not None and '"received"' in first["response_excerpt"]
    detail = admin_api.get(f"{path}/{first['id']}").json()["delivery"]
    assert [try_["response_code"] for try_ in detail["log"]] == [200, 500]

    replayed = admin_api.post(f"{path}/{first['id']}/replay")
    assert replayed.status_code == 202
    drain()
    assert WebhookAttempt.objects.filter(delivery_id=first["id"], replay=True).count() == 1
    assert admin_api.post(f"{path}/msg_nothing/replay").status_code == 404


def test_a_store_and_its_sku_mappings_through_the_api(admin_api, client):
    design = DesignFactory()
    created = admin_api.post(
        "/stores", {"kind": "shopify", "name": "Main shop", "secret": SHOPIFY_SECRET}
    )
    assert created.status_code == 201, created.json()
    store = created.json()["store"]
    assert store["receiver_url"].endswith(f"/api/stores/{store['id']}/shopify")
    assert created.json()["secret"] == SHOPIFY_SECRET
    shop = Store.objects.get()
    assert post_shopify(client, shop, shopify_order()).json()["status"] == "waiting"

    queue = admin_api.get(f"/stores/{shop.pk}/unknown-skus").json()
    assert [entry["sku"] for entry in queue["unknown_skus"]] == ["SHIRT-NAVY-M"]
    assert admin_api.get(f"/stores/{shop.pk}").json()["store"]["waiting_orders"] == 1

    mapped = admin_api.post(
        f"/stores/{shop.pk}/sku-mappings",
        {"sku": "SHIRT-NAVY-M", "design_id": design.pk, "size": "", "color": ""},
    )
    assert mapped.status_code == 201, mapped.json()
    assert len(mapped.json()["placed_orders"]) == 1
    again = admin_api.post(f"/stores/{shop.pk}/sku-mappings", {"sku": "SHIRT-NAVY-M", "skip": True})
    assert again.status_code == 200
    unknown_design = admin_api.post(
        f"/stores/{shop.pk}/sku-mappings", {"sku": "X", "design_id": "des_nothing"}
    )
    assert (unknown_design.status_code, unknown_design.json()["field"]) == (422, "design_id")
    assert admin_api.get(f"/stores/{shop.pk}/unknown-skus").json()["count"] == 0


def test_store_lists_cost_the_same_queries_for_any_number_of_stores(admin_api):
    def make(n):
        admin_api.post("/stores", {"kind": "medusa", "name": f"Shop {n}"})

    make(0)
    few = _count_queries(lambda: admin_api.get("/stores"))
    for n in range(1, 5):
        make(n)
    assert _count_queries(lambda: admin_api.get("/stores")) == few
