"""`/api/admin`: designs, materials, task templates, products, and order intake."""

import pytest

from loomworks.catalog.models import Design, DesignStatus, Material, Product
from loomworks.core.models import AuditEntry
from loomworks.events.models import Event
from loomworks.orders.models import Order
from loomworks.production.models import ProductionRun
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory, MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def full_design(material_id: str) -> dict:
    return {
        "name": "Linen shirt",
        "description": "Relaxed fit.",
        "priority": "high",
        "status": "In_Development",
        "thumbnail_url": "/static/shirt.svg",
        "specifications": [
            {"title": "Seams", "category": "construction", "measurements": {"allowance_cm": 1}}
        ],
        "colors": [{"name": "Sand", "hex_code": "#d8c7a6"}],
        "size_sets": [{"size_label": "M", "measurements": {"chest_cm": 102}}],
        "materials": [
            {"material_id": material_id, "planned_quantity": 1.5},
            {"name": "Shell buttons", "planned_quantity": 7, "unit": "pcs"},
        ],
    }


# ---------------------------------------------------------------- designs


def test_create_a_design_with_everything_it_is_made_of(admin_api):
    linen = MaterialFactory(name="Linen", unit="m")

    response = admin_api.post("/designs", full_design(linen.pk))

    assert response.status_code == 201
    design = response.json()["design"]
    assert design["status"] == "In_Development"
    assert design["priority"] == "high"
    assert design["specifications"][0]["measurements"] == {"allowance_cm": 1}
    assert design["colors"] == [{"name": "Sand", "hex_code": "#D8C7A6", "usage_notes": ""}]
    assert design["size_sets"][0]["size_label"] == "M"
    assert design["materials"] == [
        {
            "material_id": linen.pk,
            "sku": linen.sku,
            "name": "Linen",
            "planned_quantity": 1.5,
            "unit": "m",
        },
        {
            "material_id": None,
            "sku": "",
            "name": "Shell buttons",
            "planned_quantity": 7.0,
            "unit": "pcs",
        },
    ]


def test_a_minimal_design_starts_conceptual(admin_api):
    design = admin_api.post("/designs", {"name": "Tote"}).json()["design"]

    assert design["status"] == "Conceptual"
    assert design["priority"] == "medium"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": " "}, "name"),
        ({"status": "Dreaming"}, "status"),
        ({"priority": "asap"}, "priority"),
        ({"colors": [{"name": "Red", "hex_code": "red"}]}, "colors[0].hex_code"),
        ({"materials": [{"material_id": "mat_unknown"}]}, "materials[0].material_id"),
        ({"materials": [{"planned_quantity": 2}]}, "materials[0].name"),
        ({"materials": [{"name": "x", "planned_quantity": -1}]}, "materials[0].planned_quantity"),
        ({"specifications": [{"category": "no title"}]}, "specifications[0].title"),
        (
            {"size_sets": [{"size_label": "M", "measurements": {"a\x00": 1}}]},
            "size_sets[0].measurements",
        ),
        ({"target_date": "2025-02-30"}, "target_date"),
    ],
)
def test_invalid_design_input_is_422_and_writes_nothing(admin_api, change, field):
    payload = {**full_design(MaterialFactory().pk), **change}

    response = admin_api.post("/designs", payload)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Design.objects.exists()


def test_list_designs_newest_first_with_filters(admin_api):
    DesignFactory(name="Linen shirt")
    DesignFactory(name="Wool coat", status=DesignStatus.APPROVED)

    everything = admin_api.get("/designs").json()
    approved = admin_api.get("/designs", {"status": "Approved"}).json()
    searched = admin_api.get("/designs", {"q": "SHIRT"}).json()

    assert [d["name"] for d in everything["designs"]] == ["Wool coat", "Linen shirt"]
    assert everything["count"] == 2
    assert everything["designs"][1]["colors"][0]["name"] == "Sand"
    assert [d["name"] for d in approved["designs"]] == ["Wool coat"]
    assert [d["name"] for d in searched["designs"]] == ["Linen shirt"]


def test_listing_designs_costs_the_same_for_one_or_many(admin_api, django_assert_max_num_queries):
    DesignFactory()
    with django_assert_max_num_queries(8):
        assert len(admin_api.get("/designs").json()["designs"]) == 1
    for _ in range(15):
        DesignFactory()
    with django_assert_max_num_queries(8):
        assert len(admin_api.get("/designs").json()["designs"]) == 16


def test_read_a_design_or_404(admin_api, design):
    assert admin_api.get(f"/designs/{design.pk}").json()["design"]["name"] == design.name
    assert admin_api.get("/designs/des_nothing").status_code == 404


