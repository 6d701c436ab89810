"""The materials pages: list, create, edit, archive; errors beside their field."""

from decimal import Decimal

from loomworks.catalog.models import DesignMaterial, Material
from loomworks.core.models import AuditEntry
from tests.factories import MaterialFactory
from tests.web.console.helpers import count_queries, flashes, text


def test_list_costs_the_same_queries_for_one_or_many_materials(console):
    MaterialFactory(name="Linen", unit_cost=Decimal("12.5"), currency="EUR")
    few = count_queries(lambda: console.get("/admin/materials/"))
    for index in range(12):
        MaterialFactory(name=f"Cotton {index}", unit_cost=Decimal("3"), currency="GBP")
    assert count_queries(lambda: console.get("/admin/materials/")) == few


def test_list_shows_unit_and_cost_and_hides_archived(console):
    MaterialFactory(name="Linen", unit="m", unit_cost=Decimal("12.5"), currency="EUR")
    MaterialFactory(name="Old twill", archived=True)
    page = text(console.get("/admin/materials/"))
    assert "Linen" in page and "metres (m)" in page and "12.50" in page
    assert "Old twill" not in page
    assert "Old twill" in text(console.get("/admin/materials/", {"archived": "true"}))
    assert "Linen" not in text(console.get("/admin/materials/", {"q": "twill", "archived": "true"}))


def test_create_a_material_is_audited(console, admin_user):
    response = console.post(
        "/admin/materials/new/",
        {"name": "Linen", "sku": "LIN-1", "unit": "m", "unit_cost": "12.50", "currency": "eur"},
        follow=True,
    )
    material = Material.objects.get(sku="LIN-1")
    assert (material.unit, material.unit_cost, material.currency) == ("m", Decimal("12.5"), "EUR")
    assert "The material Linen is added." in flashes(response)
    entry = AuditEntry.objects.get(action="material.created", target_id=material.pk)
    assert entry.actor_id == admin_user.pk


def test_bad_input_is_shown_beside_its_field_and_nothing_is_written(console):
    MaterialFactory(sku="TAKEN")
    cases = [
        ({"name": "", "sku": "A", "unit": "m"}, "name"),
        ({"name": "A", "sku": "A", "unit": "furlong"}, "unit"),
        ({"name": "A", "sku": "A", "unit": "m", "unit_cost": "-1"}, "unit_cost"),
        ({"name": "A", "sku": "A", "unit": "m", "unit_cost": "2"}, "currency"),
        ({"name": "A", "sku": "A", "unit": "m", "unit_cost": "2", "currency": "ZZZ"}, "currency"),
        ({"name": "A", "sku": "TAKEN", "unit": "m"}, "sku"),
    ]
    for data, field in cases:
        response = console.post("/admin/materials/new/", data)
        assert response.status_code == 200
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert Material.objects.count() == 1
    assert not AuditEntry.objects.filter(action="material.created").exists()


def test_edit_a_material(console, admin_user):
    material = MaterialFactory(name="Linen", sku="LIN-1", unit="m")
    response = console.post(
        f"/admin/materials/{material.pk}/",
        {"name": "Washed linen", "sku": "LIN-1", "unit": "m", "unit_cost": "9", "currency": "EUR"},
        follow=True,
    )
    material.refresh_from_db()
    assert (material.name, material.unit_cost, material.currency) == (
        "Washed linen",
        Decimal("9"),
        "EUR",
    )
    assert "The material Washed linen is saved." in flashes(response)
    entry = AuditEntry.objects.get(action="material.updated", target_id=material.pk)
    assert entry.details["changed"]["name"] == ["Linen", "Washed linen"]


def test_the_unit_of_a_material_in_use_cannot_change(console, design):
    material = MaterialFactory(name="Linen", sku="LIN-1", unit="m")
    DesignMaterial.objects.create(design=design, material=material, name="Linen", unit="m")
    page = text(console.get(f"/admin/materials/{material.pk}/"))
    assert "add a new material" in page
    response = console.post(
        f"/admin/materials/{material.pk}/", {"name": "Linen", "sku": "LIN-1", "unit": "kg"}
    )
    assert "unit" in response.context["form"].errors
    material.refresh_from_db()
    assert material.unit == "m"


def test_archive_and_restore(console):
    material = MaterialFactory(name="Linen")
    response = console.post(
        f"/admin/materials/{material.pk}/archive/", {"archived": "true"}, follow=True
    )
    material.refresh_from_db()
    assert material.archived
    assert "Linen is archived" in " ".join(flashes(response))
    assert AuditEntry.objects.filter(action="material.archived", target_id=material.pk).exists()
    console.post(f"/admin/materials/{material.pk}/archive/", {"archived": "false"})
    material.refresh_from_db()
    assert not material.archived


def test_unknown_material_is_404(console):
    assert console.get("/admin/materials/mat_nope/").status_code == 404
    assert console.post("/admin/materials/mat_nope/archive/").status_code == 404
