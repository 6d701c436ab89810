"""The partner API's material log, materials list and file uploads."""

import io

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings
from PIL import Image

from loomworks.production.models import ConsumptionLog, MediaFile, RunHistory
from tests.api.partner_support import PDF, PNG, PartnerApi, image_bytes
from tests.factories import MaterialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workshop):
    return PartnerApi(workshop.user)


@pytest.fixture
def linen(db):
    return MaterialFactory(sku="LIN-01", name="Washed linen", unit="m")


# ---------------------------------------------------------------- consumption


def test_log_consumption_defaults_unit_and_type(api, workshop, make_run, linen):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, run_type="sample")

    response = api.post(
        f"/production-runs/{run.pk}/consumption-logs", {"material_id": linen.pk, "quantity": 2.5}
    )

    assert response.status_code == 201, response.content
    log = response.json()["consumption_log"]
    assert log["material"] == {"id": linen.pk, "sku": "LIN-01", "name": "Washed linen"}
    assert log["quantity"] == 2.5
    assert log["unit"] == "m"
    assert log["consumption_type"] == "sample"
    assert log["notes"] == ""
    assert log["logged_by"] == workshop.user.display_name
    assert log["consumed_at"]
    assert log["id"].startswith("cons_")


def test_log_consumption_with_every_field(api, workshop, make_run, linen):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = api.post(
        f"/production-runs/{run.pk}/consumption-logs",
        {
            "material_id": linen.pk,
            "quantity": 0.125,
            "unit": linen.unit,
            "consumption_type": "wastage",
            "notes": "Cutting error",
        },
    )

    assert response.status_code == 201
    log = response.json()["consumption_log"]
    assert (log["quantity"], log["unit"], log["consumption_type"], log["notes"]) == (
        0.125,
        linen.unit,
        "wastage",
        "Cutting error",
    )


def test_consumption_lists_only_this_runs_logs_newest_first(api, workshop, make_run, linen):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    other = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    for quantity in (1, 2):
        api.post(
            f"/production-runs/{run.pk}/consumption-logs",
            {"material_id": linen.pk, "quantity": quantity},
        )
    api.post(
        f"/production-runs/{other.pk}/consumption-logs", {"material_id": linen.pk, "quantity": 9}
    )

    response = api.get(f"/production-runs/{run.pk}/consumption-logs")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [log["quantity"] for log in body["consumption_logs"]] == [2, 1]


