"""PATCH /api/admin/designs/{id}: the measurement unit, a bill of materials in each
material's unit, an audit row per edit, refusals naming the field with nothing written."""

import pytest

from loomworks.catalog.models import Design
from loomworks.core.models import AuditEntry
from loomworks.production.models import ProductionRun
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import MaterialFactory

pytestmark = pytest.mark.django_db


def test_the_measurement_unit_is_read_and_changed(admin_api, design, admin_user):
    assert admin_api.get(f"/designs/{design.pk}").json()["design"]["measurement_unit"] == "cm"
    response = admin_api.patch(
        f"/designs/{design.pk}",
        {"measurement_unit": "in", "tags": ["SS27"], "size_sets": [{"size_label": "S"}]},
    )
    assert response.status_code == 200
    body = response.json()["design"]
    assert (body["measurement_unit"], body["tags"]) == ("in", ["SS27"])
    entry = AuditEntry.objects.get(action="design.updated", target_id=design.pk)
    assert entry.actor_id == admin_user.pk
    assert entry.details["changed"]["measurement_unit"] == ["cm", "in"]
    assert entry.details["changed"]["size_sets"]["after"] == [
        {"size_label": "S", "measurements": {}}
    ]


def test_a_patch_that_changes_nothing_leaves_no_audit_row(admin_api, design):
    admin_api.patch(f"/designs/{design.pk}", {"name": design.name})
    assert not AuditEntry.objects.filter(action="design.updated").exists()


def test_a_bill_of_materials_line_counts_in_its_material_unit(admin_api, design):
    yarn = MaterialFactory(name="Yarn", unit="kg")
    response = admin_api.patch(
        f"/designs/{design.pk}",
        {"materials": [{"material_id": yarn.pk, "planned_quantity": 0.2}]},
    )
    assert response.json()["design"]["materials"][0]["unit"] == "kg"
    response = admin_api.patch(
        f"/designs/{design.pk}",
        {"materials": [{"material_id": yarn.pk, "planned_quantity": 200, "unit": "g"}]},
    )
    assert (response.status_code, response.json()["field"]) == (422, "materials[0].unit")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"measurement_unit": "furlong"}, "measurement_unit"),
        (
            {
                "colors": [
                    {"name": "Ink", "hex_code": "#101820"},
                    {"name": "", "hex_code": "#000000"},
                ]
            },
            "colors[1].name",
        ),
        ({"colors": [{"name": "Ink", "hex_code": "blue"}]}, "colors[0].hex_code"),
        ({"size_sets": [{"size_label": "M"}, {"size_label": " "}]}, "size_sets[1].size_label"),
    ],
)
def test_a_bad_edit_names_the_field_and_writes_nothing(admin_api, design, body, field):
    response = admin_api.patch(f"/designs/{design.pk}", {"name": "Half written?", **body})
    assert response.status_code == 422
    assert response.json()["field"] == field
    design = Design.objects.get(pk=design.pk)
    assert design.name != "Half written?"
    assert [c.name for c in design.colors.all()] == ["Sand"]
    assert [s.size_label for s in design.size_sets.all()] == ["M"]
    assert not AuditEntry.objects.filter(action="design.updated").exists()


def test_an_archived_material_is_not_taken_for_a_new_line(admin_api, design):
    old = MaterialFactory(name="Old twill", archived=True)
    response = admin_api.patch(
        f"/designs/{design.pk}", {"materials": [{"material_id": old.pk, "planned_quantity": 1}]}
    )
    assert (response.status_code, response.json()["field"]) == (422, "materials[0].material_id")


def test_a_run_keeps_its_snapshot_when_the_design_is_edited(admin_api, design, make_run):
    run = make_run(design=design)
    before = ProductionRun.objects.get(pk=run.pk).snapshot
    assert before["design"]["measurement_unit"] == "cm"
    admin_api.patch(
        f"/designs/{design.pk}",
        {
            "name": "Renamed",
            "measurement_unit": "in",
            "colors": [],
            "size_sets": [{"size_label": "XL", "measurements": {"chest": "60"}}],
        },
    )
    assert ProductionRun.objects.get(pk=run.pk).snapshot == before
