"""The brand's files of a design: upload, list, take off, audited; what runs keep of them,
and what a workshop may see and download."""

import io

import pytest
from django.test import Client, override_settings

from loomworks.accounts.services import token_issue
from loomworks.core.models import AuditEntry
from loomworks.events.api import drain
from loomworks.production import services
from loomworks.production.models import MediaFile
from loomworks.production.partner_selectors import partner_run_detail
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.partner_support import PDF, PNG
from tests.factories import DesignFactory, MemberFactory

pytestmark = pytest.mark.django_db


def upload(client, token, path, *files, **fields):
    handles = []
    for name, content in files:
        handle = io.BytesIO(content)
        handle.name = name
        handles.append(handle)
    data = {**fields}
    if handles:
        data["files"] = handles
    return client.post(path, data, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def token(admin_user):
    return token_issue(user=admin_user)


def test_files_are_uploaded_listed_and_audited(client, token, admin_api, admin_user):
    design = DesignFactory(details=False)

    response = upload(
        client,
        token,
        f"/api/admin/designs/{design.pk}/files",
        ("tech-pack.pdf", PDF),
        ("front.png", PNG),
    )

    assert response.status_code == 201, response.json()
    files = response.json()["files"]
    assert [(f["name"], f["kind"], f["is_image"]) for f in files] == [
        ("tech-pack.pdf", "tech_pack", False),
        ("front.png", "image", True),
    ]
    listed = admin_api.get(f"/designs/{design.pk}/files").json()["files"]
    assert [f["id"] for f in listed] == [f["id"] for f in files]
    [entry] = AuditEntry.objects.filter(action="design.files_added")
    assert entry.target_id == design.pk and entry.actor_id == admin_user.pk
    assert [f["name"] for f in entry.details["files"]] == ["tech-pack.pdf", "front.png"]
    # The image gets its preview from the same pipeline as a workshop's photos.
    drain()
    assert MediaFile.objects.get(pk=files[1]["id"]).preview


def test_the_kind_given_applies_to_every_file(client, token):
    design = DesignFactory(details=False)

    response = upload(
        client, token, f"/api/admin/designs/{design.pk}/files", ("p.pdf", PDF), kind="pattern"
    )

    assert response.status_code == 201
    assert response.json()["files"][0]["kind"] == "pattern"


@pytest.mark.parametrize(
    ("files", "fields", "field"),
    [
        ((), {}, "files"),
        ((("evil.pdf", b"MZ\x90\x00binary"),), {}, "files"),
        ((("p.pdf", PDF),), {"kind": "recipe"}, "kind"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field_and_nothing_is_stored(
    client, token, files, fields, field
):
    design = DesignFactory(details=False)

    response = upload(client, token, f"/api/admin/designs/{design.pk}/files", *files, **fields)

    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert not MediaFile.objects.exists()
    assert not AuditEntry.objects.filter(action="design.files_added").exists()


@override_settings(MEDIA_MAX_UPLOAD_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(client, token):
    design = DesignFactory(details=False)

    response = upload(
        client, token, f"/api/admin/designs/{design.pk}/files", ("big.pdf", PDF + b"0" * 2048)
    )

    assert response.status_code == 422
    assert response.json()["field"] == "files"
    assert not MediaFile.objects.exists()


def test_an_unknown_design_is_404(client, token, admin_api):
    assert (
        upload(client, token, "/api/admin/designs/des_nothing/files", ("p.pdf", PDF)).status_code
        == 404
    )
    assert admin_api.get("/designs/des_nothing/files").status_code == 404


def test_a_partner_cannot_upload_to_a_design(client, workshop):
    design = DesignFactory(details=False)
    response = upload(
        client,
        token_issue(user=workshop.user),
        f"/api/admin/designs/{design.pk}/files",
        ("p.pdf", PDF),
    )
    assert response.status_code == 403


def test_a_file_taken_off_the_design_stays_on_the_runs_made_before(
    client, token, admin_api, admin, workshop
):
    design = DesignFactory(details=False)
    [pdf] = upload(
        client, token, f"/api/admin/designs/{design.pk}/files", ("tech-pack.pdf", PDF)
    ).json()["files"]
    before = services.run_create(design=design, actor=admin, quantity=5, partner=workshop.partner)
    services.run_approve(run=before, actor=admin)

    removed = admin_api.delete(f"/designs/{design.pk}/files/{pdf['id']}")
    assert removed.status_code == 204
    assert admin_api.get(f"/designs/{design.pk}/files").json()["files"] == []
    assert AuditEntry.objects.filter(action="design.file_removed", target_id=design.pk).exists()
    assert admin_api.delete(f"/designs/{design.pk}/files/{pdf['id']}").status_code == 404
    after = services.run_create(design=design, actor=admin, quantity=5, partner=workshop.partner)
    services.run_approve(run=after, actor=admin)

    before.refresh_from_db()
    assert [f["name"] for f in before.snapshot["files"]] == ["tech-pack.pdf"]
    assert after.snapshot["files"] == []
    assert [f.name for f in partner_run_detail(workshop.partner, before.pk).design.files] == [
        "tech-pack.pdf"
    ]
    assert partner_run_detail(workshop.partner, after.pk).design.files == ()


def test_the_partner_downloads_the_files_of_its_own_runs_only(client, token, admin, workshop):
    design = DesignFactory(details=False)
    [pdf] = upload(
        client, token, f"/api/admin/designs/{design.pk}/files", ("tech-pack.pdf", PDF)
    ).json()["files"]
    run = services.run_create(design=design, actor=admin, quantity=5, partner=workshop.partner)
    services.run_approve(run=run, actor=admin)
    other = MemberFactory()

    mine = Client()
    mine.force_login(workshop.user)
    page = mine.get(f"/partner/production-runs/{run.pk}/").content.decode()
    assert "tech-pack.pdf" in page and f'href="{pdf["url"]}"' in page
    download = mine.get(pdf["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    theirs = Client()
    theirs.force_login(other.user)
    assert theirs.get(pdf["url"]).status_code == 404
    assert theirs.get(f"/partner/production-runs/{run.pk}/").status_code == 404


# ---------------------------------------------------------------- the console


def console_upload(console, design, *files, **fields):
    handles = []
    for name, content in files:
        handle = io.BytesIO(content)
        handle.name = name
        handles.append(handle)
    return console.post(
        f"/admin/designs/{design.pk}/files/", {**fields, **({"files": handles} if handles else {})}
    )


@pytest.fixture
def console(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_design_page_uploads_lists_and_removes_files(console):
    design = DesignFactory(details=False)

    response = console_upload(console, design, ("tech-pack.pdf", PDF), kind="tech_pack")
    assert response.status_code == 302
    page = console.get(f"/admin/designs/{design.pk}/").content.decode()
    assert 'id="files"' in page and "tech-pack.pdf" in page and "Tech pack" in page

    media = MediaFile.objects.get()
    removed = console.post(f"/admin/designs/{design.pk}/files/{media.pk}/remove/")
    assert removed.status_code == 302
    media.refresh_from_db()
    assert media.removed_at is not None
    page = console.get(f"/admin/designs/{design.pk}/").content.decode()
    assert "is taken off the design" in page
    assert f'data-file-id="{media.pk}"' not in page
    assert AuditEntry.objects.filter(action="design.file_removed").count() == 1


def test_a_refused_upload_is_shown_beside_the_file_field(console):
    design = DesignFactory(details=False)

    response = console_upload(console, design, ("virus.pdf", b"MZ\x90\x00"))

    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="design-files-error"' in page and "virus.pdf" in page
    assert not MediaFile.objects.exists()
