"""A brand sets itself up from an empty database, through the console only, in a real
Chromium: a material, a design (two colours, three sizes, a measurement table, a bill of
materials) and its tech pack, a task template with three checklist items, two partners,
one with a member; then a run is made with a size × colour matrix, split across the two
partners and sent, and the partner's member sees its share of the matrix, the
measurements and the tech pack on a 390 px phone.

Each stage is its own function taking the page and what earlier stages made, so later
stages (a size × colour matrix, the design's files, the job sheet) can be added to the
journey without rewriting it.
"""

from decimal import Decimal

import pytest

from loomworks.catalog.models import Design, Material
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun
from loomworks.work.models import TaskTemplate
from tests.api.partner_support import PDF
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory

MEMBER_PASSWORD = "stitch-it-right-1"


def submit(page, name: str) -> None:
    """Press a button by its visible name and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def add_material(page, url, brand) -> None:
    page.goto(f"{url}/admin/materials/")
    page.get_by_role("link", name="New material").click()
    page.fill("[name=name]", "Washed linen")
    page.fill("[name=sku]", "LIN-WASH")
    page.select_option("[name=unit]", "m")
    page.fill("[name=unit_cost]", "12.50")
    page.fill("[name=currency]", "EUR")
    submit(page, "Add material")
    assert "The material Washed linen is added." in page.locator(".flash").inner_text()
    brand["material"] = Material.objects.get(sku="LIN-WASH")


def add_design(page, url, brand, artifacts) -> None:
    page.goto(f"{url}/admin/designs/new/")
    page.fill("[name=name]", "Coastal Shirt")
    submit(page, "Create design")
    design = Design.objects.get(name="Coastal Shirt")
    brand["design"] = design
    page.get_by_role("link", name="Edit design").click()
    page.wait_for_url(f"**/designs/{design.pk}/edit/")

    # Rows are added one at a time; what was typed stays.
    page.fill("[name=tags]", "SS27, Coastal")
    for _ in range(2):
        submit(page, "Add a colour")
    for _ in range(3):
        submit(page, "Add a size")
    submit(page, "Add a material")
    assert page.input_value("[name=tags]") == "SS27, Coastal"
    page.fill("[name=colors-0-name]", "Madder Red")
    page.fill("[name=colors-0-hex_code]", "#A33B2F")
    page.fill("[name=colors-0-usage_notes]", "body")
    page.fill("[name=colors-1-name]", "Indigo")
    page.fill("[name=colors-1-hex_code]", "#1F2A44")
    page.fill("[name=colors-1-usage_notes]", "collar and cuffs")
    for index, size in enumerate(("S", "M", "L")):
        page.fill(f"[name=sizes-{index}-size_label]", size)
    page.select_option("[name=materials-0-material_id]", brand["material"].pk)
    page.fill("[name=materials-0-planned_quantity]", "1.6")
    submit(page, "Save design")
    assert "The design Coastal Shirt is saved." in page.locator(".flash").inner_text()

    # With the sizes saved, the measurement table has a column for each.
    page.get_by_role("link", name="Edit design").click()
    submit(page, "Add a point of measure")
    submit(page, "Add a point of measure")
    page.select_option("[name=measurement_unit]", "cm")
    rows = {"Chest width": ("50", "53", "56"), "Back length": ("72", "74", "76")}
    for index, (point, values) in enumerate(rows.items()):
        page.fill(f"[name=measurements-{index}-point]", point)
        for column, value in enumerate(values):
            page.fill(f"[name=measurements-{index}-v{column}]", value)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "console-design-editor.png"), full_page=True)
    submit(page, "Save design")
    sizes = page.locator("#sizes-title").locator("xpath=..").text_content()
    assert "Chest width (cm)" in sizes and "53" in sizes
    # The points of measure keep the order they were typed in.
    assert sizes.index("Chest width (cm)") < sizes.index("Back length (cm)")

    design.refresh_from_db()
    assert [c.name for c in design.colors.all()] == ["Madder Red", "Indigo"]
    assert [(s.size_label, s.measurements["Chest width"]) for s in design.size_sets.all()] == [
        ("S", "50"),
        ("M", "53"),
        ("L", "56"),
    ]
    line = design.materials.get()
    assert (line.material, line.planned_quantity, line.unit) == (
        brand["material"],
        Decimal("1.6"),
        "m",
    )


def add_tech_pack(page, url, brand) -> None:
    design = brand["design"]
    page.goto(f"{url}/admin/designs/{design.pk}/")
    page.set_input_files(
        "#design-files-input",
        files=[{"name": "tech-pack.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    with page.expect_navigation():
        page.locator("#files").get_by_role("button", name="Upload", exact=True).click()
    page.wait_for_load_state()
    assert "tech-pack.pdf" in page.locator("#files").inner_text()


def add_template(page, url, brand) -> None:
    page.goto(f"{url}/admin/templates/new/")
    page.fill("[name=name]", "Sewing")
    page.fill("[name=category]", "stitching")
    page.fill("[name=checklist]", "Join shoulders\nSet sleeves\nHem and press")
    submit(page, "Create template")
    brand["template"] = TaskTemplate.objects.get(name="Sewing")
    assert brand["template"].checklist == ["Join shoulders", "Set sleeves", "Hem and press"]


def add_partner(page, url, brand) -> None:
    page.goto(f"{url}/admin/partners/new/")
    page.fill("[name=name]", "Atelier Norte")
    page.fill("[name=handle]", "atelier-norte")
    page.fill("[name=owner_email]", "rosa@norte.example")
    page.fill("[name=owner_password]", "owner-password-1")
    submit(page, "Add partner")
    partner = Partner.objects.get(handle="atelier-norte")
    brand["partner"] = partner
    page.get_by_role("link", name="Edit partner").click()
    page.fill("[name=contact_name]", "Rosa Lima")
    page.select_option("[name=country]", "PT")
    page.select_option("[name=languages]", ["pt", "en"])
    page.locator(".pick", has_text="Stitching").click()
    page.locator(".pick", has_text="Finishing").click()
    submit(page, "Save partner")
    assert "Stitching, Finishing" in page.locator(".page-head").inner_text()

    page.fill("#add-member-title ~ form [name=email]", "joao@norte.example")
    page.fill("#add-member-title ~ form [name=first_name]", "João")
    page.fill("#add-member-title ~ form [name=password]", MEMBER_PASSWORD)
    submit(page, "Add member")
    assert "joao@norte.example is now a member" in page.locator(".flash").inner_text()
    brand["member_email"] = "joao@norte.example"

    # A second workshop to share the run with.
    page.goto(f"{url}/admin/partners/new/")
    page.fill("[name=name]", "Oficina Sul")
    page.fill("[name=handle]", "oficina-sul")
    page.fill("[name=owner_email]", "ana@sul.example")
    page.fill("[name=owner_password]", "owner-password-2")
    submit(page, "Add partner")
    brand["second_partner"] = Partner.objects.get(handle="oficina-sul")


# Ten pieces by size and colour: (size, colour) → pieces.
MATRIX = {
    ("S", "Madder Red"): 1,
    ("S", "Indigo"): 1,
    ("M", "Madder Red"): 2,
    ("M", "Indigo"): 2,
    ("L", "Madder Red"): 2,
    ("L", "Indigo"): 2,
}


def make_and_send_a_run(page, url, brand) -> None:
    design, partner = brand["design"], brand["partner"]
    page.goto(f"{url}/admin/designs/{design.pk}/")
    production = page.locator(".new-runs form").nth(1)
    production.locator("[name=quantity]").fill("10")
    for (size, color), pieces in MATRIX.items():
        production.locator(f'input[data-size="{size}"][data-color="{color}"]').fill(str(pieces))
    with page.expect_navigation():
        production.locator("button[type=submit]").click()
    run = ProductionRun.objects.get(design=design)
    brand["run"] = run
    assert run.snapshot["size_sets"][1]["measurements"] == {
        "Chest width": "53",
        "Back length": "74",
    }

    page.click("text=Approve…")
    page.wait_for_url("**/approve/")
    page.get_by_role("button", name="+ Add assignment").click()
    page.wait_for_selector("[name=a0-partner_id]")
    page.select_option("[name=a0-partner_id]", label=partner.name)
    page.fill("[name=a0-quantity]", "6")
    page.get_by_role("button", name="+ Add assignment").click()
    page.wait_for_selector("[name=a1-partner_id]")
    page.select_option("[name=a1-partner_id]", label=brand["second_partner"].name)
    page.fill("[name=a1-quantity]", "4")
    submit(page, f"Approve {run.reference}")
    # Each workshop's part is a run of its own, with its share of every cell.
    run.refresh_from_db()
    assert {(c["size"], c["color"]): c["quantity"] for c in run.size_quantities} == MATRIX
    parts = {p.partner_id: p for p in ProductionRun.objects.filter(parent=run)}
    assert {pk: p.quantity for pk, p in parts.items()} == {
        partner.pk: 6,
        brand["second_partner"].pk: 4,
    }
    shares: dict = {}
    for each in parts.values():
        assert each.status == "approved"
        assert sum(c["quantity"] for c in each.size_quantities) == each.quantity
        for cell in each.size_quantities:
            key = (cell["size"], cell["color"])
            shares[key] = shares.get(key, 0) + cell["quantity"]
    assert shares == MATRIX
    part = parts[partner.pk]
    brand["run"] = run = part

    page.locator("#related").get_by_role("link", name=part.reference).click()
    page.wait_for_url(f"**/production-runs/{part.pk}/")
    page.click("text=Send to production…")
    page.wait_for_url("**/dispatch/")
    page.check(f"#use-{brand['template'].pk}")
    submit(page, f"Send to {partner.name}")
    run.refresh_from_db()
    assert run.status == "sent_to_partner"


def partner_sees_it_on_a_phone(phone_page, live_server, brand, artifacts) -> None:
    run, url = brand["run"], live_server.url
    log_in(phone_page, live_server, brand["member_email"], MEMBER_PASSWORD)
    phone_page.goto(f"{url}/partner/")
    assert run.reference in phone_page.locator("main").inner_text()
    phone_page.goto(f"{url}/partner/production-runs/{run.pk}/")
    page_text = phone_page.locator("main").text_content()
    assert "Coastal Shirt" in page_text
    assert "Chest width (cm)" in page_text and "Back length (cm)" in page_text
    assert page_text.index("Chest width (cm)") < page_text.index("Back length (cm)")
    for value in ("50", "53", "56", "72", "74", "76"):
        assert value in page_text
    assert "Madder Red" in page_text and "Indigo" in page_text
    # Its share of the matrix, cell by cell.
    matrix = phone_page.locator("table.matrix").first.text_content()
    for cell in run.size_quantities:
        assert cell["size"] in matrix and cell["color"] in matrix
    assert str(run.quantity) in matrix
    # The brand's tech pack, to download.
    with phone_page.expect_download() as download_info:
        phone_page.get_by_role("link", name="tech-pack.pdf").first.click()
    with open(download_info.value.path(), "rb") as stored:
        assert stored.read().startswith(b"%PDF-")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.screenshot(path=str(artifacts / "portal-set-up-run-phone.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_brand_sets_itself_up_in_the_console(page, phone_page, live_server, artifacts):
    admin = AdminFactory(first_name="Maya")
    assert not Design.objects.exists() and not Partner.objects.exists()
    url = live_server.url
    brand: dict = {}
    log_in(page, live_server, admin.email, PASSWORD)
    add_material(page, url, brand)
    add_design(page, url, brand, artifacts)
    add_tech_pack(page, url, brand)
    add_template(page, url, brand)
    add_partner(page, url, brand)
    make_and_send_a_run(page, url, brand)
    partner_sees_it_on_a_phone(phone_page, live_server, brand, artifacts)
    assert not page.external_requests and not phone_page.external_requests
