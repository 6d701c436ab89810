"""Constraints that matter, held by the database itself."""

import pytest
from django.db import IntegrityError, transaction

from loomworks.core.ids import new_id
from loomworks.orders.models import Order, OrderLine
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun, RunDependency
from tests.factories import DesignFactory, MemberFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_partner_handle_is_unique():
    PartnerFactory(handle="atelier")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.create(name="Other", handle="atelier")


def test_member_email_is_unique_across_partners():
    MemberFactory(user=UserFactory(email="ana@example.test"))
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="ana@example.test")


def test_a_user_belongs_to_one_partner_only():
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(user=member.user)


def test_order_line_store_id_is_unique():
    order = Order.objects.create(external_id="SHOP-1")
    OrderLine.objects.create(order=order, external_id="SHOP-1-1", quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.create(order=order, external_id="SHOP-1-1", quantity=2)


def test_order_line_quantity_is_positive_in_the_database():
    order = Order.objects.create(external_id="SHOP-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.create(order=order, external_id="SHOP-2-1", quantity=0)


def _raw_run(**fields):
    defaults = {
        "design": DesignFactory(details=False),
        "quantity": 1,
        "number": ProductionRun.objects.count() + 1,
    }
    return ProductionRun(**{**defaults, **fields})


@pytest.mark.parametrize("quantity", [0])
def test_run_quantity_is_positive_in_the_database(quantity):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_run(quantity=quantity).save()


def test_one_run_per_order_line_in_the_database():
    order = Order.objects.create(external_id="SHOP-3")
    line = OrderLine.objects.create(order=order, external_id="SHOP-3-1", quantity=1)
    _raw_run(order_line=line).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_run(order_line=line, number=999).save()


def test_run_reference_numbers_are_unique():
    _raw_run(number=5).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_run(number=5).save()


def test_a_run_cannot_depend_on_itself():
    run = _raw_run()
    run.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        RunDependency.objects.create(run=run, depends_on=run)


def test_ids_are_prefixed_opaque_and_time_ordered():
    first, second = new_id("run"), new_id("run")
    assert first.startswith("run_") and len(first) == 30
    assert first != second
    assert PartnerFactory().pk.startswith("ptr_")
