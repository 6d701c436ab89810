"""Approval: in place without assignments, split into parts with them."""

import pytest

from loomworks.core.errors import Conflict, InvalidInput, TransitionNotAllowed
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunDependency
from loomworks.production.services import Assignment
from tests.factories import PartnerFactory, TemplateFactory
from tests.production.support import (
    assert_each_status_change_recorded_once,
    event_names,
    fresh,
    history_kinds,
    tasks_of,
    world,
)


def _deps(run) -> set[str]:
    return set(RunDependency.objects.filter(run=run).values_list("depends_on_id", flat=True))


def test_approve_without_assignments_approves_in_place(make_run, admin, workshop):
    run = make_run("pending_review", partner=workshop.partner)
    result = services.run_approve(run=run, actor=admin)
    assert result.run.status == "approved"
    assert result.children == []
    # No self-child: the run keeps its partner and is the only run.
    assert ProductionRun.objects.count() == 1
    assert fresh(run).partner_id == workshop.partner.pk
    assert history_kinds(run) == ["created", "approve"]
    assert event_names(run) == ["production_run.created", "production_run.approved"]


def test_approve_a_draft(make_run, admin):
    run = make_run("draft")
    assert services.run_approve(run=run, actor=admin).run.status == "approved"


def test_approve_with_assignments_splits_the_run_across_partners(make_run, admin, make_workshop):
    north, south = make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=10)
    result = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=north.partner.pk, quantity=6, role="cutting"),
            Assignment(partner_id=south.partner.pk, quantity=4, role="cutting"),
        ],
    )
    assert result.run.status == "approved"
    assert [(c.partner_id, c.quantity, c.role) for c in result.children] == [
        (north.partner.pk, 6, "cutting"),
        (south.partner.pk, 4, "cutting"),
    ]
    for child in result.children:
        assert child.status == "approved"
        assert child.parent_id == parent.pk
        assert child.order_group == 1
        assert child.snapshot == fresh(parent).snapshot
        assert _deps(child) == set()  # one group: a split, nobody waits
        assert history_kinds(child) == ["created"]
        assert event_names(child) == ["production_run.created"]
        assert_each_status_change_recorded_once(child)
    assert history_kinds(parent) == ["created", "approve"]


def test_order_groups_depend_on_every_part_of_the_group_before(make_run, admin, make_workshop):
    a, b, c, d = (make_workshop() for _ in range(4))
    parent = make_run("pending_review", quantity=10)
    children = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=c.partner.pk, quantity=10, role="sewing", order=2),
            Assignment(partner_id=a.partner.pk, quantity=7, role="cutting", order=1),
            Assignment(partner_id=d.partner.pk, quantity=10, role="finishing", order=3),
            Assignment(partner_id=b.partner.pk, quantity=3, role="cutting"),  # no order: group 1
        ],
    ).children
    by_partner = {child.partner_id: child for child in children}
    cut_a, cut_b = by_partner[a.partner.pk], by_partner[b.partner.pk]
    sew, finish = by_partner[c.partner.pk], by_partner[d.partner.pk]
    assert (cut_a.order_group, cut_b.order_group, sew.order_group, finish.order_group) == (
        1,
        1,
        2,
        3,
    )
    assert _deps(cut_a) == _deps(cut_b) == set()
    assert _deps(sew) == {cut_a.pk, cut_b.pk}
    assert _deps(finish) == {sew.pk}  # only the group right before


@pytest.mark.parametrize(
    ("quantities", "orders"),
    [
        ([6, 3], [1, 1]),  # a split that makes 9 of 10
        ([6, 6], [1, 1]),  # 12 of 10
        ([10, 5], [1, 2]),  # the second step makes only half
    ],
)
def test_each_order_group_must_make_the_whole_quantity(
    quantities, orders, make_run, admin, make_workshop
):
    parent = make_run("pending_review", quantity=10)
    assignments = [
        Assignment(partner_id=make_workshop().partner.pk, quantity=q, order=o)
        for q, o in zip(quantities, orders, strict=True)
    ]
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_approve(run=parent, actor=admin, assignments=assignments)
    assert invalid.value.field == "assignments"
    assert world() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "assignments[1].quantity"),
        ({"quantity": -4}, "assignments[1].quantity"),
        ({"quantity": True}, "assignments[1].quantity"),
        ({"quantity": "4"}, "assignments[1].quantity"),
        ({"order": 0}, "assignments[1].order"),
        ({"partner_id": "ptr_missing"}, "assignments[1].partner_id"),
        ({"template_ids": ["tpl_missing"]}, "assignments[1].template_ids"),
    ],
)
def test_bad_assignments_are_invalid_input_naming_the_field(
    change, field, make_run, admin, make_workshop
):
    parent = make_run("pending_review", quantity=10)
    good = {"partner_id": make_workshop().partner.pk, "quantity": 4}
    assignments = [
        Assignment(partner_id=make_workshop().partner.pk, quantity=6),
        Assignment(**{**good, **change}),
    ]
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_approve(run=parent, actor=admin, assignments=assignments)
    assert invalid.value.field == field
    assert world() == before


