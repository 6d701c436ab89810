"""Task templates: edited in the console (checklist items added, removed, moved),
archived instead of deleted once runs used them, and archived ones not offered."""

import pytest

from loomworks.core.errors import InvalidInput
from loomworks.core.models import AuditEntry
from loomworks.production import services as production
from loomworks.work.models import Task, TaskTemplate
from tests.factories import TemplateFactory
from tests.web.console.helpers import count_queries, flashes, text


def page_data(response) -> dict:
    context = response.context
    data = {}
    for name in context["form"].fields:
        value = context["form"][name].value()
        data[name] = "" if value is None else value
    formset = context["checklist_rows"]
    for name in formset.management_form.fields:
        data[formset.management_form[name].html_name] = formset.management_form[name].value()
    for form in formset.forms:
        data[form["text"].html_name] = form["text"].value() or ""
        if form["DELETE"].value():
            data[form["DELETE"].html_name] = "on"
    return data


@pytest.fixture
def sewing(db):
    return TemplateFactory(name="Sewing", category="stitching", checklist=["Join", "Hem", "Press"])


def test_edit_fields_and_checklist_add_remove_reorder(console, sewing, admin_user):
    url = f"/admin/templates/{sewing.pk}/"
    data = page_data(console.get(url))
    # Press moves up above Hem, Join is removed, a new item is added.
    data = page_data(console.post(url, {**data, "move": "up:2"}))
    assert [data[f"checklist-{i}-text"] for i in range(3)] == ["Join", "Press", "Hem"]
    data = page_data(console.post(url, {**data, "add_row": "checklist"}))
    data.update(
        {
            "checklist-0-DELETE": "on",
            "checklist-3-text": "Label",
            "name": "Sewing and finishing",
            "estimated_duration": "90",
            "description": "Body and sleeves",
        }
    )
    response = console.post(url, data, follow=True)
    assert "The template Sewing and finishing is saved." in flashes(response)
    sewing.refresh_from_db()
    assert sewing.checklist == ["Press", "Hem", "Label"]
    assert (sewing.name, sewing.estimated_duration) == ("Sewing and finishing", 90)
    entry = AuditEntry.objects.get(action="task_template.updated", target_id=sewing.pk)
    assert entry.actor_id == admin_user.pk
    assert entry.details["changed"]["checklist"] == [
        ["Join", "Hem", "Press"],
        ["Press", "Hem", "Label"],
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"estimated_duration": "-5"}, "estimated_duration"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_bad_input_beside_its_field_nothing_written(console, sewing, changes, field):
    url = f"/admin/templates/{sewing.pk}/"
    data = {**page_data(console.get(url)), "checklist-0-text": "Changed", **changes}
    response = console.post(url, data)
    assert field in response.context["form"].errors
    sewing.refresh_from_db()
    assert sewing.checklist == ["Join", "Hem", "Press"] and sewing.name == "Sewing"
    assert not AuditEntry.objects.filter(action="task_template.updated").exists()


def test_a_blank_checklist_item_is_refused_on_its_row(console, sewing):
    url = f"/admin/templates/{sewing.pk}/"
    data = {**page_data(console.get(url)), "checklist-1-text": "  "}
    response = console.post(url, data)
    assert "text" in response.context["checklist_rows"].forms[1].errors
    sewing.refresh_from_db()
    assert sewing.checklist == ["Join", "Hem", "Press"]


def test_an_unused_template_is_deleted(console, sewing):
    assert "Delete template" in text(console.get(f"/admin/templates/{sewing.pk}/"))
    response = console.post(f"/admin/templates/{sewing.pk}/remove/", follow=True)
    assert "Sewing is deleted." in flashes(response)
    assert not TaskTemplate.objects.filter(pk=sewing.pk).exists()
    assert AuditEntry.objects.filter(action="task_template.deleted", target_id=sewing.pk).exists()


def test_a_used_template_is_archived_and_no_longer_offered(
    console, sewing, make_run, workshop, admin
):
    run = make_run("sent_to_partner", partner=workshop.partner, templates=[sewing])
    assert Task.objects.filter(template=sewing).exists()
    assert "Archive template" in text(console.get(f"/admin/templates/{sewing.pk}/"))
    response = console.post(f"/admin/templates/{sewing.pk}/remove/", follow=True)
    assert "archived, not deleted" in " ".join(flashes(response))
    sewing.refresh_from_db()
    assert sewing.archived and Task.objects.filter(template=sewing, run=run).exists()
    assert AuditEntry.objects.filter(action="task_template.archived", target_id=sewing.pk).exists()

    other = make_run("approved", partner=workshop.partner)
    page = console.get(f"/admin/production-runs/{other.pk}/dispatch/")
    assert sewing.pk not in text(page)
    with pytest.raises(InvalidInput) as refused:
        production.run_dispatch(run=other, template_ids=[sewing.pk], actor=admin)
    assert refused.value.field == "template_ids"

    console.post(f"/admin/templates/{sewing.pk}/remove/", {"archived": "false"})
    sewing.refresh_from_db()
    assert not sewing.archived


def test_template_list_costs_the_same_queries(console, db):
    TemplateFactory()
    few = count_queries(lambda: console.get("/admin/templates/"))
    for _ in range(8):
        TemplateFactory(checklist=["a", "b"])
    assert count_queries(lambda: console.get("/admin/templates/")) == few


def test_unknown_template_is_404(console, db):
    assert console.get("/admin/templates/tpl_nope/").status_code == 404
    assert console.post("/admin/templates/tpl_nope/remove/").status_code == 404
