"""The size × colour grid on the console's new-run and approve forms, and on both run pages."""

import pytest
from django.test import Client

from loomworks.catalog.models import DesignColor, DesignSizeSet
from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory, PartnerFactory

SIZES = ("S", "M", "L")
COLORS = ("Madder Red", "Indigo")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(db):
    design = DesignFactory(details=False, name="Field shirt")
    for position, size in enumerate(SIZES):
        DesignSizeSet.objects.create(
            design=design, size_label=size, position=position, measurements={"chest": 50 + position}
        )
    for position, (name, hex_code) in enumerate(zip(COLORS, ("#A33B2F", "#223355"), strict=True)):
        DesignColor.objects.create(design=design, name=name, hex_code=hex_code, position=position)
    return design


@pytest.fixture
def console(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def grid(prefix, rows):
    """Form data for a grid: rows[i][j] is size i, colour j."""
    return {
        f"{prefix}-{i}-{j}": str(value)
        for i, row in enumerate(rows)
        for j, value in enumerate(row)
        if value is not None
    }


def test_the_new_run_form_shows_a_box_per_size_and_colour(console, shirt):
    page = console.get(f"/admin/designs/{shirt.pk}/").content.decode()

    for i in range(3):
        for j in range(2):
            assert f'name="production-sq-{i}-{j}"' in page
    assert 'data-size="M" data-color="Indigo"' in page


def test_a_run_made_from_the_grid_keeps_its_matrix_and_the_quantity_may_be_left_to_it(
    console, shirt
):
    response = console.post(
        f"/admin/designs/{shirt.pk}/production-runs/",
        {"run_type": "production", **grid("production-sq", [[1, 1], [2, 3], [None, 3]])},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    run = ProductionRun.objects.get()
    assert run.quantity == 10
    assert run.size_quantities == [
        {"size": "S", "color": "Madder Red", "quantity": 1},
        {"size": "S", "color": "Indigo", "quantity": 1},
        {"size": "M", "color": "Madder Red", "quantity": 2},
        {"size": "M", "color": "Indigo", "quantity": 3},
        {"size": "L", "color": "Indigo", "quantity": 3},
    ]


@pytest.mark.parametrize(
    ("quantity", "rows", "words"),
    [
        ("12", [[1, 1], [2, 3], [None, 3]], "add up to 10 pieces"),
        ("10", [["x", 1], [2, 3], [None, 4]], "whole numbers"),
        ("10", [["-1", 1], [2, 3], [None, 5]], "whole numbers"),
    ],
)
def test_a_grid_that_does_not_fit_is_shown_again_with_its_error_and_nothing_is_made(
    console, shirt, quantity, rows, words
):
    response = console.post(
        f"/admin/designs/{shirt.pk}/production-runs/",
        {"run_type": "production", "quantity": quantity, **grid("production-sq", rows)},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert words in page
    assert 'id="production-sq-matrix-error"' in page
    assert 'aria-invalid="true"' in page
    assert not ProductionRun.objects.exists()


def test_the_approve_form_takes_the_grid_and_splits_it_across_partners(console, shirt, admin):
    run = services.run_create(design=shirt, actor=admin, quantity=10)
    one, two = PartnerFactory(), PartnerFactory()
    page = console.get(f"/admin/production-runs/{run.pk}/approve/").content.decode()
    assert 'name="sq-2-1"' in page

    response = console.post(
        f"/admin/production-runs/{run.pk}/approve/",
        {
            **grid("sq", [[1, 1], [2, 3], [None, 3]]),
            "row": ["0", "1"],
            "a0-partner_id": one.pk,
            "a0-quantity": "6",
            "a1-partner_id": two.pk,
            "a1-quantity": "4",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    run.refresh_from_db()
    assert run.status == "approved"
    assert sum(c["quantity"] for c in run.size_quantities) == 10
    parts = list(run.children.order_by("number"))
    assert [sum(c["quantity"] for c in p.size_quantities) for p in parts] == [6, 4]
    for whole in run.size_quantities:
        key = (whole["size"], whole["color"])
        got = sum(
            c["quantity"]
            for p in parts
            for c in p.size_quantities
            if (c["size"], c["color"]) == key
        )
        assert got == whole["quantity"]


def test_a_bad_grid_on_the_approve_form_leaves_the_run_unapproved(console, shirt, admin):
    run = services.run_create(design=shirt, actor=admin, quantity=10)

    response = console.post(
        f"/admin/production-runs/{run.pk}/approve/", grid("sq", [[1, 1], [2, 3], [None, 1]])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "add up to 8 pieces" in page and 'id="sq-matrix-error"' in page
    run.refresh_from_db()
    assert run.status == "pending_review" and run.size_quantities == []


MATRIX = [
    {"size": "S", "color": "Madder Red", "quantity": 2},
    {"size": "M", "color": "Indigo", "quantity": 5},
    {"size": "L", "color": "Madder Red", "quantity": 3},
]


def test_both_run_pages_show_the_matrix_with_totals(console, shirt, admin, workshop):
    run = services.run_create(
        design=shirt, actor=admin, quantity=10, size_quantities=MATRIX, partner=workshop.partner
    )
    services.run_approve(run=run, actor=admin)

    admin_page = console.get(f"/admin/production-runs/{run.pk}/").content.decode()
    partner = Client()
    partner.force_login(workshop.user)
    partner_page = partner.get(f"/partner/production-runs/{run.pk}/").content.decode()

    for page in (admin_page, partner_page):
        assert 'id="matrix"' in page
        assert 'data-matrix-total="10"' in page
        assert 'data-size="M" data-color="Indigo">5<' in page


def test_the_edit_form_changes_the_quantity_with_its_grid(console, shirt, admin):
    run = services.run_create(design=shirt, actor=admin, quantity=10, size_quantities=MATRIX)
    page = console.get(f"/admin/production-runs/{run.pk}/edit/").content.decode()
    assert 'name="sq-1-1" value="5"' in page

    refused = console.post(
        f"/admin/production-runs/{run.pk}/edit/",
        {
            "quantity": "12",
            "run_type": "production",
            **grid("sq", [[2, None], [None, 5], [3, None]]),
        },
    )
    assert refused.status_code == 200
    assert 'id="sq-matrix-error"' in refused.content.decode()
    run.refresh_from_db()
    assert run.quantity == 10

    saved = console.post(
        f"/admin/production-runs/{run.pk}/edit/",
        {
            "quantity": "12",
            "run_type": "production",
            **grid("sq", [[2, None], [None, 7], [3, None]]),
        },
    )
    assert saved.status_code == 302
    run.refresh_from_db()
    assert run.quantity == 12
    assert {"size": "M", "color": "Indigo", "quantity": 7} in run.size_quantities
