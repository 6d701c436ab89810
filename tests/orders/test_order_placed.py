"""Store orders become runs: one per line that has a design, never two per line."""

import logging

import pytest

from loomworks.catalog.models import Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.errors import Conflict, DomainError, InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.orders.models import Order, OrderLine
from loomworks.orders.services import order_place
from loomworks.production import services as production
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory
from tests.production.support import history, world

pytestmark = pytest.mark.django_db

STORE = Actor.system()


@pytest.fixture
def catalogue():
    shirt_design, navy_design, scarf_design = DesignFactory(), DesignFactory(), DesignFactory()
    shirt = Product.objects.create(title="Linen shirt", handle="linen-shirt", design=shirt_design)
    sand = ProductVariant.objects.create(product=shirt, sku="SHIRT-SAND")  # product's design
    navy = ProductVariant.objects.create(product=shirt, sku="SHIRT-NAVY", design=navy_design)
    scarf = Product.objects.create(title="Scarf", handle="scarf", design=scarf_design)
    gift_card = Product.objects.create(title="Gift card", handle="gift-card")
    card = ProductVariant.objects.create(product=gift_card, sku="CARD-50")
    return {
        "shirt_design": shirt_design,
        "navy_design": navy_design,
        "scarf_design": scarf_design,
        "shirt": shirt,
        "sand": sand,
        "navy": navy,
        "scarf": scarf,
        "gift_card": gift_card,
        "card": card,
    }


def _place(external_id="SHOP-1001", lines=None):
    return order_place(external_id=external_id, lines=lines, actor=STORE)


def test_a_new_store_order_is_audited_once_and_a_retry_adds_nothing(catalogue):
    lines = [{"external_id": "L1", "variant_id": catalogue["navy"].pk, "quantity": 3}]
    first = _place(lines=lines)
    _place(lines=lines)  # the store sends it again
    [entry] = AuditEntry.objects.filter(action="order.placed")
    assert (entry.actor_kind, entry.target_type) == ("system", "order")
    assert entry.target_id == first.order.pk
    assert entry.details == {"external_id": "SHOP-1001", "lines": 1}


def test_each_line_with_a_design_becomes_a_pending_run(catalogue, caplog):
    c = catalogue
    result = _place(
        lines=[
            {"external_id": "L1", "variant_id": c["navy"].pk, "quantity": 3},  # variant design
            {"external_id": "L2", "variant_id": c["sand"].pk, "quantity": 2},  # product design
            {"external_id": "L3", "product_id": c["scarf"].pk, "quantity": 5},
            {"external_id": "L4", "sku": "SHIRT-NAVY", "quantity": 1},
            {"external_id": "L5", "variant_id": c["card"].pk, "quantity": 1},  # no design
        ]
    )
    assert result.created
    assert Event.objects.filter(name="order.placed", aggregate_id=result.order.pk).count() == 1
    with caplog.at_level(logging.WARNING, logger="loomworks.production"):
        drain()
    runs = {
        run.order_line.external_id: run
        for run in ProductionRun.objects.select_related("order_line")
    }
    assert set(runs) == {"L1", "L2", "L3", "L4"}
    assert runs["L1"].design_id == c["navy_design"].pk  # the variant's design wins
    assert runs["L2"].design_id == c["shirt_design"].pk
    assert runs["L3"].design_id == c["scarf_design"].pk
    assert runs["L4"].design_id == c["navy_design"].pk
    l1 = runs["L1"]
    assert (l1.status, l1.quantity, l1.run_type) == ("pending_review", 3, "production")
    assert (l1.order_id, l1.product_id, l1.variant_id) == (
        result.order.pk,
        c["shirt"].pk,
        c["navy"].pk,
    )
    assert l1.snapshot["provenance"]["order_external_id"] == "SHOP-1001"
    assert l1.snapshot["provenance"]["order_line_external_id"] == "L1"
    assert l1.snapshot["provenance"]["variant_sku"] == "SHIRT-NAVY"
    assert history(l1)[0].actor_kind == "system"

    line = OrderLine.objects.get(external_id="L5")
    (record,) = [r for r in caplog.records if "no design" in r.getMessage()]
    message = record.getMessage()
    assert "L5" in message and line.pk in message
    assert c["gift_card"].pk in message and c["card"].pk in message


