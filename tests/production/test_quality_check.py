"""A quality check: each item passes or fails (a failure says what, with photos)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from loomworks.core.errors import InvalidInput, TransitionNotAllowed
from loomworks.core.models import AuditEntry
from loomworks.production import services
from loomworks.production.models import MediaFile
from loomworks.production.selectors import admin_run_detail
from loomworks.work.models import Task
from tests.api.partner_support import PNG, PartnerApi
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(make_run, workshop):
    template = TemplateFactory(
        name="Final inspection", category="Quality", checklist=["Seams", "Measurements"]
    )
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=[template]
    )
    task = Task.objects.get(run=run, parent__isnull=True)
    return run, task, list(task.subtasks.order_by("position"))


def test_items_of_a_quality_template_pass_or_fail(inspection, workshop):
    run, task, (seams, measurements) = inspection
    assert task.quality_check and seams.quality_check

    services.run_subtask_check(task=task, subtask=seams, actor=workshop.actor, passed=True)
    with pytest.raises(InvalidInput) as no_note:
        services.run_subtask_check(
            task=task, subtask=measurements, actor=workshop.actor, passed=False
        )
    assert no_note.value.field == "note"

    result = services.run_subtask_check(
        task=task,
        subtask=measurements,
        actor=workshop.actor,
        passed=False,
        note="chest 2 cm narrow",
        photos=[SimpleUploadedFile("chest.png", PNG, content_type="image/png")],
    )

    assert result.parent_completed
    items = {item.title: item for item in admin_run_detail(run.pk).tasks[0].subtasks}
    assert items["Seams"].check_result == "passed"
    assert (items["Measurements"].check_result, items["Measurements"].check_note) == (
        "failed",
        "chest 2 cm narrow",
    )
    assert MediaFile.objects.get(task=measurements).run_id == run.pk
    assert AuditEntry.objects.filter(action="task.checked").count() == 2
    with pytest.raises(TransitionNotAllowed):
        services.run_subtask_check(
            task=task, subtask=seams, actor=workshop.actor, passed=False, note="x"
        )


def test_a_check_over_the_api_and_undone_with_the_tick(inspection, workshop):
    _run, task, (seams, _measurements) = inspection
    api = PartnerApi(workshop.user)
    base = f"/assigned-tasks/{task.pk}/subtasks/{seams.pk}"
    failed = api.post(f"{base}/check", {"result": "fail", "note": "open seam"})
    assert failed.status_code == 200, failed.content
    assert failed.json()["subtask"]["check_result"] == "failed"
    assert api.post(f"{base}/check", {"result": "maybe"}).status_code == 422
    reopened = api.post(f"{base}/reopen").json()["subtask"]
    assert (reopened["status"], reopened["check_result"]) == ("pending", "")


def test_the_portal_offers_pass_and_fail_on_a_quality_check(inspection, workshop, client):
    run, task, (seams, _measurements) = inspection
    client.force_login(workshop.user)
    page = client.get(f"/partner/production-runs/{run.pk}/").content.decode()
    assert f"/partner/tasks/{task.pk}/subtasks/{seams.pk}/check" in page
    response = client.post(
        f"/partner/tasks/{task.pk}/subtasks/{seams.pk}/check", {"result": "pass"}
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=seams.pk).check_result == "passed"
