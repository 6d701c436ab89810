"""Materials: one unit from a fixed list, a cost with its currency, archived not deleted."""

from decimal import Decimal

import pytest

from loomworks.catalog import services as catalog
from loomworks.catalog.models import Material, MaterialUnit
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.core.models import AuditEntry
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory, MaterialFactory

pytestmark = pytest.mark.django_db


def test_a_material_has_one_unit_and_a_cost_in_a_currency(admin):
    linen = catalog.material_create(
        sku="LIN-1", name="Linen", unit="m", unit_cost="12.5", currency="eur", actor=admin
    )

    linen.refresh_from_db()
    assert (linen.unit, linen.unit_cost, linen.currency) == ("m", Decimal("12.5000"), "EUR")
    assert linen.get_unit_display() == "metres (m)"
    entry = AuditEntry.objects.get(action="material.created")
    assert (entry.target_id, entry.actor_name) == (linen.pk, admin.name)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"unit": "metre"}, "unit"),
        ({"unit": ""}, "unit"),
        ({"unit_cost": "12"}, "currency"),
        ({"unit_cost": "12", "currency": "EURO"}, "currency"),
        ({"unit_cost": "12", "currency": "XYZ"}, "currency"),
        ({"unit_cost": "-1", "currency": "EUR"}, "unit_cost"),
        ({"unit_cost": "1.23456", "currency": "EUR"}, "unit_cost"),
        ({"unit_cost": "lots", "currency": "EUR"}, "unit_cost"),
    ],
)
def test_a_wrong_unit_or_cost_is_refused_and_nothing_is_written(admin, fields, field):
    values = {"sku": "X-1", "name": "Thread", "unit": "pcs", **fields}
    with pytest.raises(InvalidInput) as refused:
        catalog.material_create(actor=admin, **values)

    assert refused.value.field == field
    assert not Material.objects.exists() and not AuditEntry.objects.exists()


def test_editing_a_material_changes_only_what_is_given_and_is_audited(admin):
    wool = MaterialFactory(name="Wool", unit="kg")

    catalog.material_update(material=wool, actor=admin, unit_cost=Decimal("30"), currency="GBP")
    wool.refresh_from_db()

    assert (wool.name, wool.unit, wool.unit_cost, wool.currency) == (
        "Wool",
        "kg",
        Decimal("30"),
        "GBP",
    )
    entry = AuditEntry.objects.get(action="material.updated")
    assert entry.details["changed"]["currency"] == ["", "GBP"]


def test_archiving_a_material_keeps_it_and_says_so(admin):
    wool = MaterialFactory()

    catalog.material_update(material=wool, actor=admin, archived=True)

    assert Material.objects.get(pk=wool.pk).archived is True
    assert AuditEntry.objects.filter(action="material.archived", target_id=wool.pk).exists()


def test_the_unit_cannot_change_once_a_design_counts_in_it(admin):
    linen = MaterialFactory(unit="m")
    DesignFactory().materials.create(material=linen, name="Linen", planned_quantity=2, unit="m")

    with pytest.raises(Conflict):
        catalog.material_update(material=linen, actor=admin, unit="kg")

    assert Material.objects.get(pk=linen.pk).unit == "m"


def test_the_unit_list_is_fixed_and_labelled():
    assert {"m", "cm", "kg", "g", "pcs", "l", "ml"} <= set(MaterialUnit.values)
    assert all(label for label in MaterialUnit.labels)


# ---------------------------------------------------------------- the API


def test_the_api_creates_lists_and_edits_materials(admin_api):
    created = admin_api.post(
        "/materials",
        {
            "sku": "BTN-1",
            "name": "Horn button",
            "unit": "pcs",
            "unit_cost": "0.35",
            "currency": "EUR",
        },
    )
    assert created.status_code == 201, created.json()
    material = created.json()["material"]
    assert (material["unit"], material["unit_cost"], material["currency"]) == (
        "pcs",
        "0.3500",
        "EUR",
    )
    assert material["archived"] is False

    edited = admin_api.patch(f"/materials/{material['id']}", {"archived": True, "name": "Horn"})
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["material"]["name"], edited.json()["material"]["archived"]) == (
        "Horn",
        True,
    )
    assert admin_api.get("/materials", {"archived": "false"}).json()["count"] == 0
    assert admin_api.get("/materials").json()["count"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit": "bolts"}, "unit"),
        ({"unit_cost": "-3"}, "unit_cost"),
        ({"currency": "EU"}, "currency"),
        ({"archived": "yes"}, "archived"),
        ({"colour": "red"}, "colour"),
        ({"name": ""}, "name"),
    ],
)
def test_the_api_refuses_a_bad_edit_naming_the_field(admin_api, body, field):
    material = MaterialFactory(name="Linen")

    response = admin_api.patch(f"/materials/{material.pk}", body)

    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert Material.objects.get(pk=material.pk).name == "Linen"


def test_editing_a_material_that_does_not_exist_is_404(admin_api):
    assert admin_api.patch("/materials/mat_nothing", {"name": "X"}).status_code == 404


def test_free_text_units_are_read_as_the_unit_they_spell():
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "loomworks.catalog.migrations.0002_material_unit_cost_archived"
    )
    spelled = {
        "Metres": "m",
        "mtr": "m",
        "KGS": "kg",
        "piece": "pcs",
        "each": "pcs",
        "yards": "yd",
        "m²": "m2",
        "spool": "pcs",
    }
    made = {written: MaterialFactory(name="Thing", unit=written) for written in spelled}

    migration.units_from_text(apps, None)

    for written, unit in spelled.items():
        material = Material.objects.get(pk=made[written].pk)
        assert material.unit == unit
    assert Material.objects.get(pk=made["spool"].pk).name == "Thing (spool)"
    assert Material.objects.get(pk=made["Metres"].pk).name == "Thing"