def test_an_inactive_partner_cannot_be_given_a_part(make_run, admin, make_workshop):
    parent = make_run("pending_review", quantity=10)
    sleeping = PartnerFactory(status="inactive")
    before = world()
    with pytest.raises(Conflict):
        services.run_approve(
            run=parent,
            actor=admin,
            assignments=[
                Assignment(partner_id=make_workshop().partner.pk, quantity=5),
                Assignment(partner_id=sleeping.pk, quantity=5),
            ],
        )
    assert world() == before


def test_approval_sends_only_parts_that_wait_for_nothing(make_run, admin, make_workshop):
    cutter, sewer, spare = make_workshop(), make_workshop(), make_workshop()
    cutting, sewing = TemplateFactory(), TemplateFactory()
    parent = make_run("pending_review", quantity=10)
    result = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(
                partner_id=cutter.partner.pk, quantity=5, order=1, template_ids=[cutting.pk]
            ),
            Assignment(partner_id=spare.partner.pk, quantity=5, order=1),  # no templates
            Assignment(partner_id=sewer.partner.pk, quantity=10, order=2, template_ids=[sewing.pk]),
        ],
    )
    assert result.dispatch_errors == []
    cut, spare_part, sew = result.children
    assert cut.status == "sent_to_partner"
    assert [t.title for t in tasks_of(cut, top_level=True)] == [cutting.name]
    assert spare_part.status == "approved" and tasks_of(spare_part) == []
    # Its templates are chosen, but what it waits for is open: not sent.
    assert sew.status == "approved"
    assert sew.planned_template_ids == [sewing.pk]
    assert tasks_of(sew) == []
    assert "production_run.sent_to_partner" not in event_names(sew)


def test_a_part_whose_dispatch_is_refused_is_reported_and_the_approval_stands(
    make_run, admin, make_workshop
):
    services.policy_update(config={"dispatch": []}, actor=admin)
    north, south = make_workshop(), make_workshop()
    template = TemplateFactory()
    parent = make_run("pending_review", quantity=4)
    result = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=north.partner.pk, quantity=2, template_ids=[template.pk]),
            Assignment(partner_id=south.partner.pk, quantity=2, template_ids=[template.pk]),
        ],
    )
    assert result.run.status == "approved"
    assert [child.status for child in result.children] == ["approved", "approved"]
    assert {error["run_id"] for error in result.dispatch_errors} == {
        child.pk for child in result.children
    }
    assert all(error["detail"] for error in result.dispatch_errors)
    assert all(tasks_of(child) == [] for child in result.children)


def test_a_split_run_cannot_be_approved_again(make_run, admin, workshop):
    parent = make_run("pending_review", quantity=2)
    services.run_approve(
        run=parent,
        actor=admin,
        assignments=[Assignment(partner_id=workshop.partner.pk, quantity=2)],
    )
    before = world()
    with pytest.raises(TransitionNotAllowed):
        services.run_approve(
            run=parent,
            actor=admin,
            assignments=[Assignment(partner_id=workshop.partner.pk, quantity=2)],
        )
    assert world() == before


def test_create_from_design_takes_the_quantity_from_the_groups(design, admin, make_workshop):
    a, b = make_workshop(), make_workshop()
    result = services.run_create_from_design(
        design=design,
        actor=admin,
        assignments=[
            Assignment(partner_id=a.partner.pk, quantity=3, order=1),
            Assignment(partner_id=b.partner.pk, quantity=3, order=2),
        ],
    )
    assert result.run.quantity == 3
    assert result.run.status == "approved"
    assert len(result.children) == 2


def test_create_from_design_refuses_groups_that_disagree(design, admin, make_workshop):
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_create_from_design(
            design=design,
            actor=admin,
            assignments=[
                Assignment(partner_id=make_workshop().partner.pk, quantity=3, order=1),
                Assignment(partner_id=make_workshop().partner.pk, quantity=4, order=2),
            ],
        )
    assert invalid.value.field == "assignments"
    assert world() == before


@pytest.mark.parametrize("quantity", [0, -1, True, "3", 2.5, 2**40])
def test_a_run_quantity_is_a_positive_whole_number(quantity, design, admin, make_run):
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_create(design=design, actor=admin, quantity=quantity)
    assert invalid.value.field == "quantity"
    assert world() == before
    run = make_run("pending_review")
    before = world()
    with pytest.raises(InvalidInput):
        services.run_update(run=run, actor=admin, quantity=quantity)
    assert world() == before


def test_create_from_design_with_a_quantity_checks_every_group_against_it(
    design, admin, make_workshop
):
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_create_from_design(
            design=design,
            actor=admin,
            quantity=5,
            assignments=[Assignment(partner_id=make_workshop().partner.pk, quantity=4)],
        )
    assert invalid.value.field == "assignments"
    assert world() == before


def test_create_from_design_without_assignments_makes_a_run_to_review(design, admin):
    result = services.run_create_from_design(design=design, actor=admin, quantity=7)
    assert (result.run.status, result.run.quantity, result.children) == ("pending_review", 7, [])
