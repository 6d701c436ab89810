"""PATCH /api/admin/task-templates/{id}: fields and checklist, archive; refusals name
the field and write nothing; an archived template is refused for new dispatches."""

import pytest

from loomworks.core.models import AuditEntry
from loomworks.work.models import TaskTemplate
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sewing(db):
    return TemplateFactory(name="Sewing", checklist=["Join", "Hem"])


def test_edit_a_template_and_its_checklist(admin_api, sewing, admin_user):
    response = admin_api.patch(
        f"/task-templates/{sewing.pk}",
        {"checklist": ["Hem", "Join", "Press"], "estimated_duration": 45, "category": "stitching"},
    )
    assert response.status_code == 200
    body = response.json()["task_template"]
    assert body["checklist"] == ["Hem", "Join", "Press"]
    assert (body["estimated_duration"], body["category"], body["archived"]) == (
        45,
        "stitching",
        False,
    )
    entry = AuditEntry.objects.get(action="task_template.updated", target_id=sewing.pk)
    assert entry.actor_id == admin_user.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"checklist": ["ok", ""]}, "checklist[1]"),
        ({"checklist": None}, "checklist"),
        ({"estimated_duration": -1}, "estimated_duration"),
        ({"priority": "soon"}, "priority"),
        ({"archived": "yes"}, "archived"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_edit_names_the_field_and_writes_nothing(admin_api, sewing, body, field):
    response = admin_api.patch(f"/task-templates/{sewing.pk}", {"description": "new", **body})
    assert response.status_code == 422, response.json()
    assert response.json()["field"].endswith(field)
    sewing.refresh_from_db()
    assert (sewing.description, sewing.checklist) == ("Do the step.", ["Join", "Hem"])
    assert not AuditEntry.objects.filter(target_type="task_template").exists()


def test_archive_and_the_list_filter(admin_api, sewing):
    TemplateFactory(name="Cutting")
    response = admin_api.patch(f"/task-templates/{sewing.pk}", {"archived": True})
    assert response.json()["task_template"]["archived"] is True
    assert AuditEntry.objects.filter(action="task_template.archived").count() == 1
    names = [
        t["name"] for t in admin_api.get("/task-templates?archived=false").json()["task_templates"]
    ]
    assert names == ["Cutting"]


def test_an_archived_template_is_refused_for_a_dispatch(admin_api, sewing, make_run):
    TaskTemplate.objects.filter(pk=sewing.pk).update(archived=True)
    run = make_run("approved")
    response = admin_api.post(
        f"/production-runs/{run.pk}/send-to-production", {"template_ids": [sewing.pk]}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "template_ids"


def test_unknown_template_is_404(admin_api, db):
    assert admin_api.patch("/task-templates/tpl_nope", {"name": "x"}).status_code == 404


def test_delete_an_unused_template_or_archive_a_used_one(admin_api, sewing, make_run, workshop):
    unused = TemplateFactory(name="Packing")
    response = admin_api.delete(f"/task-templates/{unused.pk}")
    assert (response.status_code, response.json()["result"]) == (200, "deleted")
    assert not TaskTemplate.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="task_template.deleted", target_id=unused.pk).exists()

    make_run("sent_to_partner", partner=workshop.partner, templates=[sewing])
    response = admin_api.delete(f"/task-templates/{sewing.pk}")
    body = response.json()
    assert (body["result"], body["task_template"]["archived"]) == ("archived", True)
    assert TaskTemplate.objects.get(pk=sewing.pk).archived
    assert admin_api.delete("/task-templates/tpl_nope").status_code == 404
