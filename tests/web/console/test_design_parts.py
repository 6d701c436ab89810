"""The console's design page shows every design the API accepts."""

import pytest

from loomworks.catalog.services import design_create
from loomworks.production import services
from tests.factories import MaterialFactory

pytestmark = pytest.mark.django_db


def test_a_bill_of_materials_line_with_a_name_and_no_material_is_shown(console, admin):
    linen = MaterialFactory(name="Linen", sku="LIN-9", unit="m")
    design = design_create(
        name="Apron",
        actor=admin,
        materials=[
            {"name": "Cotton tape", "planned_quantity": 2, "unit": "m"},
            {"material_id": linen.pk, "planned_quantity": "1.5"},
        ],
    )

    response = console.get(f"/admin/designs/{design.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cotton tape" in page
    assert "LIN-9" in page


def test_a_run_of_such_a_design_shows_its_snapshot(console, admin, make_run):
    design = design_create(
        name="Apron", actor=admin, materials=[{"name": "Cotton tape", "unit": "m"}]
    )
    run = make_run(design=design)

    response = console.get(f"/admin/production-runs/{run.pk}/")

    assert response.status_code == 200
    assert "Cotton tape" in response.content.decode()
    assert services  # the run came through the real services
