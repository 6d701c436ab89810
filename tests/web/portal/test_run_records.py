"""Material used, photos, and keeping the run page light and cheap."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from loomworks.catalog.models import Material
from loomworks.production import services
from loomworks.production.models import ConsumptionLog, MediaFile
from loomworks.work.models import Task
from tests.factories import MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def planned_material(run) -> Material:
    return Material.objects.get(pk=run.snapshot["materials"][0]["material_id"])


# ---------------------------------------------------------------- consumption


def test_logging_material_shows_it_beside_the_plan(partner_client, working_run):
    linen = planned_material(working_run)

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {
            "material": linen.pk,
            "quantity": "12.5",
            "unit": "",
            "consumption_type": "",
            "notes": "first roll",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#materials")
    log = ConsumptionLog.objects.get(run=working_run)
    assert log.unit == "m" and log.consumption_type == "production"
    page = partner_client.get(response["Location"]).content.decode()
    assert "Material logged on" in page
    # planned 1.5 m a piece × 10 pieces = 15 m; used 12.5 m
    assert "12.5 of 15 m used · 2.5 m left" in page
    assert "first roll" in page


def test_using_more_than_planned_is_flagged(partner_client, working_run):
    partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": planned_material(working_run).pk, "quantity": "16.25"},
    )
    page = partner_client.get(f"/partner/production-runs/{working_run.pk}/").content.decode()
    assert '16.25 of 15 m used · <span class="over">1.25 m over the plan</span>' in page


def test_material_the_design_does_not_plan_gets_its_own_row(partner_client, working_run):
    thread = MaterialFactory(name="Thread", unit="spool")

    partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": thread.pk, "quantity": "3", "consumption_type": "wastage"},
    )

    page = partner_client.get(f"/partner/production-runs/{working_run.pk}/").content.decode()
    assert '<div class="usage__name">Thread</div>' in page
    assert "3 spool used, not in the plan" in page
    assert ConsumptionLog.objects.get(run=working_run).consumption_type == "wastage"


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("", "Give the quantity."),
        ("abc", "Write the number like 42.5."),
        ("0", "The quantity must be above zero."),
        ("1.23456", "Give the quantity with at most three decimals."),
    ],
)
def test_a_bad_quantity_is_shown_beside_the_field_with_the_typed_values_kept(
    partner_client, working_run, quantity, message
):
    linen = planned_material(working_run)

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": linen.pk, "quantity": quantity, "notes": "kept note"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert f'<p class="field__error" id="quantity-error">{message}</p>' in page
    assert 'value="kept note"' in page
    assert f'<option value="{linen.pk}" selected>' in page
    assert not ConsumptionLog.objects.exists()


def test_material_cannot_be_logged_before_the_run_is_accepted(partner_client, sent_run):
    linen = planned_material(sent_run)
    page = partner_client.get(f"/partner/production-runs/{sent_run.pk}/").content.decode()
    assert "You can log the material you use once you have accepted the run." in page

    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/consumption",
        {"material": linen.pk, "quantity": "2"},
    )

    assert response.status_code == 422
    assert "Material can be logged only while" in response.content.decode()
    assert not ConsumptionLog.objects.exists()


# ---------------------------------------------------------------- photos


def test_uploading_a_photo_adds_it_to_the_run(partner_client, working_run, workshop):
    photo = SimpleUploadedFile("bundle.png", png_bytes(), content_type="image/png")

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/media", {"files": [photo]}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#photos")
    media = MediaFile.objects.get(run=working_run)
    assert media.content_type == "image/png"
    assert media.uploaded_by_id == workshop.user.pk
    page = partner_client.get(response["Location"]).content.decode()
    assert f'href="#zoom-{media.pk}"' in page and f'id="zoom-{media.pk}"' in page
    assert media.file.url in page


def test_a_file_that_is_not_an_image_or_pdf_is_refused_beside_the_field(
    partner_client, working_run
):
    script = SimpleUploadedFile("notes.png", b"<script>alert(1)</script>", content_type="image/png")

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/media", {"files": [script]}
    )

    assert response.status_code == 422
    assert (
        '<p class="field__error" id="files-error">notes.png is not a JPEG'
        in response.content.decode()
    )
    assert not MediaFile.objects.exists()


def test_uploading_nothing_asks_for_a_file(partner_client, working_run):
    response = partner_client.post(f"/partner/production-runs/{working_run.pk}/media", {})
    assert response.status_code == 422
    assert "Choose at least one file to upload." in response.content.decode()


# ---------------------------------------------------------------- light and cheap


def busy_run(make_run, workshop, admin, *, tasks: int, comments: int = 3):
    """A run with `tasks` tasks of four checklist items, each task with a few comments."""
    templates = [
        TemplateFactory(
            name=f"Step {n} of the making",
            checklist=["Check the fabric", "Lay and mark", "Cut the panels", "Bundle by size"],
        )
        for n in range(tasks)
    ]
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=templates
    )
    for task in Task.objects.filter(run=run, parent__isnull=True):
        for n in range(comments):
            author = admin if n % 2 == 0 else workshop.actor
            services.task_comment_add(
                task=task, actor=author, body=f"Comment {n}: please check the notch positions."
            )
        item = task.subtasks.order_by("position").first()
        services.run_subtask_complete(task=task, subtask=item, actor=workshop.actor)
    return run


def test_the_run_page_with_twenty_tasks_stays_under_100_kb(
    partner_client, make_run, workshop, admin
):
    run = busy_run(make_run, workshop, admin, tasks=20)

    response = partner_client.get(f"/partner/production-runs/{run.pk}/")

    assert response.status_code == 200
    assert response.content.decode().count('class="task"') == 20
    assert len(response.content) < 100 * 1024, len(response.content)


def test_the_run_page_costs_the_same_queries_for_one_task_or_many(
    partner_client, make_run, workshop, admin
):
    small = busy_run(make_run, workshop, admin, tasks=1, comments=1)
    large = busy_run(make_run, workshop, admin, tasks=8, comments=3)
    for run in (small, large):
        services.consumption_log_add(
            run=run, actor=workshop.actor, material=planned_material(run), quantity="1"
        )
        services.media_add(
            run=run,
            actor=workshop.actor,
            files=[SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")],
        )
    services.consumption_log_add(
        run=large, actor=workshop.actor, material=MaterialFactory(), quantity="2"
    )

    with CaptureQueriesContext(connection) as one:
        assert partner_client.get(f"/partner/production-runs/{small.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert partner_client.get(f"/partner/production-runs/{large.pk}/").status_code == 200

    assert len(many) == len(one)
