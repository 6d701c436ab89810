"""Importing from a spreadsheet: every problem listed before anything is written,
then all rows written through the services (audited), or none."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from loomworks.catalog.models import Design, DesignMaterial, Material
from loomworks.core.errors import InvalidInput
from loomworks.core.imports import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportRefused,
    import_apply,
    import_kind,
    import_plan,
)
from loomworks.core.models import AuditEntry
from loomworks.core.tables import read_table
from loomworks.partners.models import Partner, PartnerMember
from tests.factories import DesignFactory, MaterialFactory, UserFactory
from tests.imports.support import (
    MATERIAL_HEADER,
    csv_bytes,
    material_rows,
    table_of,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]


def _apply(kind, rows, admin, fmt="csv"):
    return import_apply(kind=import_kind(kind), table=table_of(rows, fmt), actor=admin)


# ---------------------------------------------------------------- all or nothing


@pytest.mark.parametrize("fmt", FORMATS)
def test_three_bad_rows_among_500_write_nothing_and_each_is_named(admin, fmt):
    rows = material_rows(500)
    rows[10][2] = "furlongs"  # an unknown unit, on the file's line 11
    rows[250][4] = "twelve"  # a cost that is not a number, line 251
    rows[499][0] = ""  # no SKU, line 500

    with pytest.raises(ImportRefused) as refused:
        _apply("materials", rows, admin, fmt)

    found = {(error.row, error.column) for error in refused.value.errors}
    assert found == {(11, "unit"), (251, "unit_cost"), (500, "sku")}
    assert "furlongs" in refused.value.errors[0].message
    assert Material.objects.count() == 0
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_clean_file_of_materials_writes_every_row_with_its_audit_row(admin, fmt):
    plan = _apply("materials", material_rows(500), admin, fmt)

    assert len(plan.to_create) == 500
    assert Material.objects.count() == 500
    cotton = Material.objects.get(sku="MAT-0007")
    assert (cotton.unit, cotton.unit_cost, cotton.currency) == ("m", Decimal("12.5"), "EUR")
    audits = AuditEntry.objects.filter(action="material.created")
    assert audits.count() == 500
    assert set(audits.values_list("actor_name", flat=True)) == {admin.name}
    applied = AuditEntry.objects.get(action="import.applied")
    assert applied.actor_id == admin.user_id and len(applied.details["created"]) == 500


def test_importing_the_same_file_again_updates_rather_than_duplicates(admin):
    rows = material_rows(20)
    _apply("materials", rows, admin)
    again = import_plan(kind=import_kind("materials"), table=table_of(rows))
    assert [row.action for row in again.rows] == [UNCHANGED] * 20

    rows[4][1] = "Cotton twill, heavier"
    rows[4][4] = "13.00"
    plan = _apply("materials", rows, admin)

    assert Material.objects.count() == 20
    assert [(row.key, row.changes) for row in plan.to_update] == [
        ("MAT-0003", ["name", "unit_cost"])
    ]
    assert Material.objects.get(sku="MAT-0003").unit_cost == Decimal("13")
    assert AuditEntry.objects.filter(action="material.updated").count() == 1


def test_a_unit_already_counted_in_by_a_design_cannot_change(admin):
    used = MaterialFactory(sku="USED-1", unit="m")
    design = DesignFactory(details=False)
    DesignMaterial.objects.create(design=design, material=used, name="x", planned_quantity=1)
    rows = [*material_rows(3), ["USED-1", used.name, "kg", "", "", ""]]

    with pytest.raises(ImportRefused) as refused:
        _apply("materials", rows, admin)

    assert [(error.row, error.column) for error in refused.value.errors] == [(5, "unit")]
    assert Material.objects.count() == 1


def test_a_refusal_by_the_services_while_writing_undoes_every_row(admin, monkeypatch):
    """What only the service sees (here: the material was logged in its unit,
    which production tells the catalogue at start-up) still stops every row."""
    from loomworks.catalog import services

    logged = MaterialFactory(sku="LOGGED-1", unit="m")
    monkeypatch.setattr(services, "UNIT_IN_USE_CHECKS", [lambda material: material.pk == logged.pk])
    rows = [*material_rows(3), ["LOGGED-1", logged.name, "kg", "", "", ""]]

    with pytest.raises(ImportRefused) as refused:
        _apply("materials", rows, admin)

    assert [(error.row, error.column) for error in refused.value.errors] == [(5, "")]
    assert "make a new material" in refused.value.errors[0].message
    assert Material.objects.count() == 1
    assert not AuditEntry.objects.exists()


# ---------------------------------------------------------------- reading files


def test_csv_with_semicolons_a_byte_order_mark_and_french_decimals(admin):
    content = csv_bytes(
        [MATERIAL_HEADER, ["LIN-1", "Lin lavé", "m", "1 250,5", "8,25", "eur"]],
        separator=";",
        bom=True,
    )
    with translation.override("fr"):
        import_apply(
            kind=import_kind("materials"),
            table=read_table(content, "matières.csv"),
            actor=admin,
        )
    linen = Material.objects.get(sku="LIN-1")
    assert (linen.name, linen.stock_on_hand, linen.unit_cost, linen.currency) == (
        "Lin lavé",
        Decimal("1250.5"),
        Decimal("8.25"),
        "EUR",
    )


def test_a_number_written_two_ways_is_refused_with_an_example():
    with translation.override("fr"):
        plan = import_plan(
            kind=import_kind("materials"),
            table=table_of([MATERIAL_HEADER, ["LIN-1", "Lin", "m", "1.250", "", ""]]),
        )
    assert [(error.row, error.column) for error in plan.errors] == [(2, "stock_on_hand")]
    assert "42,5" in plan.errors[0].message


def test_unknown_and_missing_columns_are_named_on_the_header_row():
    plan = import_plan(
        kind=import_kind("materials"), table=table_of([["sku", "name", "colour"], ["A", "B", "C"]])
    )
    assert {(error.row, error.column) for error in plan.errors} == {(1, "colour"), (1, "unit")}


@pytest.mark.parametrize(
    ("content", "filename", "said"),
    [
        (b"sku,name\n", "materials.pdf", ".csv"),
        (b"\xff\xfe\x00n\x00a", "materials.csv", "UTF-8"),
        (b"not a zip", "materials.xlsx", ".xlsx"),
        (b"", "materials.csv", "empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_on_the_file_field(content, filename, said):
    with pytest.raises(InvalidInput) as refused:
        read_table(content, filename)
    assert refused.value.field == "file" and said in refused.value.detail


def test_a_sheet_of_blank_rows_is_not_read_to_its_end():
    rows = [["sku", "name", "unit"], *([["", "", ""]] * 300), ["A", "B", "m"]]
    with pytest.raises(InvalidInput) as refused:
        read_table(xlsx_bytes(rows), "m.xlsx", max_rows=10)
    assert "10 rows" in refused.value.detail
    assert len(read_table(xlsx_bytes(rows[:150] + rows[-1:]), "m.xlsx", max_rows=10).rows) == 1


def test_too_many_rows_is_refused_before_anything_is_checked():
    with pytest.raises(InvalidInput) as refused:
        read_table(csv_bytes(material_rows(11)), "m.csv", max_rows=10)
    assert "10 rows" in refused.value.detail


# ---------------------------------------------------------------- designs and their parts

DESIGN_HEADER = ["name", "status", "priority", "tags", "target_date", "colours", "sizes"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_designs_with_colours_and_sizes(admin, fmt):
    rows = [
        DESIGN_HEADER,
        [
            "Harbour jacket",
            "In development",
            "high",
            "SS27|Coastal",
            "2027-03-31",
            "Navy #1f2a44|Ecru #F2EAD3",
            "S|M|L",
        ],
        ["Dune shirt", "", "", "", "", "Sand #C2B280", "M"],
    ]
    plan = _apply("designs", rows, admin, fmt)

    assert [row.action for row in plan.rows] == [CREATE, CREATE]
    jacket = Design.objects.get(name="Harbour jacket")
    assert (jacket.status, jacket.priority, jacket.tags) == (
        "In_Development",
        "high",
        ["SS27", "Coastal"],
    )
    assert str(jacket.target_date) == "2027-03-31"
    assert [(c.name, c.hex_code) for c in jacket.colors.all()] == [
        ("Navy", "#1F2A44"),
        ("Ecru", "#F2EAD3"),
    ]
    assert [s.size_label for s in jacket.size_sets.all()] == ["S", "M", "L"]
    assert AuditEntry.objects.filter(action="design.created").count() == 2


def test_a_design_update_keeps_the_measurements_of_the_sizes_it_keeps(admin):
    design = DesignFactory(name="Harbour jacket", details=False)
    design.size_sets.create(size_label="M", measurements={"chest": "52"}, position=0)
    design.size_sets.create(size_label="XL", measurements={"chest": "60"}, position=1)

    plan = _apply("designs", [["name", "sizes"], ["Harbour jacket", "S|M"]], admin)

    assert [(row.action, row.changes) for row in plan.rows] == [(UPDATE, ["sizes"])]
    sizes = {s.size_label: s.measurements for s in design.size_sets.all()}
    assert sizes == {"S": {}, "M": {"chest": "52"}}
    assert Design.objects.count() == 1


def test_design_rows_name_each_problem():
    DesignFactory(name="Twin")
    DesignFactory(name="Twin")
    plan = import_plan(
        kind=import_kind("designs"),
        table=table_of(
            [
                DESIGN_HEADER,
                ["Twin", "", "", "", "", "", ""],
                ["Coat", "Finished", "", "", "31/03/2027", "Navy 1F2A4", "S|S"],
                ["coat", "", "", "", "", "", ""],
            ]
        ),
    )
    assert {(error.row, error.column) for error in plan.errors} == {
        (2, "name"),
        (3, "status"),
        (3, "target_date"),
        (3, "colours"),
        (3, "sizes"),
        (4, "name"),
    }
    assert plan.rows == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_bills_of_materials_by_design_name_and_material_sku(admin, fmt):
    jacket = DesignFactory(name="Harbour jacket")
    MaterialFactory(sku="TWILL", unit="m")
    MaterialFactory(sku="BTN", unit="pcs")
    rows = [
        ["design", "material_sku", "quantity", "unit"],
        ["Harbour jacket", "TWILL", "1.75", "m"],
        ["Harbour jacket", "BTN", 6, ""],
    ]
    plan = _apply("design-materials", rows, admin, fmt)

    assert [(row.key, row.action) for row in plan.rows] == [("Harbour jacket", UPDATE)]
    lines = [(line.material.sku, line.planned_quantity) for line in jacket.materials.all()]
    assert lines == [("TWILL", Decimal("1.750")), ("BTN", Decimal("6.000"))]
    assert AuditEntry.objects.filter(action="design.updated", target_id=jacket.pk).count() == 1

    again = import_plan(kind=import_kind("design-materials"), table=table_of(rows, fmt))
    assert [row.action for row in again.rows] == [UNCHANGED]


def test_bill_of_materials_rows_name_unknown_designs_materials_and_wrong_units():
    DesignFactory(name="Harbour jacket")
    MaterialFactory(sku="TWILL", unit="m")
    MaterialFactory(sku="OLD", unit="m", archived=True)
    plan = import_plan(
        kind=import_kind("design-materials"),
        table=table_of(
            [
                ["design", "material_sku", "quantity", "unit"],
                ["Nowhere coat", "TWILL", "1", ""],
                ["Harbour jacket", "NOPE", "1", ""],
                ["Harbour jacket", "TWILL", "1", "kg"],
                ["Harbour jacket", "OLD", "-2", ""],
            ]
        ),
    )
    assert {(error.row, error.column) for error in plan.errors} == {
        (2, "design"),
        (3, "material_sku"),
        (4, "unit"),
        (5, "material_sku"),
        (5, "quantity"),
    }


# ---------------------------------------------------------------- partners

PARTNER_HEADER = [
    "handle",
    "name",
    "country",
    "languages",
    "roles",
    "owner_email",
    "owner_first_name",
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_partners_with_their_owners(admin, fmt):
    rows = [
        PARTNER_HEADER,
        [
            "atelier-nord",
            "Atelier Nord",
            "PT",
            "pt|en",
            "cutting|Stitching",
            "ana@nord.test",
            "Ana",
        ],
        ["delhi-knits", "Delhi Knits", "IN", "hi", "knitting", "ravi@knits.test", "Ravi"],
    ]
    plan = _apply("partners", rows, admin, fmt)

    assert [row.action for row in plan.rows] == [CREATE, CREATE]
    nord = Partner.objects.get(handle="atelier-nord")
    assert (nord.country, nord.languages, nord.roles) == (
        "PT",
        ["pt", "en"],
        ["cutting", "stitching"],
    )
    owner = PartnerMember.objects.get(partner=nord)
    assert (owner.user.email, owner.role) == ("ana@nord.test", "owner")
    assert AuditEntry.objects.filter(action="partner.created").count() == 2

    rows[1][1] = "Atelier Nord Lda"
    again = _apply("partners", rows, admin, fmt)
    assert [(row.key, row.action) for row in again.rows] == [
        ("atelier-nord", UPDATE),
        ("delhi-knits", UNCHANGED),
    ]
    assert Partner.objects.count() == 2


def test_partner_rows_name_each_problem():
    UserFactory(email="taken@example.test")
    plan = import_plan(
        kind=import_kind("partners"),
        table=table_of(
            [
                PARTNER_HEADER,
                ["Bad Handle!", "X", "", "", "", "x@example.test", ""],
                ["ok-1", "", "ZZ", "english", "sewing", "taken@example.test", ""],
                ["ok-2", "Two", "", "", "", "", ""],
            ]
        ),
    )
    assert {(error.row, error.column) for error in plan.errors} == {
        (2, "handle"),
        (3, "name"),
        (3, "country"),
        (3, "languages"),
        (3, "roles"),
        (3, "owner_email"),
        (4, "owner_email"),
    }


# ---------------------------------------------------------------- queries


@pytest.mark.parametrize(
    ("kind", "rows_for"),
    [
        ("materials", lambda n: material_rows(n)),
        (
            "designs",
            lambda n: (
                [["name", "colours", "sizes"]]
                + [[f"D{i}", "Navy #000000", "S|M"] for i in range(n)]
            ),
        ),
        (
            "design-materials",
            lambda n: (
                [["design", "material_sku", "quantity"]]
                + [[f"D{i}", f"MAT-{i:04d}", "1"] for i in range(n)]
            ),
        ),
        (
            "partners",
            lambda n: (
                [PARTNER_HEADER]
                + [
                    [f"p-{i}", f"P {i}", "PT", "pt", "cutting", f"o{i}@x.test", ""]
                    for i in range(n)
                ]
            ),
        ),
    ],
)
def test_the_preview_takes_the_same_queries_for_10_rows_as_for_200(kind, rows_for):
    for index in range(0, 200, 2):  # half the records exist already
        DesignFactory(name=f"D{index}", details=False)
        MaterialFactory(sku=f"MAT-{index:04d}")
        Partner.objects.create(name=f"P {index}", handle=f"p-{index}")
    counts = []
    for size in (10, 200):
        table = table_of(rows_for(size))
        with CaptureQueriesContext(connection) as queries:
            import_plan(kind=import_kind(kind), table=table)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- every kind, 500 rows


def _designs_500():
    rows = [["name", "status", "target_date", "colours", "sizes"]]
    rows += [[f"Design {i}", "Conceptual", "2027-01-31", "Navy #1F2A44", "S|M"] for i in range(500)]
    bad = {(21, "status"): "Finished", (202, "colours"): "Navy", (480, "target_date"): "tomorrow"}
    return rows, bad, lambda: Design.objects.count()


def _design_materials_500():
    for index in range(50):
        DesignFactory(name=f"Design {index}", details=False)
    for index in range(10):
        MaterialFactory(sku=f"SKU-{index}", unit="m")
    rows = [["design", "material_sku", "quantity"]]
    rows += [[f"Design {i // 10}", f"SKU-{i % 10}", "1.25"] for i in range(500)]
    bad = {(21, "design"): "Design 999", (202, "material_sku"): "SKU-X", (480, "quantity"): "-1"}
    return rows, bad, lambda: DesignMaterial.objects.count()


def _partners_500():
    rows = [["handle", "name", "country", "owner_email"]]
    rows += [[f"workshop-{i}", f"Workshop {i}", "PT", f"owner{i}@shop.test"] for i in range(500)]
    bad = {(21, "handle"): "no spaces!", (202, "country"): "Portugal", (480, "owner_email"): "x"}
    return rows, bad, lambda: Partner.objects.count()


def _materials_500():
    rows = material_rows(500)
    bad = {(21, "unit"): "furlongs", (202, "unit_cost"): "twelve", (480, "currency"): "EURO"}
    return rows, bad, lambda: Material.objects.count()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("materials", _materials_500),
        ("designs", _designs_500),
        ("design-materials", _design_materials_500),
        ("partners", _partners_500),
    ],
)
def test_each_kind_three_bad_rows_in_500_write_nothing_and_a_clean_file_writes_all(
    admin, kind, build, fmt
):
    rows, bad, count = build()
    before = count()
    broken = [list(row) for row in rows]
    for (line, column), value in bad.items():
        broken[line - 1][rows[0].index(column)] = value

    with pytest.raises(ImportRefused) as refused:
        _apply(kind, broken, admin, fmt)

    assert {(error.row, error.column) for error in refused.value.errors} == set(bad)
    assert count() == before
    assert not AuditEntry.objects.exists()

    plan = _apply(kind, rows, admin, fmt)

    assert count() == before + 500
    assert len(plan.to_create if kind != "design-materials" else plan.to_update) == (
        50 if kind == "design-materials" else 500
    )
    assert AuditEntry.objects.filter(actor_id=admin.user_id).count() >= 50
