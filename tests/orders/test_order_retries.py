"""A store retrying one order many times at once gets one order, and always 200 or 201.

Real threads with their own connections on PostgreSQL: the retries race past
the first "is it recorded?" check, and the losers must find the winner's
order whatever moment they look, never answer 409.
"""

import threading

import pytest
from django.db import connections
from django.test import Client

from loomworks.accounts.services import token_issue
from loomworks.catalog.models import Product
from loomworks.events.api import drain
from loomworks.orders.models import Order, OrderLine
from loomworks.production.models import ProductionRun
from tests.factories import AdminFactory, DesignFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

RETRIES = 12
ROUNDS = 6


def post_at_once(token: str, body: dict, count: int) -> list:
    gate = threading.Barrier(count, timeout=30)
    answers: list = [None] * count

    def send(index):
        try:
            client = Client()
            gate.wait()
            response = client.post(
                "/api/admin/orders",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            answers[index] = (response.status_code, response.json())
        except BaseException as exc:  # asserted below
            answers[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive(), "a retry hung"
    return answers


def test_concurrent_retries_of_one_order_all_answer_with_the_same_order():
    token = token_issue(user=AdminFactory())
    product = Product.objects.create(title="Scarf", handle="scarf", design=DesignFactory())

    for round_number in range(ROUNDS):
        body = {
            "external_id": f"SHOP-{round_number}",
            "lines": [
                {"external_id": f"SHOP-{round_number}-L1", "product_id": product.pk, "quantity": 2},
                {"external_id": f"SHOP-{round_number}-L2", "product_id": product.pk, "quantity": 1},
            ],
        }

        answers = post_at_once(token, body, RETRIES)

        statuses = sorted(answer[0] for answer in answers if isinstance(answer, tuple))
        assert statuses == [200] * (RETRIES - 1) + [201], answers
        assert len({answer[1]["order"]["id"] for answer in answers}) == 1

    drain()
    assert Order.objects.count() == ROUNDS
    assert OrderLine.objects.count() == 2 * ROUNDS
    assert ProductionRun.objects.filter(order_line__isnull=False).count() == 2 * ROUNDS