def test_the_same_order_twice_makes_no_new_runs(catalogue):
    lines = [{"external_id": "L1", "variant_id": catalogue["navy"].pk, "quantity": 3}]
    first = _place(lines=lines)
    drain()
    second = _place(lines=lines)
    drain()
    assert not second.created and second.order.pk == first.order.pk
    assert Event.objects.filter(name="order.placed").count() == 1
    assert ProductionRun.objects.count() == 1


def test_a_redelivered_order_placed_never_makes_two_runs_for_a_line(catalogue):
    _place(lines=[{"external_id": "L1", "variant_id": catalogue["navy"].pk, "quantity": 3}])
    drain()
    before = world()
    Delivery.objects.update(state=DeliveryState.PENDING, attempts=0, finished_at=None)
    drain()
    assert ProductionRun.objects.count() == 1
    after = world()
    assert (after["runs"], after["history"], after["events"]) == (
        before["runs"],
        before["history"],
        before["events"],
    )


@pytest.mark.parametrize("failure", [RuntimeError("bug"), DomainError("refused")], ids=str)
def test_one_bad_line_does_not_stop_the_others(failure, catalogue, monkeypatch, caplog):
    real = production.run_create

    def fail_for_l2(**kwargs):
        if kwargs["order_line"].external_id == "L2":
            raise failure
        return real(**kwargs)

    monkeypatch.setattr(production, "run_create", fail_for_l2)
    _place(
        lines=[
            {"external_id": "L1", "product_id": catalogue["scarf"].pk, "quantity": 1},
            {"external_id": "L2", "product_id": catalogue["scarf"].pk, "quantity": 1},
            {"external_id": "L3", "product_id": catalogue["scarf"].pk, "quantity": 1},
        ]
    )
    with caplog.at_level(logging.WARNING, logger="loomworks.production"):
        drain(ignore_backoff=True)
    made = set(ProductionRun.objects.values_list("order_line__external_id", flat=True))
    assert made == {"L1", "L3"}
    assert not Delivery.objects.exclude(state=DeliveryState.DONE).exists()
    assert any("L2" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------- intake validation


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([{"quantity": 1}], "lines[0].external_id"),
        (
            [{"external_id": "A", "quantity": 1}, {"external_id": "A", "quantity": 1}],
            "lines[1].external_id",
        ),
        ([{"external_id": "A", "quantity": 0}], "lines[0].quantity"),
        ([{"external_id": "A", "quantity": True}], "lines[0].quantity"),
        ([{"external_id": "A", "quantity": "2"}], "lines[0].quantity"),
        ([{"external_id": "A", "quantity": 2**40}], "lines[0].quantity"),
        ([{"external_id": "A", "quantity": 1, "variant_id": "var_nope"}], "lines[0].variant_id"),
        ([{"external_id": "A", "quantity": 1, "product_id": "prod_nope"}], "lines[0].product_id"),
    ],
)
def test_a_bad_order_is_invalid_input_naming_the_field(lines, field):
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        _place(lines=lines)
    assert invalid.value.field == field
    assert world() == before
    assert not Order.objects.exists()


def test_an_order_needs_the_store_id():
    with pytest.raises(InvalidInput) as invalid:
        _place(external_id="  ", lines=[{"external_id": "A", "quantity": 1}])
    assert invalid.value.field == "external_id"


def test_a_line_id_of_another_order_is_a_conflict():
    _place(external_id="SHOP-1", lines=[{"external_id": "A", "quantity": 1}])
    with pytest.raises(Conflict):
        _place(external_id="SHOP-2", lines=[{"external_id": "A", "quantity": 1}])
    assert Order.objects.count() == 1