@pytest.mark.parametrize("status", ["approved", "sent_to_partner", "completed"])
def test_consumption_needs_the_run_in_progress(api, workshop, make_run, linen, status):
    run = make_run(status, partner=workshop.partner, actor=workshop.actor)

    response = api.post(
        f"/production-runs/{run.pk}/consumption-logs", {"material_id": linen.pk, "quantity": 1}
    )

    assert response.status_code == 409
    assert response.json()["status"] == status
    assert not ConsumptionLog.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"material_id": "mat_unknown", "quantity": 1}, "material_id"),
        ({"quantity": 1}, "material_id"),
        ({"material_id": "LINEN", "quantity": 0}, "quantity"),
        ({"material_id": "LINEN", "quantity": -2}, "quantity"),
        ({"material_id": "LINEN", "quantity": 1.0001}, "quantity"),
        ({"material_id": "LINEN", "quantity": "lots"}, "quantity"),
        ({"material_id": "LINEN", "quantity": 1, "consumption_type": "theft"}, "consumption_type"),
        ({"material_id": "LINEN", "quantity": 1, "unit": "x" * 21}, "unit"),
    ],
)
def test_consumption_input_is_checked(api, workshop, make_run, linen, body, field):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    if body.get("material_id") == "LINEN":
        body = {**body, "material_id": linen.pk}

    response = api.post(f"/production-runs/{run.pk}/consumption-logs", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not ConsumptionLog.objects.exists()


def test_materials_are_listed_and_searchable(api, linen):
    MaterialFactory(sku="BTN-7", name="Horn button", unit="pcs")

    everything = api.get("/materials")
    buttons = api.get("/materials", {"q": "horn"})

    assert everything.status_code == 200
    assert [m["sku"] for m in everything.json()["materials"]] == ["BTN-7", "LIN-01"]
    assert buttons.json()["materials"] == [
        {
            "id": buttons.json()["materials"][0]["id"],
            "sku": "BTN-7",
            "name": "Horn button",
            "unit": "pcs",
        }
    ]


# ---------------------------------------------------------------- media


def test_upload_images_and_pdfs_to_a_run(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = api.upload(f"/production-runs/{run.pk}/media", ("front.png", PNG), ("spec.pdf", PDF))

    assert response.status_code == 201, response.content
    media = response.json()["media"]
    assert [(m["name"], m["content_type"], m["is_image"]) for m in media] == [
        ("front.png", "image/png", True),
        ("spec.pdf", "application/pdf", False),
    ]
    assert media[0]["size"] == len(PNG)
    assert media[0]["uploaded_by"] == workshop.user.display_name
    stored = MediaFile.objects.get(pk=media[0]["id"])
    assert default_storage.exists(stored.file.name)
    assert media[0]["url"] == stored.file.url
    assert RunHistory.objects.filter(run=run, kind="media_added").count() == 1

    detail = api.get(f"/production-runs/{run.pk}").json()["production_run"]
    assert [m["id"] for m in detail["media"]] == [m["id"] for m in media]
    assert [m["id"] for m in detail["design"]["media"]] == [m["id"] for m in media]


def test_upload_refuses_files_that_are_not_images_or_pdfs(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = api.upload(
        f"/production-runs/{run.pk}/media", ("photo.png", PNG), ("evil.png", b"MZ\x90\x00binary")
    )

    assert response.status_code == 422
    assert response.json()["field"] == "files"
    assert "evil.png" in response.json()["detail"]
    assert not MediaFile.objects.exists()


@override_settings(MEDIA_MAX_UPLOAD_BYTES=1024)
def test_upload_refuses_files_over_the_size_limit(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = api.upload(f"/production-runs/{run.pk}/media", ("big.png", PNG + b"\x00" * 2048))

    assert response.status_code == 422
    assert response.json()["field"] == "files"
    assert not MediaFile.objects.exists()


def test_upload_needs_files(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = api.client.post(
        f"/api/partners/production-runs/{run.pk}/media", {}, headers=api.headers
    )

    assert response.status_code == 422
    assert response.json()["field"] == "files"


def test_another_workshops_uploads_on_the_same_design_stay_hidden(
    workshop, other_workshop, make_run, design
):
    mine = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    theirs = make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)
    PartnerApi(other_workshop.user).upload(
        f"/production-runs/{theirs.pk}/media", ("theirs.png", PNG)
    )
    PartnerApi(workshop.user).upload(f"/production-runs/{mine.pk}/media", ("mine.png", PNG))

    detail = PartnerApi(workshop.user).get(f"/production-runs/{mine.pk}").json()["production_run"]

    assert mine.design_id == theirs.design_id == design.pk
    assert [m["name"] for m in detail["design"]["media"]] == ["mine.png"]
    assert other_workshop.user.display_name not in str(detail)


def test_a_phone_photo_gets_an_upright_preview_of_480_pixels_after_the_upload(
    api, workshop, make_run, drained
):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was held upright, the pixels lie on their side
    photo = image_bytes(size=(2400, 1600), image_format="JPEG", exif=exif.tobytes())

    response = api.upload(f"/production-runs/{run.pk}/media", ("bundle.jpg", photo))

    assert response.status_code == 201, response.content
    [media] = response.json()["media"]
    assert media["preview_url"] == media["url"]  # until the preview exists: the photo itself
    drained()
    stored = MediaFile.objects.get(pk=media["id"])
    detail = api.get(f"/production-runs/{run.pk}").json()["production_run"]
    assert detail["media"][0]["preview_url"] == stored.preview.url != media["url"]
    with stored.preview.open("rb") as handle:
        preview = handle.read()
    with Image.open(io.BytesIO(preview)) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 480)  # turned upright, longest side 480
    assert len(preview) < len(photo) / 2


def test_a_transparent_png_preview_is_laid_on_white_and_a_pdf_has_none(
    api, workshop, make_run, drained
):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    logo = image_bytes(size=(64, 64), mode="RGBA")

    response = api.upload(f"/production-runs/{run.pk}/media", ("logo.png", logo), ("a.pdf", PDF))
    drained()

    png, pdf = response.json()["media"]
    with (
        MediaFile.objects.get(pk=png["id"]).preview.open("rb") as handle,
        Image.open(handle) as image,
    ):
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (64, 64))
    assert pdf["preview_url"] == pdf["url"]
    assert not MediaFile.objects.get(pk=pdf["id"]).preview


def test_a_file_that_only_starts_like_an_image_is_refused_and_nothing_is_kept(
    api, workshop, make_run
):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    broken = b"\xff\xd8\xff\xe0" + b"not really a photo" * 20

    response = api.upload(
        f"/production-runs/{run.pk}/media", ("fine.png", PNG), ("broken.jpg", broken)
    )

    assert response.status_code == 422
    assert response.json()["field"] == "files"
    assert "broken.jpg could not be opened as an image" in response.json()["detail"]
    assert not MediaFile.objects.exists()
    assert not RunHistory.objects.filter(run=run, kind="media_added").exists()
