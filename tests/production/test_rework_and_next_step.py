"""Rejected pieces remade in a linked run; the next step makes what was delivered."""

import pytest

from loomworks.core.errors import InvalidInput, TransitionNotAllowed
from loomworks.production import services
from loomworks.production.models import ProductionPolicy, ProductionRun
from loomworks.production.selectors import admin_run_detail
from loomworks.production.services.next_step import share
from tests.factories import TemplateFactory
from tests.production.support import fresh, history, world

pytestmark = pytest.mark.django_db


def set_policy(**fields):
    ProductionPolicy.current()
    ProductionPolicy.objects.filter(pk=1).update(**fields)


# ---------------------------------------------------------------- rework


@pytest.fixture
def with_rejects(run_at, workshop):
    run = run_at("started", quantity=10)
    services.delivery_record(
        run=run,
        actor=workshop.actor,
        good=7,
        rejected=[{"reason": "stitching_fault", "quantity": 3}],
    )
    return fresh(run)


def test_a_rework_run_is_linked_both_ways(with_rejects, admin, other_workshop):
    rework = services.run_rework(
        run=with_rejects, actor=admin, quantity=2, partner=other_workshop.partner, note="resew"
    )

    assert rework.rework_of_id == with_rejects.pk and rework.status == "approved"
    assert (rework.quantity, rework.partner_id) == (2, other_workshop.partner.pk)
    assert rework.snapshot == with_rejects.snapshot
    detail = admin_run_detail(with_rejects.pk)
    assert detail.run.reworks == (rework.pk,)
    assert [other.id for other in detail.reworks] == [rework.pk]
    assert detail.rejected_left_to_rework == 1
    assert admin_run_detail(rework.pk).rework_of.id == with_rejects.pk
    row = history(with_rejects)[-1]
    assert (row.kind, row.related_run_id, row.actor_name) == ("rework", rework.pk, admin.name)
    assert history(rework)[0].note == f"Rework of {with_rejects.reference}"


def test_the_same_partner_by_default_and_no_more_than_was_rejected(with_rejects, admin, workshop):
    rework = services.run_rework(run=with_rejects, actor=admin, quantity=3)
    assert rework.partner_id == workshop.partner.pk
    before = world()
    with pytest.raises(InvalidInput) as refused:
        services.run_rework(run=with_rejects, actor=admin, quantity=1)
    assert refused.value.field == "quantity" and "0 rejected pieces left" in refused.value.detail
    assert world() == before
    services.run_cancel(run=rework, actor=admin)
    assert services.run_rework(run=with_rejects, actor=admin, quantity=3).quantity == 3


def test_a_run_without_rejects_has_nothing_to_rework(run_at, admin):
    run = run_at("started")
    with pytest.raises((InvalidInput, TransitionNotAllowed)):
        services.run_rework(run=run, actor=admin, quantity=1)
    assert "rework" not in admin_run_detail(run.pk).actions


# ---------------------------------------------------------------- the next step


def test_share_splits_in_proportion_largest_remainders_first():
    assert share(8, {"b": 6, "c": 4}) == {"b": 5, "c": 3}
    assert share(10, {"b": 6, "c": 4}) == {"b": 6, "c": 4}
    assert share(0, {"b": 6}) == {"b": 0}


@pytest.fixture
def two_steps(make_run, admin, workshop, other_workshop):
    """Cutting (10, workshop) then sewing (10, other workshop, sent by itself)."""
    parent = make_run(quantity=10)
    sewing_template = TemplateFactory(name="Sew")
    cutting, sewing = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(
                partner_id=workshop.partner.pk,
                quantity=10,
                order=1,
                template_ids=[TemplateFactory(name="Cut").pk],
            ),
            services.Assignment(
                partner_id=other_workshop.partner.pk,
                quantity=10,
                order=2,
                template_ids=[sewing_template.pk],
            ),
        ],
    ).children
    services.run_accept(run=cutting, actor=workshop.actor)
    return cutting, sewing


def test_the_next_step_follows_what_was_delivered(two_steps, workshop, drained):
    set_policy(next_step_quantity="follow")
    cutting, sewing = two_steps
    services.delivery_record(
        run=cutting,
        actor=workshop.actor,
        good=8,
        rejected=[{"reason": "fabric_fault", "quantity": 2}],
        final=True,
        shortfall_reason="Two pieces with fabric faults",
    )
    drained()
    sewing = fresh(sewing)
    assert sewing.quantity == 8 and sewing.status == "sent_to_partner"
    followed = [row for row in history(sewing) if row.kind == "quantity_followed"]
    assert followed[0].details == {"from": 10, "to": 8}


def test_the_admin_confirms_a_different_quantity_before_dispatch(
    two_steps, workshop, admin, drained
):
    cutting, sewing = two_steps  # the policy asks by default
    services.delivery_record(
        run=cutting, actor=workshop.actor, good=8, final=True, shortfall_reason="short cloth"
    )
    drained()
    sewing = fresh(sewing)
    assert (sewing.status, sewing.quantity, sewing.proposed_quantity) == ("approved", 10, 8)
    assert history(sewing)[-1].kind == "quantity_proposed"
    detail = admin_run_detail(sewing.pk)
    assert "quantity_confirmed" in detail.actions and "dispatch" not in detail.actions
    with pytest.raises(TransitionNotAllowed):
        services.run_dispatch(run=sewing, template_ids=sewing.planned_template_ids, actor=admin)
    drained()  # a redelivery proposes nothing twice
    assert [row.kind for row in history(sewing)].count("quantity_proposed") == 1

    services.run_quantity_confirm(run=sewing, actor=admin)

    sewing = fresh(sewing)
    assert (sewing.quantity, sewing.proposed_quantity, sewing.status) == (
        8,
        None,
        "sent_to_partner",
    )


def test_a_step_without_recorded_output_keeps_its_quantity(two_steps, workshop, drained):
    cutting, sewing = two_steps
    for task in cutting.tasks.filter(parent__isnull=True):
        services.run_task_finish(task=task, actor=workshop.actor)
    drained()
    assert fresh(cutting).status == "completed"
    sewing = fresh(sewing)
    assert (sewing.quantity, sewing.proposed_quantity, sewing.status) == (
        10,
        None,
        "sent_to_partner",
    )


def test_a_split_next_step_shares_the_delivered_pieces(make_run, admin, workshop, drained):
    set_policy(next_step_quantity="follow")
    parent = make_run(quantity=10)
    cutting, sew_a, sew_b = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(partner_id=workshop.partner.pk, quantity=10, order=1),
            services.Assignment(partner_id=workshop.partner.pk, quantity=6, order=2),
            services.Assignment(partner_id=workshop.partner.pk, quantity=4, order=2),
        ],
    ).children
    services.run_dispatch(run=cutting, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=cutting, actor=workshop.actor)
    services.delivery_record(
        run=cutting, actor=workshop.actor, good=8, final=True, shortfall_reason="short"
    )
    drained()
    assert [ProductionRun.objects.get(pk=r.pk).quantity for r in (sew_a, sew_b)] == [5, 3]
    assert admin_run_detail(parent.pk).run.output.as_dict()["yield"] is None  # sewing to come
