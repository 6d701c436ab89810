"""At least once means maybe twice: delivering every event again changes nothing."""

import pytest
from django.utils import timezone

from loomworks.catalog import services as catalog
from loomworks.catalog.models import DesignStatus, Product, ProductVariant
from loomworks.core.actors import Actor
from loomworks.events import registry
from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.orders.services import order_place
from loomworks.production import services
from loomworks.production.services import Assignment
from loomworks.work.models import Task
from tests.factories import DesignFactory, TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    assert_no_open_tasks_on_terminal_runs,
    fresh,
    pending_deliveries,
    tasks_of,
    world,
)


def _finish_by_tasks(run, workshop):
    for task in tasks_of(run, top_level=True):
        for item in task.subtasks.order_by("position"):
            services.run_subtask_complete(task=task, subtask=item, actor=workshop.actor)
        services.run_task_finish(task=task, actor=workshop.actor)


@pytest.fixture
def full_life(admin, make_workshop, make_run):
    """Runs through every kind of change and cascade, with the outbox drained after each step."""
    design = DesignFactory(status=DesignStatus.IN_DEVELOPMENT)
    a, b, b2, c, e = (make_workshop() for _ in range(5))
    cutting = TemplateFactory(name="Cutting", checklist=["Lay", "Cut"])
    sewing = TemplateFactory(name="Sewing", checklist=["Sides"])

    # A sample run split into cutting (two workshops), sewing (sent by itself
    # when cutting is done) and finishing (announced ready, sent by hand).
    parent = make_run("pending_review", quantity=4, design=design, run_type="sample")
    cut_a, cut_b, sew, finish = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=a.partner.pk, quantity=2, order=1, template_ids=[cutting.pk]),
            Assignment(partner_id=b.partner.pk, quantity=2, order=1, template_ids=[cutting.pk]),
            Assignment(partner_id=c.partner.pk, quantity=4, order=2, template_ids=[sewing.pk]),
            Assignment(partner_id=e.partner.pk, quantity=4, order=3),
        ],
    ).children
    drain()
    services.run_accept(run=cut_a, actor=a.actor)
    task = tasks_of(cut_a, top_level=True)[0]
    services.task_comment_add(task=task, actor=a.actor, body="Grain line?")
    services.task_comment_add(task=task, actor=admin, body="Lengthwise.")
    drain()
    _finish_by_tasks(cut_a, a)  # completed by the system
    drain()
    services.run_decline(run=cut_b, actor=b.actor, reason="capacity")
    services.run_reassign(run=cut_b, partner=b2.partner, actor=admin)
    services.run_dispatch(run=cut_b, template_ids=[cutting.pk], actor=admin)
    services.run_accept(run=cut_b, actor=b2.actor)
    services.run_start(run=cut_b, actor=b2.actor)
    services.run_finish(run=cut_b, actor=b2.actor)
    services.run_complete(run=cut_b, actor=b2.actor)
    drain()  # sewing is sent by itself
    assert fresh(sew).status == "sent_to_partner"
    services.run_accept(run=sew, actor=c.actor)
    services.run_add_tasks(run=sew, actor=admin, title="Re-sew the left seam")
    drain()
    _finish_by_tasks(sew, c)
    drain()  # finishing is announced ready
    services.run_dispatch(run=finish, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=finish, actor=e.actor)
    services.run_complete(run=finish, actor=admin)
    drain()  # the parent completes, the design goes to review

    # A second split whose first step is cancelled: the next step is blocked,
    # then cancelled too, and the parent with it.
    other = make_run("pending_review", quantity=1, design=design)
    first, second = services.run_approve(
        run=other,
        actor=admin,
        assignments=[
            Assignment(partner_id=a.partner.pk, quantity=1, order=1, template_ids=[cutting.pk]),
            Assignment(partner_id=c.partner.pk, quantity=1, order=2),
        ],
    ).children
    services.run_cancel(run=first, actor=admin, reason="fabric recalled")
    drain()
    services.run_cancel(run=second, actor=admin, reason="nothing to sew")
    drain()

    # A store order makes a run of its own.
    product = Product.objects.create(title="Shirt", handle="shirt", design=design)
    variant = ProductVariant.objects.create(product=product, sku="SHIRT-1")
    order_place(
        external_id="SHOP-9",
        lines=[{"external_id": "SHOP-9-1", "variant_id": variant.pk, "quantity": 2}],
        actor=Actor.system(),
    )
    drain()

    assert pending_deliveries() == 0
    assert fresh(parent).status == "completed"
    assert fresh(other).status == "cancelled"
    assert fresh(design).status == DesignStatus.TECHNICAL_REVIEW
    return design, [parent, cut_a, cut_b, sew, finish, other, first, second]


def _deliver_everything_again():
    """Every event to every subscriber once more: reset the done rows, add missing ones."""
    Delivery.objects.update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        lease_owner="",
        lease_until=None,
        finished_at=None,
    )
    for event in Event.objects.all():
        have = set(event.deliveries.values_list("subscriber", flat=True))
        Delivery.objects.bulk_create(
            [
                Delivery(event=event, subscriber=listener.name)
                for listener in registry.subscribers_for(event.name)
                if listener.name not in have
            ]
        )
    return Delivery.objects.count()


def test_redelivering_every_event_changes_nothing(full_life):
    _design, runs = full_life
    before = world()
    deliveries = _deliver_everything_again()
    assert drain(ignore_backoff=True) >= deliveries
    after = world()
    before.pop("deliveries"), after.pop("deliveries")
    assert after == before
    assert not Delivery.objects.exclude(state=DeliveryState.DONE).exists()
    for run in runs:
        assert_each_status_change_recorded_once(run)
    assert_no_open_tasks_on_terminal_runs()


def test_redelivery_never_undoes_what_an_admin_did_since(full_life, admin):
    """A late copy of a sample run's events must not move its design again."""
    design, _runs = full_life
    catalog.design_update(design=design, actor=admin, status=DesignStatus.REVISION)
    before = world()
    _deliver_everything_again()
    drain(ignore_backoff=True)
    assert fresh(design).status == DesignStatus.REVISION
    after = world()
    before.pop("deliveries"), after.pop("deliveries")
    assert after == before


def test_the_full_life_left_every_task_closed(full_life):
    assert not Task.objects.filter(status__in=["pending", "accepted", "in_progress"]).exclude(
        run__status__in=["approved", "sent_to_partner", "in_progress", "pending_review"]
    )
