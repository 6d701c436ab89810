"""One limit for each number, whatever door it comes in by.

The largest quantity of a run or an order line is the same for the admin API,
the console's forms, store orders and the services: 1 000 000 000. Just above
it, every one of them refuses, naming the field; at it, every one accepts.
"""

import pytest

from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.core.limits import MAX_QUANTITY, is_hex_colour, swatch
from loomworks.orders.models import Order
from loomworks.orders.services import order_place
from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.api.admin_fixtures import *  # noqa: F403
from tests.web.console.conftest import console  # noqa: F401

pytestmark = pytest.mark.django_db

TOO_MANY = MAX_QUANTITY + 1


def test_the_limit_is_a_billion_pieces():
    assert MAX_QUANTITY == 1_000_000_000


def test_the_admin_api_refuses_one_piece_more(admin_api, design):
    response = admin_api.post("/production-runs", {"design_id": design.pk, "quantity": TOO_MANY})
    assert (response.status_code, response.json()["field"]) == (422, "quantity")
    response = admin_api.post(
        "/production-runs", {"design_id": design.pk, "quantity": MAX_QUANTITY}
    )
    assert response.status_code == 201


def test_the_console_refuses_one_piece_more(console, design):  # noqa: F811
    response = console.post(
        f"/admin/designs/{design.pk}/production-runs/",
        {"run_type": "production", "quantity": str(TOO_MANY)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Give {MAX_QUANTITY:,} or less." in page and "Ensure this value" not in page
    assert not ProductionRun.objects.exists()


def test_a_store_order_refuses_one_piece_more():
    with pytest.raises(InvalidInput) as refused:
        order_place(
            external_id="SHOP-1",
            lines=[{"external_id": "L1", "quantity": TOO_MANY}],
            actor=Actor.system(),
        )
    assert refused.value.field == "lines[0].quantity"
    assert str(MAX_QUANTITY) in refused.value.detail
    assert not Order.objects.exists()


def test_the_services_refuse_one_piece_more(design, admin):
    with pytest.raises(InvalidInput) as refused:
        services.run_create(design=design, actor=admin, quantity=TOO_MANY)
    assert refused.value.field == "quantity"
    assert services.run_create(design=design, actor=admin, quantity=MAX_QUANTITY).pk


@pytest.mark.parametrize(
    ("value", "ok"),
    [("#1A2B3C", True), ("#abcdef", True), ("#12345", False), ("red", False), (None, False)],
)
def test_one_rule_for_hex_colours(value, ok):
    assert is_hex_colour(value) is ok
    assert swatch(value) == (value if ok else "")
