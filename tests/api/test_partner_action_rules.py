"""A partner's actions answer the same way whatever shape the body has, and files follow
the same status rule as the other actions."""

import pytest

from loomworks.production.models import MediaFile, RunHistory, RunStatus
from tests.api.partner_support import PartnerApi, upload_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workshop):
    return PartnerApi(workshop.user)


def send_raw(api, path: str, body: str):
    return api.client.post(
        "/api/partners" + path, body, content_type="application/json", headers=api.headers
    )


@pytest.mark.parametrize("action", ["accept", "start", "finish", "complete"])
@pytest.mark.parametrize("body", ["[1,2]", '"string"', "42", "true"])
def test_an_action_body_that_is_not_a_json_object_is_422_and_changes_nothing(
    api, workshop, make_run, action, body
):
    status = "sent_to_partner" if action == "accept" else "in_progress"
    run = make_run(status, partner=workshop.partner, actor=workshop.actor)
    history = RunHistory.objects.filter(run=run).count()

    response = send_raw(api, f"/production-runs/{run.pk}/{action}", body)

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid"
    run.refresh_from_db()
    assert run.status == status
    assert run.started_at is None and run.finished_at is None
    assert RunHistory.objects.filter(run=run).count() == history


def test_an_empty_body_and_an_empty_object_still_carry_the_action_out(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    assert api.post(f"/production-runs/{run.pk}/start").status_code == 200
    assert api.post(f"/production-runs/{run.pk}/finish", {}).status_code == 200


@pytest.mark.parametrize("status", ["approved", "completed"])
def test_uploads_to_a_run_the_partner_cannot_act_on_are_409(api, workshop, make_run, status):
    run = make_run(status, partner=workshop.partner, actor=workshop.actor)

    response = api.upload(f"/production-runs/{run.pk}/media", upload_png())

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["status"] == status
    assert not MediaFile.objects.exists()


@pytest.mark.parametrize("status", ["sent_to_partner", "in_progress"])
def test_uploads_to_a_run_sent_to_the_partner_are_taken(api, workshop, make_run, status):
    run = make_run(status, partner=workshop.partner, actor=workshop.actor)

    response = api.upload(f"/production-runs/{run.pk}/media", upload_png())

    assert response.status_code == 201, response.content
    assert RunStatus(run.status) == status


def test_the_brand_may_still_add_files_to_an_approved_run(make_run, admin, workshop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from loomworks.production import services
    from tests.api.partner_support import PNG

    run = make_run("approved", partner=workshop.partner)

    created = services.media_add(
        run=run, actor=admin, files=[SimpleUploadedFile("sketch.png", PNG)]
    )

    assert len(created) == 1
