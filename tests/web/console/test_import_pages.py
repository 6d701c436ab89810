"""The console's import pages: upload, preview every problem, confirm, all or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from loomworks.catalog.models import Material
from loomworks.core.models import AuditEntry, StagedImport
from loomworks.partners.models import Partner
from tests.factories import AdminFactory, UserFactory
from tests.imports.support import csv_bytes, material_rows, xlsx_bytes

pytestmark = pytest.mark.django_db

URL = "/admin/imports/materials/"


def _upload(console, content, name="materials.csv", url=URL):
    return console.post(url, {"file": SimpleUploadedFile(name, content)})


def test_the_set_up_pages_link_to_their_import(console):
    for page, kind in (
        ("/admin/designs/", "designs"),
        ("/admin/materials/", "materials"),
        ("/admin/partners/", "partners"),
    ):
        assert f'href="/admin/imports/{kind}/"' in console.get(page).content.decode()
    index = console.get("/admin/imports/").content.decode()
    assert "/admin/imports/design-materials/template.csv" in index


def test_the_template_is_the_header_row(console):
    response = console.get("/admin/imports/partners/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("handle,name,status,")
    assert console.get("/admin/imports/planets/template.csv").status_code == 404


def test_three_bad_rows_among_500_are_each_named_and_nothing_is_written(console):
    rows = material_rows(500)
    rows[10][2] = "furlongs"
    rows[250][4] = "twelve"
    rows[499][0] = ""

    response = _upload(console, csv_bytes(rows))

    assert response.status_code == 422
    page = response.content.decode()
    assert "3 problems" in page
    for row, column in ((11, "unit"), (251, "unit_cost"), (500, "sku")):
        assert f'<td class="num">{row}</td><td><code>{column}</code></td>' in page
    assert 'name="token"' not in page
    assert Material.objects.count() == 0 and not StagedImport.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_preview_then_confirm_writes_every_row(console, admin_user, fmt):
    content = csv_bytes(material_rows(30)) if fmt == "csv" else xlsx_bytes(material_rows(30))

    preview = _upload(console, content, name=f"materials.{fmt}")

    assert preview.status_code == 200
    assert "30 to add, 0 to update, 0 unchanged." in preview.content.decode()
    assert Material.objects.count() == 0
    token = preview.context["staged"].token

    done = console.post(f"{URL}confirm/", {"token": token}, follow=True)

    assert done.redirect_chain[-1][0] == "/admin/materials/"
    assert "30 added, 0 updated, 0 unchanged" in done.content.decode()
    assert Material.objects.count() == 30
    assert AuditEntry.objects.filter(action="material.created", actor=admin_user).count() == 30
    # A second click finds the preview used up rather than importing twice.
    again = console.post(f"{URL}confirm/", {"token": token}, follow=True)
    assert "upload the file again" in again.content.decode()
    assert Material.objects.count() == 30


def test_confirm_checks_the_kept_upload_again(console):
    """Between the preview and the click, someone takes an owner's e-mail:
    the confirmation is refused, naming the row, and nothing is written."""
    content = csv_bytes(
        [
            ["handle", "name", "owner_email"],
            ["nord", "Nord", "a@nord.test"],
            ["sul", "Sul", "b@sul.test"],
        ]
    )
    preview = _upload(console, content, name="partners.csv", url="/admin/imports/partners/")
    UserFactory(email="b@sul.test")

    response = console.post(
        "/admin/imports/partners/confirm/", {"token": preview.context["staged"].token}
    )

    assert response.status_code == 422
    assert '<td class="num">3</td><td><code>owner_email</code></td>' in response.content.decode()
    assert not Partner.objects.exists()


def test_a_token_is_only_good_for_the_admin_who_previewed_it(console):
    preview = _upload(console, csv_bytes(material_rows(2)))
    other = Client()
    other.force_login(AdminFactory())

    response = other.post(f"{URL}confirm/", {"token": preview.context["staged"].token}, follow=True)

    assert "upload the file again" in response.content.decode()
    assert Material.objects.count() == 0


def test_an_unreadable_or_missing_file_is_a_form_error(console):
    response = _upload(console, b"%PDF-1.4", name="materials.pdf")
    assert response.status_code == 422
    assert "Upload a .csv or an .xlsx file." in response.content.decode()
    assert console.post(URL, {}).status_code == 422


def test_partners_and_other_people_cannot_import(client, workshop):
    client.force_login(workshop.user)
    assert client.get(URL).status_code == 403
    assert Client().get(URL).status_code == 302
