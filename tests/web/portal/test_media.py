"""Uploaded files are behind the same scope as the pages that show them."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from loomworks.production import services
from loomworks.production.models import MediaFile
from tests.factories import AdminFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def photo(name="photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def run_photo(working_run, workshop, drained) -> MediaFile:
    media = services.media_add(run=working_run, actor=workshop.actor, files=[photo()])[0]
    drained()  # the preview is made after the upload, by its subscriber
    media.refresh_from_db()
    return media


def url(media: MediaFile) -> str:
    return media.file.url


def test_a_partner_member_opens_the_files_of_their_own_runs(partner_client, run_photo):
    response = partner_client.get(url(run_photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_another_partners_member_gets_not_found(client, run_photo, other_workshop):
    client.force_login(other_workshop.user)
    assert client.get(url(run_photo)).status_code == 404


def test_a_colleague_in_the_same_workshop_can_open_it(client, run_photo, workshop):
    colleague = MemberFactory(partner=workshop.partner)
    client.force_login(colleague.user)
    assert client.get(url(run_photo)).status_code == 200


def test_anonymous_visitors_and_users_of_no_partner_get_not_found(client, run_photo):
    assert client.get(url(run_photo)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url(run_photo)).status_code == 404


def test_an_inactive_members_access_ends(client, run_photo, workshop):
    workshop.member.is_active = False
    workshop.member.save()
    client.force_login(workshop.user)
    assert client.get(url(run_photo)).status_code == 404


def test_brand_admins_open_any_file(client, run_photo):
    client.force_login(AdminFactory())
    assert client.get(url(run_photo)).status_code == 200


def test_the_brands_design_files_are_open_to_workshops_making_that_design(
    client, working_run, workshop, other_workshop
):
    design_file = MediaFile(
        design=working_run.design, original_name="sketch.png", content_type="image/png", size=10
    )
    design_file.file.save("sketch.png", photo("sketch.png"), save=False)
    design_file.save()

    client.force_login(workshop.user)
    assert client.get(url(design_file)).status_code == 200
    client.force_login(other_workshop.user)
    assert client.get(url(design_file)).status_code == 404


def test_a_file_no_run_knows_is_for_admins_only(client, workshop):
    stray = settings.MEDIA_ROOT / "stray.txt"
    stray.write_text("hello")

    client.force_login(workshop.user)
    assert client.get("/media/stray.txt").status_code == 404
    client.force_login(AdminFactory())
    response = client.get("/media/stray.txt")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_missing_file_is_not_found_even_for_admins(client):
    client.force_login(AdminFactory())
    assert client.get("/media/runs/nothing/here.png").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404


def test_the_preview_is_served_to_those_who_may_see_the_photo_only(
    client, partner_client, run_photo, other_workshop
):
    preview = f"{settings.MEDIA_URL}{run_photo.preview.name}"

    response = partner_client.get(preview)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8\xff")

    client.force_login(other_workshop.user)
    assert client.get(preview).status_code == 404
    client.force_login(AdminFactory())
    assert client.get(preview).status_code == 200


def test_too_many_photos_at_once_get_a_page_saying_so(partner_client, working_run, settings):
    partner_client.raise_request_exception = False
    count = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/media",
        {"files": [photo(f"{i}.png") for i in range(count)]},
    )

    assert response.status_code == 400
    assert f"Send at most {count - 1} files at once." in response.content.decode()
    assert not MediaFile.objects.exists()


def test_a_partner_cannot_add_photos_before_the_run_is_sent(partner_client, make_run, workshop):
    run = make_run("approved", partner=workshop.partner)

    page = partner_client.get(f"/partner/production-runs/{run.pk}/")
    response = partner_client.post(f"/partner/production-runs/{run.pk}/media", {"files": [photo()]})

    assert 'name="files"' not in page.content.decode()
    assert response.status_code == 422
    assert not MediaFile.objects.exists()