def test_patch_a_design_replaces_only_what_is_sent(admin_api, design):
    response = admin_api.patch(
        f"/designs/{design.pk}",
        {"status": "Approved", "colors": [{"name": "Ink", "hex_code": "#101820"}], "notes": None},
    )

    assert response.status_code == 200
    changed = response.json()["design"]
    assert changed["status"] == "Approved"
    assert [c["name"] for c in changed["colors"]] == ["Ink"]
    assert changed["specifications"][0]["title"] == "Seam allowance"
    assert changed["name"] == design.name
    assert Event.objects.filter(name="design.status_changed").count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": None}, "name"),
        ({"status": "Nope"}, "status"),
        ({"colors": None}, "colors"),
        ({"moodboard": {}}, "moodboard"),
    ],
)
def test_invalid_design_patch_is_422(admin_api, design, change, field):
    response = admin_api.patch(f"/designs/{design.pk}", change)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_patch_an_unknown_design_is_404_after_input_checks(admin_api, design):
    unknown_material = {"materials": [{"material_id": "mat_nothing"}]}
    nameless = {"materials": [{"planned_quantity": 2}]}

    assert admin_api.patch("/designs/des_nothing", {"name": "New"}).status_code == 404
    for design_id in (design.pk, "des_nothing"):
        response = admin_api.patch(f"/designs/{design_id}", unknown_material)
        assert (response.status_code, response.json()["field"]) == (
            422,
            "materials[0].material_id",
        )
        response = admin_api.patch(f"/designs/{design_id}", nameless)
        assert (response.status_code, response.json()["field"]) == (422, "materials[0].name")


# ---------------------------------------------------------------- materials and templates


def test_create_and_list_materials(admin_api):
    created = admin_api.post("/materials", {"sku": "LIN-01", "name": "Linen", "unit": "m"})
    MaterialFactory(name="Alpaca yarn", sku="ALP-01")

    assert created.status_code == 201
    assert created.json()["material"]["sku"] == "LIN-01"
    listing = admin_api.get("/materials").json()
    assert [m["name"] for m in listing["materials"]] == ["Alpaca yarn", "Linen"]
    assert [m["sku"] for m in admin_api.get("/materials", {"q": "lin"}).json()["materials"]] == [
        "LIN-01"
    ]


def test_material_errors(admin_api):
    MaterialFactory(sku="LIN-01")

    assert (
        admin_api.post("/materials", {"sku": "LIN-01", "name": "L", "unit": "m"}).status_code == 409
    )
    missing_unit = admin_api.post("/materials", {"sku": "X", "name": "L"})
    assert missing_unit.status_code == 422
    assert missing_unit.json()["field"] == "unit"
    assert Material.objects.count() == 1


def test_create_and_list_task_templates(admin_api):
    response = admin_api.post(
        "/task-templates",
        {
            "name": "Cut fabric",
            "category": "cutting",
            "priority": "high",
            "estimated_duration": 90,
            "checklist": ["Lay out", "Cut"],
        },
    )
    TemplateFactory(name="Anneal")

    assert response.status_code == 201
    template = response.json()["task_template"]
    assert (template["name"], template["checklist"]) == ("Cut fabric", ["Lay out", "Cut"])
    names = [t["name"] for t in admin_api.get("/task-templates").json()["task_templates"]]
    assert names == ["Anneal", "Cut fabric"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": ""}, "name"),
        ({"name": "Cut", "checklist": ["ok", " "]}, "checklist[1]"),
        ({"name": "Cut", "priority": "now"}, "priority"),
        ({"name": "Cut", "estimated_duration": -5}, "estimated_duration"),
    ],
)
def test_invalid_templates_are_422(admin_api, payload, field):
    response = admin_api.post("/task-templates", payload)

    assert response.status_code == 422
    assert response.json()["field"] == field


# ---------------------------------------------------------------- products


def test_create_a_product_with_variants(admin_api, design, admin_user):
    other = DesignFactory()

    response = admin_api.post(
        "/products",
        {
            "title": "Linen Shirt",
            "design_id": design.pk,
            "variants": [{"sku": "LS-M", "title": "M"}, {"sku": "LS-L", "design_id": other.pk}],
        },
    )

    assert response.status_code == 201
    product = response.json()["product"]
    assert product["handle"] == "linen-shirt"
    assert [(v["sku"], v["design_id"]) for v in product["variants"]] == [
        ("LS-M", None),
        ("LS-L", other.pk),
    ]
    assert all(v["id"].startswith("var_") for v in product["variants"])
    assert admin_api.get(f"/products/{product['id']}").json()["product"] == product
    assert admin_api.get("/products").json()["products"] == [product]
    entry = AuditEntry.objects.get(action="product.created")
    assert (entry.target_id, entry.actor_id) == (product["id"], admin_user.pk)
    assert entry.details["skus"] == ["LS-L", "LS-M"]


