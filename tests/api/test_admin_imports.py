"""`/api/admin/imports/{kind}`: a dry run says what a file would do and every problem;
a real import writes every row or none."""

import io

import pytest

from loomworks.accounts.services import token_issue
from loomworks.catalog.models import Material
from loomworks.core.models import AuditEntry
from tests.imports.support import csv_bytes, material_rows, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(client, admin_user):
    token = token_issue(user=admin_user)

    def post(kind, content, name="upload.csv", query=""):
        handle = io.BytesIO(content)
        handle.name = name
        return client.post(
            f"/api/admin/imports/{kind}{query}",
            {"file": handle},
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


def test_a_dry_run_lists_every_problem_and_writes_nothing(send):
    rows = material_rows(500)
    rows[10][2] = "furlongs"
    rows[250][4] = "twelve"
    rows[499][0] = ""

    response = send("materials", csv_bytes(rows), query="?dry_run=true")

    assert response.status_code == 200
    body = response.json()
    assert (body["dry_run"], body["written"]) == (True, False)
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [
        (11, "unit"),
        (251, "unit_cost"),
        (500, "sku"),
    ]
    assert Material.objects.count() == 0


def test_an_import_with_problems_is_refused_with_each_one(send):
    rows = material_rows(5)
    rows[2][2] = "furlongs"

    response = send("materials", xlsx_bytes(rows), name="m.xlsx")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_refused" and body["field"] == "file"
    assert [(e["row"], e["column"]) for e in body["row_errors"]] == [(3, "unit")]
    assert Material.objects.count() == 0


def test_a_clean_import_writes_every_row_and_again_changes_nothing(send, admin_user):
    content = csv_bytes(material_rows(40))

    first = send("materials", content)
    again = send("materials", content, query="?dry_run=true")

    assert first.status_code == 200
    assert (len(first.json()["created"]), first.json()["written"]) == (40, True)
    assert Material.objects.count() == 40
    assert AuditEntry.objects.filter(action="material.created", actor=admin_user).count() == 40
    assert (again.json()["created"], again.json()["unchanged"]) == ([], 40)


def test_an_unreadable_file_is_a_422_on_the_file(send):
    response = send("partners", b"\x00\x01garbage", name="p.xlsx")
    assert response.status_code == 422
    assert response.json()["field"] == "file"


def test_the_template_is_the_header_row(client, admin_user):
    token = token_issue(user=admin_user)
    response = client.get(
        "/api/admin/imports/design-materials/template.csv",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert response.content.decode().strip() == "design,material_sku,quantity,unit"


def test_a_partner_token_is_refused(client, workshop):
    token = token_issue(user=workshop.user)
    response = client.post(
        "/api/admin/imports/materials",
        {"file": io.BytesIO(b"sku\n")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
