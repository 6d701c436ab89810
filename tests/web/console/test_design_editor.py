"""The design editor: every part of a design edited on one page, audited, field-level
errors with nothing written, and runs that keep their snapshot."""

from decimal import Decimal

import pytest

from loomworks.catalog.models import Design
from loomworks.core.models import AuditEntry
from loomworks.production.models import ProductionRun
from tests.factories import DesignFactory, MaterialFactory
from tests.web.console.helpers import flashes, text

SETS = ("colors", "sizes", "measurements", "specifications", "materials")


def editor_data(response) -> dict:
    """What the editor page would post back as it is shown (every value as rendered)."""
    context = response.context
    data = {}
    for name in context["form"].fields:
        value = context["form"][name].value()
        data[name] = "" if value is None else value
    for prefix in SETS:
        formset = context[f"{prefix}_rows"]
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = management[name].value()
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if name == "DELETE":
                    if value:
                        data[form[name].html_name] = "on"
                    continue
                data[form[name].html_name] = "" if value is None else value
    return data


def add_row(console, url, data, kind):
    response = console.post(url, {**data, "add_row": kind})
    assert response.status_code == 200
    return editor_data(response)


@pytest.fixture
def blank(db):
    return DesignFactory(name="Field Jacket", details=False)


def test_a_design_is_set_up_on_the_editor_and_the_edit_is_audited(console, blank, admin_user):
    linen = MaterialFactory(name="Linen", sku="LIN-1", unit="m")
    url = f"/admin/designs/{blank.pk}/edit/"
    data = editor_data(console.get(url))
    for kind, count in (("colors", 2), ("sizes", 3), ("specifications", 1), ("materials", 1)):
        for _ in range(count):
            data = add_row(console, url, data, kind)
    data.update(
        {
            "tags": "SS27, Coastal",
            "status": "In_Development",
            "colors-0-name": "Madder Red",
            "colors-0-hex_code": "#a33b2f",
            "colors-0-usage_notes": "body",
            "colors-1-name": "Indigo",
            "colors-1-hex_code": "1F2A44",
            "sizes-0-size_label": "S",
            "sizes-1-size_label": "M",
            "sizes-2-size_label": "L",
            "specifications-0-title": "Seam allowance",
            "specifications-0-details": "1 cm",
            "materials-0-material_id": linen.pk,
            "materials-0-planned_quantity": "1.75",
        }
    )
    response = console.post(url, data, follow=True)
    assert "The design Field Jacket is saved." in flashes(response)
    design = Design.objects.get(pk=blank.pk)
    assert design.tags == ["SS27", "Coastal"] and design.status == "In_Development"
    assert [(c.name, c.hex_code) for c in design.colors.all()] == [
        ("Madder Red", "#A33B2F"),
        ("Indigo", "#1F2A44"),
    ]
    assert [s.size_label for s in design.size_sets.all()] == ["S", "M", "L"]
    line = design.materials.get()
    assert (line.material, line.planned_quantity, line.unit) == (linen, Decimal("1.75"), "m")

    # The measurement table has a column per saved size now.
    data = editor_data(console.get(url))
    data = add_row(console, url, data, "measurements")
    data = add_row(console, url, data, "measurements")
    data.update(
        {
            "measurement_unit": "cm",
            "measurements-0-point": "Chest width",
            "measurements-0-v0": "50",
            "measurements-0-v1": "52.50",
            "measurements-0-v2": "55",
            "measurements-1-point": "Back length",
            "measurements-1-v0": "70",
            "measurements-1-v1": "72",
        }
    )
    console.post(url, data)
    sizes = {s.size_label: s.measurements for s in design.size_sets.all()}
    assert sizes == {
        "S": {"Chest width": "50", "Back length": "70"},
        "M": {"Chest width": "52.5", "Back length": "72"},
        "L": {"Chest width": "55"},
    }
    # The table keeps its order (PostgreSQL's jsonb would sort an object's keys).
    design.refresh_from_db()
    assert design.measurement_points == ["Chest width", "Back length"]
    page = text(console.get(f"/admin/designs/{design.pk}/"))
    assert "Chest width (cm)" in page and "52.5" in page
    assert page.index("Chest width (cm)") < page.index("Back length (cm)")

    entries = AuditEntry.objects.filter(action="design.updated", target_id=design.pk)
    assert entries.count() == 2
    first = entries.order_by("id").first()
    assert first.actor_id == admin_user.pk
    assert {"tags", "status", "colors", "size_sets", "materials"} <= set(first.details["changed"])


