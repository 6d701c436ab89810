"""Cancelling an order cancels its runs not yet accepted; runs already in work go on and the
admins are told, to decide on them."""

import pytest

from loomworks.catalog.models import Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.core.models import AuditEntry
from loomworks.events.api import drain
from loomworks.notifications.models import Notification
from loomworks.orders.models import Order
from loomworks.orders.services import order_place
from loomworks.production import services
from loomworks.production.models import ProductionRun
from loomworks.production.services.orders import order_cancel
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory, TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_with_runs(db):
    """An order of four lines, each a run once `order.placed` is worked."""
    design = DesignFactory()
    product = Product.objects.create(title="Shirt", handle="shirt", design=design)
    for sku in ("A", "B", "C", "D"):
        ProductVariant.objects.create(product=product, sku=sku)
    result = order_place(
        external_id="SHOP-77",
        lines=[
            {"external_id": f"L-{sku}", "sku": sku, "quantity": 2} for sku in ("A", "B", "C", "D")
        ],
        actor=Actor.system(),
    )
    drain()
    runs = {run.order_line.sku: run for run in ProductionRun.objects.select_related("order_line")}
    return result.order, runs


@pytest.fixture
def situation(order_with_runs, admin, workshop):
    """A: pending review; B: sent to the partner; C: accepted (in work); D: completed."""
    order, runs = order_with_runs
    template = TemplateFactory()
    for sku in ("B", "C", "D"):
        run = runs[sku]
        ProductionRun.objects.filter(pk=run.pk).update(partner=workshop.partner)
        run = services.run_approve(run=run, actor=admin).run
        run = services.run_dispatch(run=run, template_ids=[template.pk], actor=admin).run
        if sku in ("C", "D"):
            run = services.run_accept(run=run, actor=workshop.actor)
        if sku == "D":
            run = services.run_complete(run=run, actor=admin)
    drain()
    return order, {sku: ProductionRun.objects.get(pk=run.pk) for sku, run in runs.items()}


def test_cancel_cascades_to_runs_not_yet_accepted_and_tells_admins_about_the_rest(
    situation, admin, admin_user
):
    order, runs = situation
    result = order_cancel(order=order, actor=admin, reason="customer changed their mind")

    outcomes = {o.run.order_line.sku: o.outcome for o in result.runs}
    assert outcomes == {
        "A": "cancelled",
        "B": "cancelled",
        "C": "in_work",
        "D": "completed",
    }
    statuses = {sku: ProductionRun.objects.get(pk=run.pk).status for sku, run in runs.items()}
    assert statuses == {
        "A": "cancelled",
        "B": "cancelled",
        "C": "in_progress",
        "D": "completed",
    }
    row = runs["B"].history.get(kind="cancel")
    assert row.actor_name == admin.name
    assert "SHOP-77" in row.note and "customer changed their mind" in row.note

    drain()
    (notice,) = Notification.objects.filter(recipient=admin_user, kind="order.cancelled")
    assert runs["C"].reference in notice.summary
    assert notice.run_id == runs["C"].pk
    audit = AuditEntry.objects.get(action="order.cancelled", target_id=order.pk)
    assert audit.actor_name == admin.name


def test_cancelling_again_changes_nothing(situation, admin):
    order, _runs = situation
    first = order_cancel(order=order, actor=admin)
    second = order_cancel(order=order, actor=admin)
    assert first.changed and not second.changed
    assert [o.outcome for o in second.runs] == [o.outcome for o in first.runs]
    assert AuditEntry.objects.filter(action="order.cancelled").count() == 1


def test_no_runs_are_made_for_an_order_cancelled_before_its_runs(admin):
    design = DesignFactory()
    product = Product.objects.create(title="Shirt", handle="shirt-2", design=design)
    ProductVariant.objects.create(product=product, sku="Z")
    result = order_place(
        external_id="SHOP-78",
        lines=[{"external_id": "L-Z", "sku": "Z", "quantity": 1}],
        actor=Actor.system(),
    )
    order_cancel(order=result.order, actor=admin)
    drain()  # order.placed is worked after the cancellation
    assert not ProductionRun.objects.exists()


def test_the_api_answers_with_the_order_and_what_became_of_each_run(situation, admin_api):
    order, runs = situation
    response = admin_api.post(f"/orders/{order.pk}/cancel", {"reason": "fraud"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["order"]["id"] == order.pk
    assert body["order"]["cancelled_reason"] == "fraud"
    assert body["order"]["cancelled_at"] is not None
    by_ref = {run["reference"]: (run["status"], run["outcome"]) for run in body["runs"]}
    assert by_ref == {
        runs["A"].reference: ("cancelled", "cancelled"),
        runs["B"].reference: ("cancelled", "cancelled"),
        runs["C"].reference: ("in_progress", "in_work"),
        runs["D"].reference: ("completed", "completed"),
    }
    again = admin_api.post(f"/orders/{order.pk}/cancel", {})
    assert again.status_code == 200
    assert Order.objects.get().cancelled_reason == "fraud"


def test_an_unknown_order_is_404_and_a_long_reason_is_422(situation, admin_api):
    order, _runs = situation
    assert admin_api.post("/orders/ord_nope/cancel", {}).status_code == 404
    response = admin_api.post(f"/orders/{order.pk}/cancel", {"reason": "x" * 2001})
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    assert Order.objects.get().cancelled_at is None
