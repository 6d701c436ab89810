"""A run's quantity by size and colour: the rules, the splits, and every door that takes one."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loomworks.catalog.models import DesignColor, DesignSizeSet
from loomworks.core.errors import InvalidInput
from loomworks.production import services
from loomworks.production.partner_selectors import partner_run_view
from loomworks.production.selectors import admin_run
from loomworks.production.services import Assignment
from loomworks.production.size_matrix import axes, checked_cells, split
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory, PartnerFactory

SIZES = ("S", "M", "L")
COLORS = ("Madder Red", "Indigo")


def cell(size, color, quantity):
    return {"size": size, "color": color, "quantity": quantity}


def check(cells, quantity=10):
    return checked_cells(cells, quantity=quantity, sizes=SIZES, colors=COLORS)


# ---------------------------------------------------------------- the rules


def test_cells_adding_up_to_the_quantity_are_kept_in_the_designs_order_without_zeros():
    cells = [cell("L", "Indigo", 3), cell("S", "Madder Red", 0), cell("M", "Madder Red", 7)]

    assert check(cells) == [cell("M", "Madder Red", 7), cell("L", "Indigo", 3)]


def test_no_cells_means_no_matrix():
    assert check([]) == [] and check(None) == []


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        ([cell("XL", "Indigo", 10)], "XL is not one of the design's sizes"),
        ([cell("M", "Ochre", 10)], "Ochre is not one of the design's colours"),
        ([cell("M", "Indigo", -1), cell("S", "Indigo", 11)], "zero or more"),
        ([cell("M", "Indigo", 2.5), cell("S", "Indigo", 7.5)], "whole number"),
        ([cell("M", "Indigo", True), cell("S", "Indigo", 9)], "whole number"),
        ([cell("M", "Indigo", 5), cell("M", "Indigo", 5)], "repeats M / Indigo"),
        ([cell("M", "Indigo", 4), cell("S", "Indigo", 4)], "add up to 8 pieces"),
        ([["M", "Indigo", 10]], "must be an object"),
        ("M Indigo 10", "as a list of cells"),
    ],
)
def test_a_wrong_matrix_is_refused_naming_the_field_and_the_cell(cells, words):
    with pytest.raises(InvalidInput) as refused:
        check(cells)

    assert refused.value.field == "size_quantities"
    assert words in refused.value.detail


def test_a_design_without_colours_takes_cells_with_a_blank_colour():
    cells = [cell("S", "", 4), cell("M", None, 6)]

    assert checked_cells(cells, quantity=10, sizes=SIZES, colors=()) == [
        cell("S", "", 4),
        cell("M", "", 6),
    ]
    with pytest.raises(InvalidInput, match="no colours"):
        checked_cells([cell("S", "Indigo", 10)], quantity=10, sizes=SIZES, colors=())


def test_a_design_with_neither_sizes_nor_colours_takes_no_matrix():
    with pytest.raises(InvalidInput, match="no sizes and no colours"):
        checked_cells([cell("", "", 10)], quantity=10, sizes=(), colors=())


def test_the_axes_come_from_the_snapshot():
    snapshot = {
        "size_sets": [{"size_label": "S"}, {"size_label": "M"}],
        "colors": [{"name": "Indigo", "hex_code": "#223355"}],
    }

    assert axes(snapshot) == (("S", "M"), ("Indigo",))
    assert axes({}) == ((), ())


# ---------------------------------------------------------------- splitting


def test_a_split_by_quantity_divides_each_cell_in_proportion():
    matrix = [cell("S", "Indigo", 4), cell("M", "Indigo", 6), cell("L", "Indigo", 10)]

    assert split(matrix, [10, 10]) == [
        [cell("S", "Indigo", 2), cell("M", "Indigo", 3), cell("L", "Indigo", 5)],
        [cell("S", "Indigo", 2), cell("M", "Indigo", 3), cell("L", "Indigo", 5)],
    ]


@given(
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8),
    st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=5),
)
def test_split_parts_add_up_cell_by_cell_and_each_to_its_quantity(amounts, weights):
    matrix = [cell(f"S{i}", "Indigo", amount) for i, amount in enumerate(amounts)]
    whole = sum(amounts)
    if whole < len(weights):
        return
    quantities = [max(1, whole * w // sum(weights)) for w in weights[:-1]]
    if sum(quantities) >= whole:
        return
    quantities.append(whole - sum(quantities))

    parts = split(matrix, quantities)

    for part, quantity in zip(parts, quantities, strict=True):
        assert sum(c["quantity"] for c in part) == quantity
        assert all(c["quantity"] > 0 for c in part)
    for original in matrix:
        got = sum(c["quantity"] for part in parts for c in part if c["size"] == original["size"])
        assert got == original["quantity"]


# ---------------------------------------------------------------- runs


@pytest.fixture
def shirt(db):
    design = DesignFactory(details=False)
    for position, size in enumerate(SIZES):
        DesignSizeSet.objects.create(design=design, size_label=size, position=position)
    for position, (name, hex_code) in enumerate(zip(COLORS, ("#A33B2F", "#223355"), strict=True)):
        DesignColor.objects.create(design=design, name=name, hex_code=hex_code, position=position)
    return design


MATRIX = [
    cell("S", "Madder Red", 1),
    cell("M", "Madder Red", 2),
    cell("L", "Madder Red", 2),
    cell("S", "Indigo", 1),
    cell("M", "Indigo", 3),
    cell("L", "Indigo", 1),
]


def stored_order(cells):
    order = {(s, c): i for i, (s, c) in enumerate((s, c) for s in SIZES for c in COLORS)}
    return sorted(cells, key=lambda x: order[(x["size"], x["color"])])


@pytest.mark.django_db
def test_a_run_keeps_its_matrix_and_both_audiences_read_it(shirt, admin, workshop):
    run = services.run_create(
        design=shirt, actor=admin, quantity=10, size_quantities=MATRIX, partner=workshop.partner
    )
    services.run_approve(run=run, actor=admin)

    assert run.size_quantities == stored_order(MATRIX)
    assert [c.as_dict() for c in admin_run(run.pk).size_quantities] == stored_order(MATRIX)
    assert [c.as_dict() for c in partner_run_view(run).size_quantities] == stored_order(MATRIX)


@pytest.mark.django_db
def test_a_run_refused_for_its_matrix_is_not_written(shirt, admin):
    from loomworks.production.models import ProductionRun

    with pytest.raises(InvalidInput) as refused:
        services.run_create(design=shirt, actor=admin, quantity=11, size_quantities=MATRIX)

    assert refused.value.field == "size_quantities"
    assert not ProductionRun.objects.exists()


@pytest.mark.django_db
def test_editing_the_quantity_of_a_run_with_a_matrix_needs_new_cells(shirt, admin):
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)

    with pytest.raises(InvalidInput) as refused:
        services.run_update(run=run, actor=admin, quantity=12)
    assert refused.value.field == "size_quantities"

    bigger = [*MATRIX[:-1], cell("L", "Indigo", 3)]
    run = services.run_update(run=run, actor=admin, quantity=12, size_quantities=bigger)
    assert sum(c["quantity"] for c in run.size_quantities) == 12

    run = services.run_update(run=run, actor=admin, quantity=5, size_quantities=[])
    assert run.size_quantities == []


@pytest.mark.django_db
def test_splitting_by_quantity_gives_each_part_its_share_of_every_cell(shirt, admin):
    one, two = PartnerFactory(), PartnerFactory()
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)

    result = services.run_approve(
        run=run,
        actor=admin,
        assignments=[
            Assignment(partner_id=one.pk, quantity=6, role="sewing"),
            Assignment(partner_id=two.pk, quantity=4, role="sewing"),
        ],
    )

    parts = result.children
    assert [sum(c["quantity"] for c in p.size_quantities) for p in parts] == [6, 4]
    for whole in MATRIX:
        key = (whole["size"], whole["color"])
        shares = [
            c["quantity"]
            for p in parts
            for c in p.size_quantities
            if (c["size"], c["color"]) == key
        ]
        assert sum(shares) == whole["quantity"]


# ---------------------------------------------------------------- the API


@pytest.mark.django_db
def test_the_api_takes_a_matrix_and_answers_it_to_admins_and_the_partner(
    admin_api, partner_api, shirt, admin, workshop
):
    created = admin_api.post(
        "/production-runs",
        {
            "design_id": shirt.pk,
            "quantity": 10,
            "size_quantities": MATRIX,
            "partner_id": workshop.partner.pk,
        },
    )
    assert created.status_code == 201, created.json()
    run = created.json()["production_run"]
    assert run["size_quantities"] == stored_order(MATRIX)
    assert admin_api.get(f"/production-runs/{run['id']}").json()["production_run"][
        "size_quantities"
    ] == stored_order(MATRIX)

    assert admin_api.post(f"/production-runs/{run['id']}/approve", {}).status_code == 200
    seen = partner_api.get(f"/api/partners/production-runs/{run['id']}")
    assert seen.status_code == 200, seen.json()
    assert seen.json()["production_run"]["size_quantities"] == stored_order(MATRIX)
    listed = partner_api.get("/api/partners/production-runs").json()["production_runs"]
    assert listed[0]["size_quantities"] == stored_order(MATRIX)


@pytest.mark.django_db
def test_a_run_without_a_matrix_answers_an_empty_list(admin_api, shirt):
    run = admin_api.post("/production-runs", {"design_id": shirt.pk, "quantity": 3}).json()
    assert run["production_run"]["size_quantities"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cells",
    [
        [cell("M", "Indigo", 4)],
        [cell("XXL", "Indigo", 10)],
        [cell("M", "Indigo", -2), cell("S", "Indigo", 12)],
        [{"size": "M", "color": "Indigo", "quantity": "10"}],
        [{"size": "M", "color": "Indigo", "quantity": 10, "extra": 1}],
        {"M": 10},
    ],
)
def test_the_api_refuses_a_bad_matrix_with_422_naming_the_field(admin_api, shirt, cells):
    from loomworks.production.models import ProductionRun

    response = admin_api.post(
        "/production-runs", {"design_id": shirt.pk, "quantity": 10, "size_quantities": cells}
    )

    assert response.status_code == 422, response.json()
    assert response.json()["field"].startswith("size_quantities")
    assert not ProductionRun.objects.exists()


# ---------------------------------------------------------------- approving with a matrix


def _shares(parts):
    return {
        (c["size"], c["color"]): sum(
            x["quantity"]
            for p in parts
            for x in p
            if (x["size"], x["color"]) == (c["size"], c["color"])
        )
        for p in parts
        for c in p
    }


@pytest.mark.django_db
def test_the_approve_body_gives_the_run_its_matrix(admin_api, shirt, admin):
    run = services.run_create(design=shirt, actor=admin, quantity=10)

    approved = admin_api.post(f"/production-runs/{run.pk}/approve", {"size_quantities": MATRIX})

    assert approved.status_code == 200, approved.json()
    assert approved.json()["production_run"]["size_quantities"] == stored_order(MATRIX)
    run.refresh_from_db()
    assert run.status == "approved" and run.size_quantities == stored_order(MATRIX)


@pytest.mark.django_db
def test_a_bad_matrix_in_the_approve_body_is_422_and_leaves_the_run_unapproved(
    admin_api, shirt, admin
):
    run = services.run_create(design=shirt, actor=admin, quantity=10)

    refused = admin_api.post(
        f"/production-runs/{run.pk}/approve", {"size_quantities": [cell("M", "Indigo", 9)]}
    )

    assert refused.status_code == 422, refused.json()
    assert refused.json()["field"] == "size_quantities"
    run.refresh_from_db()
    assert run.status == "pending_review" and run.size_quantities == []


@pytest.mark.django_db
def test_parts_may_give_their_own_cells_which_add_up_to_the_run(admin_api, shirt, admin):
    one, two = PartnerFactory(), PartnerFactory()
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)
    first = [cell("S", "Madder Red", 1), cell("M", "Madder Red", 2), cell("L", "Madder Red", 2)]
    second = [cell("S", "Indigo", 1), cell("M", "Indigo", 3), cell("L", "Indigo", 1)]

    approved = admin_api.post(
        f"/production-runs/{run.pk}/approve",
        {
            "assignments": [
                {"partner_id": one.pk, "quantity": 5, "size_quantities": first},
                {"partner_id": two.pk, "quantity": 5, "size_quantities": second},
            ]
        },
    )

    assert approved.status_code == 200, approved.json()
    children = approved.json()["children"]
    assert [c["size_quantities"] for c in children] == [first, second]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("second", "field"),
    [
        (None, "assignments[1].size_quantities"),
        ([cell("S", "Indigo", 5)], "assignments[0].size_quantities"),
        ([cell("S", "Indigo", 4)], "assignments[1].size_quantities"),
    ],
)
def test_parts_cells_that_do_not_add_up_are_refused_naming_the_part(
    admin_api, shirt, admin, second, field
):
    from loomworks.production.models import ProductionRun

    one, two = PartnerFactory(), PartnerFactory()
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)
    first = [cell("S", "Madder Red", 1), cell("M", "Madder Red", 2), cell("L", "Madder Red", 2)]
    part_two = {"partner_id": two.pk, "quantity": 5}
    if second is not None:
        part_two["size_quantities"] = second

    refused = admin_api.post(
        f"/production-runs/{run.pk}/approve",
        {
            "assignments": [
                {"partner_id": one.pk, "quantity": 5, "size_quantities": first},
                part_two,
            ]
        },
    )

    assert refused.status_code == 422, refused.json()
    assert refused.json()["field"] == field
    assert ProductionRun.objects.count() == 1
    run.refresh_from_db()
    assert run.status == "pending_review"


@pytest.mark.django_db
def test_a_run_without_a_matrix_takes_the_one_its_parts_add_up_to(shirt, admin):
    one, two = PartnerFactory(), PartnerFactory()
    run = services.run_create(design=shirt, actor=admin, quantity=4)

    result = services.run_approve(
        run=run,
        actor=admin,
        assignments=[
            Assignment(partner_id=one.pk, quantity=3, size_quantities=[cell("M", "Indigo", 3)]),
            Assignment(partner_id=two.pk, quantity=1, size_quantities=[cell("S", "Indigo", 1)]),
            Assignment(partner_id=one.pk, quantity=4, order=2, role="finishing"),
        ],
    )

    assert result.run.size_quantities == [cell("S", "Indigo", 1), cell("M", "Indigo", 3)]
    finishing = [c for c in result.children if c.order_group == 2]
    assert finishing[0].size_quantities == [cell("S", "Indigo", 1), cell("M", "Indigo", 3)]


@pytest.mark.django_db
def test_every_split_keeps_each_group_consistent_with_the_run(shirt, admin):
    partners = [PartnerFactory() for _ in range(3)]
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)

    result = services.run_approve(
        run=run,
        actor=admin,
        assignments=[
            Assignment(partner_id=partners[0].pk, quantity=3),
            Assignment(partner_id=partners[1].pk, quantity=3),
            Assignment(partner_id=partners[2].pk, quantity=4),
            Assignment(partner_id=partners[0].pk, quantity=7, order=2),
            Assignment(partner_id=partners[1].pk, quantity=3, order=2),
        ],
    )

    whole = {(c["size"], c["color"]): c["quantity"] for c in MATRIX}
    for order in (1, 2):
        parts = [c.size_quantities for c in result.children if c.order_group == order]
        assert _shares(parts) == whole
        for child in (c for c in result.children if c.order_group == order):
            assert sum(x["quantity"] for x in child.size_quantities) == child.quantity


# ---------------------------------------------------------------- store orders


@pytest.mark.django_db
def test_store_order_lines_fill_the_matrix_from_their_size_and_colour(shirt):
    from loomworks.core.actors import Actor
    from loomworks.events.api import drain
    from loomworks.orders.services import order_place
    from loomworks.production.models import ProductionRun

    order_place(
        external_id="SHOP-42",
        lines=[
            {"external_id": "L1", "design": shirt, "size": "M", "color": "Indigo", "quantity": 3},
            {"external_id": "L2", "design": shirt, "size": "XXL", "color": "Indigo", "quantity": 2},
            {"external_id": "L3", "design": shirt, "quantity": 1},
        ],
        actor=Actor.system(),
    )
    drain()

    runs = {r.order_line.external_id: r for r in ProductionRun.objects.select_related("order_line")}
    assert runs["L1"].size_quantities == [cell("M", "Indigo", 3)]
    assert runs["L2"].size_quantities == []  # a size the design does not know: no matrix
    assert runs["L3"].size_quantities == []
