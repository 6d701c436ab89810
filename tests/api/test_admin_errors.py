"""Every admin route answers in API.md's order: auth (401, 403), input (422, or 400 for
malformed JSON), the object in the path (404), its state (409), and never 500."""

import re

import pytest

from tests.api.admin_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

NOT_HERE = ("/api/admin/notifications",)  # built elsewhere
# Multipart, not JSON.
UPLOADS = ("/api/admin/designs/design_nothing/files", "/api/admin/imports/materials")


# A valid value for each path parameter that names a choice, not an object.
PATH_CHOICES = {"records": "history", "kind": "materials"}


def admin_routes(client) -> list[tuple[str, str, bool]]:
    """(method, path with made-up ids, takes a JSON body) for each admin operation
    (an upload takes multipart, not JSON: see `test_an_upload_without_files_is_422`)."""
    document = client.get("/api/openapi.json").json()
    routes = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/admin/") or path.startswith(NOT_HERE):
            continue
        for method, operation in operations.items():
            concrete = re.sub(r"\{(\w+)_id\}", r"\1_nothing", path)
            for name, value in PATH_CHOICES.items():  # parameters that are not ids
                concrete = concrete.replace("{" + name + "}", value)
            routes.append((method, concrete, "requestBody" in operation))
    return routes


def call(api, method, path, body=None):
    return getattr(api, method)(path) if method == "get" else getattr(api, method)(path, body)


def test_the_document_lists_every_admin_route(client):
    paths = {(m, p) for m, p, _body in admin_routes(client)}

    assert len(paths) >= 37
    assert ("post", "/api/admin/production-runs/run_nothing/send-to-production") in paths
    assert ("put", "/api/admin/production-run-policy") in paths


def test_strangers_get_401_and_partners_403_before_anything_is_read(
    client, anonymous_api, partner_api
):
    for method, path, _body in admin_routes(client):
        assert call(anonymous_api, method, path, {"bad": "input"}).status_code == 401, path
        assert call(partner_api, method, path, {"bad": "input"}).status_code == 403, path


def test_malformed_json_is_400_and_a_wrong_shape_is_422(client, admin_api):
    for method, path, takes_body in admin_routes(client):
        if not takes_body or path in UPLOADS:
            continue
        send = getattr(admin_api.client, method)
        malformed = send(path, "{oops", content_type="application/json", **admin_api._headers())
        assert malformed.status_code == 400, path
        assert malformed.json()["detail"]
        wrong_shape = call(admin_api, method, path, [1, 2, 3])
        assert wrong_shape.status_code == 422, path
        assert wrong_shape.json()["detail"]


def test_an_upload_without_files_is_422(client, admin_api):
    from tests.factories import DesignFactory

    document = client.get("/api/openapi.json").json()
    uploads = [
        path
        for path, operations in document["paths"].items()
        if path.startswith("/api/admin/")
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    ]
    assert uploads == ["/api/admin/designs/{design_id}/files", "/api/admin/imports/{kind}"]
    design = DesignFactory(details=False)
    for path, field in zip(uploads, ("files", "file"), strict=True):
        concrete = path.replace("{design_id}", design.pk).replace("{kind}", "materials")
        response = admin_api.post(concrete, "{oops")
        assert response.status_code == 422, path
        assert response.json()["field"] == field


def test_unknown_ids_in_the_path_are_404(client, admin_api):
    for method, path, takes_body in admin_routes(client):
        if "_nothing" not in path or takes_body:
            continue
        response = call(admin_api, method, path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
        assert call(admin_api, method, path.replace("_nothing", "_no%00thing")).status_code == 404


@pytest.mark.parametrize(
    "path, body",
    [
        (
            "/designs",
            {"name": "x", "specifications": [{"title": "t", "measurements": {"a": float("nan")}}]},
        ),
        ("/designs", {"name": "x", "materials": [{"name": "m", "planned_quantity": 1e300}]}),
        ("/designs", {"name": "x", "tags": ["a" * 101]}),
        ("/designs", {"name": "x", "target_date": "99999-01-01"}),
        ("/production-runs", {"design_id": "d" * 41}),
        ("/production-runs", {"design_id": 12}),
        ("/production-runs", {"design_id": "des_x", "quantity": 1.5}),
        ("/production-runs", {"design_id": "des_x", "quantity": True}),
        ("/materials", {"sku": "s", "name": "n", "unit": "m", "stock_on_hand": -1}),
        ("/production-run-policy", {"config": {"cancel": [None]}}),
    ],
)
def test_odd_values_are_422_not_500(admin_api, path, body):
    send = admin_api.put if path.endswith("policy") else admin_api.post

    response = send(path, body)

    assert response.status_code == 422
    assert response.json()["field"]


def test_deeply_nested_json_is_refused_cleanly(admin_api):
    nested = "[" * 100_000 + "]" * 100_000
    response = admin_api.client.post(
        "/api/admin/designs", nested, content_type="application/json", **admin_api._headers()
    )

    assert response.status_code in (400, 422)


def test_too_deep_measurements_are_422(admin_api):
    deep = {}
    for _ in range(30):
        deep = {"x": deep}

    response = admin_api.post(
        "/designs", {"name": "x", "size_sets": [{"size_label": "M", "measurements": deep}]}
    )

    assert response.status_code == 422


def test_text_utf8_cannot_hold_is_422_even_inside_free_json(admin_api):
    for body in (
        '{"sku": "\\ud800", "name": "n", "unit": "m"}',
        '{"name": "x", "size_sets": [{"size_label": "M", "measurements": {"a": "\\ud800"}}]}',
    ):
        path = "/api/admin/materials" if "sku" in body else "/api/admin/designs"
        response = admin_api.client.post(
            path, body, content_type="application/json", **admin_api._headers()
        )
        assert response.status_code == 422, body


@pytest.mark.parametrize(
    "path",
    [
        "/partners",
        "/partners/{partner}/members",
        "/designs",
        "/materials",
        "/task-templates",
        "/products",
        "/production-runs",
    ],
)
def test_every_list_pages_the_same_way_and_refuses_bad_paging(admin_api, workshop, path):
    path = path.format(partner=workshop.partner.pk)

    page = admin_api.get(path, {"limit": 5, "offset": 0})
    too_many = admin_api.get(path, {"limit": 101})
    not_a_number = admin_api.get(path, {"offset": "first"})

    assert page.status_code == 200
    assert (page.json()["limit"], page.json()["offset"]) == (5, 0)
    assert isinstance(page.json()["count"], int)
    assert (too_many.status_code, too_many.json()["field"]) == (422, "limit")
    assert (not_a_number.status_code, not_a_number.json()["field"]) == (422, "offset")


@pytest.mark.parametrize(
    "name",
    [" " + "x" * 200, "x" * 200 + "\t", "x" * 201],
    ids=["a blank in front", "a tab behind", "plain"],
)
def test_a_required_name_is_measured_as_sent(admin_api, name):
    """201 characters are too many for a 200-character name, blanks included."""
    response = admin_api.post("/designs", {"name": name})

    assert response.status_code == 422
    assert response.json()["field"] == "name"


def test_a_required_name_loses_its_surrounding_blanks(admin_api):
    response = admin_api.post("/designs", {"name": "  Linen shirt \n"})

    assert response.status_code == 201
    assert response.json()["design"]["name"] == "Linen shirt"
    assert admin_api.post("/designs", {"name": "   "}).json()["field"] == "name"