def test_rows_are_removed(console, design):
    url = f"/admin/designs/{design.pk}/edit/"
    data = editor_data(console.get(url))
    data["colors-0-DELETE"] = "on"
    data["materials-0-DELETE"] = "on"
    console.post(url, data)
    assert not design.colors.exists() and not design.materials.exists()
    # What was not touched stays, measurements included.
    assert design.size_sets.get().measurements == {"chest_cm": "102"}
    assert design.specifications.get().title == "Seam allowance"


@pytest.mark.parametrize(
    ("changes", "where", "field"),
    [
        ({"name": ""}, "form", "name"),
        ({"status": "Nope"}, "form", "status"),
        ({"colors-0-hex_code": "red"}, "colors", "hex_code"),
        ({"colors-0-name": ""}, "colors", "name"),
        ({"sizes-0-size_label": ""}, "sizes", "size_label"),
        ({"materials-0-planned_quantity": "-1"}, "materials", "planned_quantity"),
        ({"materials-0-material_id": "mat_nope"}, "materials", "material_id"),
        ({"specifications-0-title": ""}, "specifications", "title"),
        ({"measurements-0-v0": "abc"}, "measurements", "v0"),
        ({"thumbnail_url": "javascript:alert(1)"}, "form", "thumbnail_url"),
    ],
)
def test_bad_input_is_beside_its_field_and_nothing_is_written(
    console, design, changes, where, field
):
    url = f"/admin/designs/{design.pk}/edit/"
    data = {**editor_data(console.get(url)), **changes}
    before = Design.objects.get(pk=design.pk).updated_at
    response = console.post(url, data)
    assert response.status_code == 200
    if where == "form":
        errors = response.context["form"].errors
    else:
        errors = response.context[f"{where}_rows"].forms[0].errors
    assert field in errors, response.context["form"].errors
    assert "Nothing is saved yet" in text(response)
    assert Design.objects.get(pk=design.pk).updated_at == before
    assert design.colors.get().name == "Sand"
    assert not AuditEntry.objects.filter(action="design.updated").exists()


def test_a_refusal_of_the_service_is_shown_on_its_row(console, design):
    """An archived material may stay on a design, but is not taken for a new line."""
    old = MaterialFactory(name="Old twill", archived=True)
    url = f"/admin/designs/{design.pk}/edit/"
    data = add_row(console, url, editor_data(console.get(url)), "materials")
    data.update({"materials-1-material_id": old.pk, "materials-1-planned_quantity": "1"})
    response = console.post(url, data)
    assert "material_id" in response.context["materials_rows"].forms[1].errors
    assert design.materials.count() == 1


def test_duplicate_sizes_are_refused(console, design):
    url = f"/admin/designs/{design.pk}/edit/"
    data = add_row(console, url, editor_data(console.get(url)), "sizes")
    data["sizes-1-size_label"] = "m"
    response = console.post(url, data)
    assert "size_label" in response.context["sizes_rows"].forms[1].errors
    assert design.size_sets.count() == 1


def test_editing_a_design_never_changes_a_run_made_from_it(console, design, make_run):
    run = make_run(design=design)
    snapshot = ProductionRun.objects.get(pk=run.pk).snapshot
    url = f"/admin/designs/{design.pk}/edit/"
    data = editor_data(console.get(url))
    data.update({"name": "Renamed", "colors-0-name": "Ochre", "colors-0-hex_code": "#CC7722"})
    data["materials-0-planned_quantity"] = "3"
    console.post(url, data)
    assert Design.objects.get(pk=design.pk).name == "Renamed"
    assert ProductionRun.objects.get(pk=run.pk).snapshot == snapshot
    assert snapshot["colors"][0]["name"] == "Sand"


def test_the_editor_of_an_unknown_design_is_404(console, db):
    assert console.get("/admin/designs/des_nope/edit/").status_code == 404


def test_a_line_written_by_name_only_survives_an_edit(console, design):
    """A bill-of-materials line the API wrote with a name and no material stays as it is."""
    from loomworks.catalog.models import DesignMaterial

    DesignMaterial.objects.create(
        design=design, name="Shell buttons", planned_quantity="7", unit="pcs", position=5
    )
    url = f"/admin/designs/{design.pk}/edit/"
    page = text(console.get(url))
    assert "Shell buttons" in page and "(no material)" in page
    data = {**editor_data(console.get(url)), "name": "Renamed"}
    response = console.post(url, data)
    assert response.status_code == 302, response.context["materials_rows"].errors
    lines = [(line.name, line.material_id is None, line.unit) for line in design.materials.all()]
    assert ("Shell buttons", True, "pcs") in lines and len(lines) == 2