def test_product_errors(admin_api, design):
    admin_api.post("/products", {"title": "Shirt", "variants": [{"sku": "S-1"}]})

    taken_handle = admin_api.post("/products", {"title": "Shirt"})
    taken_sku = admin_api.post("/products", {"title": "Other", "variants": [{"sku": "S-1"}]})
    unknown_design = admin_api.post(
        "/products", {"title": "New", "variants": [{"sku": "N-1", "design_id": "des_x"}]}
    )

    assert taken_handle.status_code == 409
    assert taken_sku.status_code == 409
    assert unknown_design.status_code == 422
    assert unknown_design.json()["field"] == "variants[0].design_id"
    assert Product.objects.count() == 1
    assert AuditEntry.objects.filter(action="product.created").count() == 1
    assert admin_api.get("/products/prod_nothing").status_code == 404


# ---------------------------------------------------------------- orders


def test_an_order_is_recorded_once_and_makes_one_run_per_line(admin_api, design, drained):
    product = admin_api.post(
        "/products", {"title": "Shirt", "design_id": design.pk, "variants": [{"sku": "S-M"}]}
    ).json()["product"]
    order = {
        "external_id": "shop-1001",
        "lines": [
            {
                "external_id": "shop-1001-1",
                "variant_id": product["variants"][0]["id"],
                "quantity": 3,
            },
            {"external_id": "shop-1001-2", "sku": "S-M", "quantity": 2},
        ],
    }

    first = admin_api.post("/orders", order)
    drained()
    again = admin_api.post("/orders", order)
    drained()

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    body = first.json()["order"]
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("S-M", 3), ("S-M", 2)]
    assert Event.objects.filter(name="order.placed").count() == 1
    runs = ProductionRun.objects.filter(order_id=body["id"]).order_by("quantity")
    assert [(run.quantity, run.design_id) for run in runs] == [(2, design.pk), (3, design.pk)]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"external_id": "o-1", "lines": []}, "lines"),
        ({"external_id": " ", "lines": [{"external_id": "l", "quantity": 1}]}, "external_id"),
        (
            {"external_id": "o-1", "lines": [{"external_id": "l", "quantity": 0}]},
            "lines[0].quantity",
        ),
        (
            {"external_id": "o-1", "lines": [{"external_id": "l", "quantity": 10**20}]},
            "lines[0].quantity",
        ),
        (
            {
                "external_id": "o-1",
                "lines": [{"external_id": "l", "variant_id": "var_x", "quantity": 1}],
            },
            "lines[0].variant_id",
        ),
        (
            {
                "external_id": "o-1",
                "lines": [{"external_id": "l", "product_id": "prod_x", "quantity": 1}],
            },
            "lines[0].product_id",
        ),
    ],
)
def test_invalid_orders_are_422_and_record_nothing(admin_api, payload, field):
    response = admin_api.post("/orders", payload)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Order.objects.exists()


def test_a_line_id_of_another_order_is_409(admin_api):
    admin_api.post(
        "/orders", {"external_id": "o-1", "lines": [{"external_id": "l-1", "quantity": 1}]}
    )

    response = admin_api.post(
        "/orders", {"external_id": "o-2", "lines": [{"external_id": "l-1", "quantity": 1}]}
    )

    assert response.status_code == 409
    assert Order.objects.count() == 1


def test_catalogue_routes_refuse_partners_and_strangers(partner_api, anonymous_api, design):
    calls = [
        ("get", "/designs", None),
        ("post", "/designs", {"name": "x"}),
        ("get", f"/designs/{design.pk}", None),
        ("patch", f"/designs/{design.pk}", {"name": "x"}),
        ("get", "/materials", None),
        ("post", "/materials", {"sku": "a", "name": "b", "unit": "m"}),
        ("get", "/task-templates", None),
        ("post", "/task-templates", {"name": "x"}),
        ("get", "/products", None),
        ("post", "/products", {"title": "x"}),
        ("get", "/products/prod_x", None),
        ("post", "/orders", {"external_id": "o", "lines": [{"external_id": "l", "quantity": 1}]}),
    ]
    for api, status in ((partner_api, 403), (anonymous_api, 401)):
        for method, path, body in calls:
            call = getattr(api, method)
            response = call(path) if body is None else call(path, body)
            assert response.status_code == status, (method, path)
