"""The ownership matrix: partner A calls every partner route on partner B's work.

The original system let any partner accept or finish any task. Here every
call by A on B's runs, tasks and checklist items answers 404 — the answer
for an id that does not exist — and changes nothing in the database, while
the very same calls by B succeed.
"""

import datetime

import pytest
from django.utils import timezone

from loomworks.events.models import Event
from loomworks.production.models import ConsumptionLog, MediaFile, ProductionRun, RunHistory
from loomworks.work.models import Task, TaskComment
from tests.api.partner_support import PartnerApi, upload_png
from tests.factories import MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def _first_task(run):
    task = Task.objects.filter(run=run, parent__isnull=True).order_by("position").first()
    return task, Task.objects.filter(parent=task).order_by("position").first()


@pytest.fixture
def world(make_run, workshop, other_workshop):
    """A works one run; B has a run sent to it, one to decline and one approved."""
    a, b = workshop, other_workshop
    a_run = make_run("in_progress", partner=a.partner, actor=a.actor)
    b_run = make_run(
        "sent_to_partner",
        partner=b.partner,
        templates=[TemplateFactory(checklist=["One", "Two"]), TemplateFactory()],
    )
    b_decline = make_run("sent_to_partner", partner=b.partner)
    b_approved = make_run("approved", partner=b.partner)
    a_task, a_sub = _first_task(a_run)
    b_task, b_sub = _first_task(b_run)
    return {
        "a": a,
        "b": b,
        "a_task": a_task.pk,
        "a_sub": a_sub.pk,
        "b_run": b_run.pk,
        "b_decline": b_decline.pk,
        "b_approved": b_approved.pk,
        "b_task": b_task.pk,
        "b_sub": b_sub.pk,
        "material": MaterialFactory().pk,
    }


def b_calls(w) -> list[tuple[str, str, object]]:
    """Every partner route on B's objects, in an order in which each succeeds for B."""
    future = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    run, task, sub = w["b_run"], w["b_task"], w["b_sub"]
    return [
        ("get", f"/production-runs/{run}", None),
        ("get", f"/production-runs/{w['b_approved']}", None),
        ("post", f"/production-runs/{run}/accept", {"promised_date": future, "note": "yes"}),
        ("post", f"/production-runs/{w['b_decline']}/decline", {"reason": "capacity"}),
        ("post", f"/production-runs/{run}/start", {"note": "go"}),
        ("get", f"/assigned-tasks/{task}", None),
        ("get", f"/assigned-tasks/{sub}", None),
        ("get", f"/assigned-tasks/{task}/subtasks", None),
        ("post", f"/assigned-tasks/{task}/accept", None),
        ("get", f"/assigned-tasks/{task}/comments", None),
        ("post", f"/assigned-tasks/{task}/comments", {"body": "A question"}),
        ("get", f"/assigned-tasks/{sub}/comments", None),
        ("post", f"/assigned-tasks/{sub}/comments", {"body": "About this item"}),
        ("post", f"/assigned-tasks/{task}/subtasks/{sub}/complete", None),
        (
            "post",
            f"/production-runs/{run}/consumption-logs",
            {"material_id": w["material"], "quantity": 3},
        ),
        ("get", f"/production-runs/{run}/consumption-logs", None),
        ("upload", f"/production-runs/{run}/media", upload_png()),
        ("post", f"/assigned-tasks/{sub}/finish", None),
        ("post", f"/assigned-tasks/{task}/finish", None),
        ("post", f"/production-runs/{run}/finish", None),
        ("post", f"/production-runs/{run}/complete", None),
    ]


def _call(api: PartnerApi, method: str, path: str, body):
    if method == "get":
        return api.get(path)
    if method == "upload":
        return api.upload(path, body)
    return api.post(path, body)


def snapshot() -> dict:
    """Everything a call could change."""
    return {
        "runs": sorted(
            ProductionRun.objects.values_list(
                "id",
                "status",
                "partner_id",
                "promised_date",
                "accepted_at",
                "started_at",
                "finished_at",
                "completed_at",
                "updated_at",
            )
        ),
        "tasks": sorted(
            Task.objects.values_list("id", "status", "partner_id", "accepted_at", "completed_at")
        ),
        "history": RunHistory.objects.count(),
        "comments": TaskComment.objects.count(),
        "consumption_logs": ConsumptionLog.objects.count(),
        "media": MediaFile.objects.count(),
        "events": Event.objects.count(),
    }


def _assert_a_is_refused_everywhere(w):
    a_api = PartnerApi(w["a"].user)
    cross = [
        # B's checklist item under A's own task, and A's item under B's task
        ("post", f"/assigned-tasks/{w['a_task']}/subtasks/{w['b_sub']}/complete", None),
        ("post", f"/assigned-tasks/{w['b_task']}/subtasks/{w['a_sub']}/complete", None),
    ]
    before = snapshot()
    for method, path, body in b_calls(w) + cross:
        response = _call(a_api, method, path, body)
        assert response.status_code == 404, (method, path, response.status_code, response.content)
        assert response.json()["code"] == "not_found"
    assert snapshot() == before

    b_ids = {w["b_run"], w["b_decline"], w["b_approved"], w["b_task"], w["b_sub"]}
    runs = a_api.get("/production-runs", {"limit": 100}).json()["production_runs"]
    tasks = a_api.get("/assigned-tasks", {"limit": 100}).json()["tasks"]
    assert runs and not b_ids & {r["id"] for r in runs}
    assert tasks and not b_ids & {t["id"] for t in tasks}
    assert not b_ids & {s["id"] for t in tasks for s in t["subtasks"]}
    reference = ProductionRun.objects.get(pk=w["b_run"]).reference
    assert a_api.get("/production-runs", {"q": reference}).json()["count"] == 0
    assert a_api.get("/production-runs", {"q": w["b_run"]}).json()["count"] == 0
    assert a_api.get("/assigned-tasks", {"run_id": w["b_run"]}).json()["count"] == 0


def test_partner_a_gets_404_on_every_route_for_partner_b_and_changes_nothing(world):
    _assert_a_is_refused_everywhere(world)


def test_partner_b_succeeds_with_the_same_calls(world):
    b_api = PartnerApi(world["b"].user)
    for method, path, body in b_calls(world):
        response = _call(b_api, method, path, body)
        assert response.status_code in (200, 201), (method, path, response.content)

    run = ProductionRun.objects.get(pk=world["b_run"])
    assert run.status == "completed"
    assert ProductionRun.objects.get(pk=world["b_decline"]).status == "awaiting_reassignment"
    assert TaskComment.objects.count() == 2
    assert ConsumptionLog.objects.filter(run=run).count() == 1
    assert MediaFile.objects.filter(run=run).count() == 1


def test_partner_a_is_still_refused_once_b_has_done_the_work(world):
    b_api = PartnerApi(world["b"].user)
    for method, path, body in b_calls(world):
        _call(b_api, method, path, body)

    _assert_a_is_refused_everywhere(world)


def test_checklist_items_cannot_cross_between_b_tasks_and_a_tasks(world):
    b_api = PartnerApi(world["b"].user)
    b_api.post(f"/production-runs/{world['b_run']}/accept")
    before = snapshot()

    response = b_api.post(f"/assigned-tasks/{world['b_task']}/subtasks/{world['a_sub']}/complete")

    assert response.status_code == 404
    assert snapshot() == before
