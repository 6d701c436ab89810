"""The output contract over HTTP: deliveries, output and yield, rework, undoing a tick."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loomworks.core.models import AuditEntry
from loomworks.production.models import ProductionRun
from loomworks.work.models import Task
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.partner_support import PartnerApi
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workshop):
    return PartnerApi(workshop.user)


@pytest.fixture
def working(make_run, workshop):
    template = TemplateFactory(name="Sewing", checklist=["Sleeves", "Collar", "Hem"])
    return make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=[template]
    )


def deliveries(run) -> str:
    return f"/production-runs/{run.pk}/deliveries"


# ---------------------------------------------------------------- deliveries


def test_a_batch_delivery_is_201_with_the_delivery_and_the_output(api, working, workshop):
    response = api.post(
        deliveries(working),
        {
            "good": 8,
            "rejected": [{"reason": "stitching_fault", "quantity": 2}],
            "note": "first batch",
            "final": False,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    delivery = body["delivery"]
    assert (delivery["good"], delivery["rejected_quantity"], delivery["final"]) == (8, 2, False)
    assert delivery["rejected"][0]["reason"] == "stitching_fault"
    assert delivery["rejected"][0]["label"] == "Stitching fault"
    assert delivery["recorded_by"] == workshop.actor.name
    assert delivery["recorded_by_type"] == "partner"
    run = body["production_run"]
    assert run["status"] == "in_progress"
    assert run["output"] == {
        "planned": 10,
        "good": 8,
        "rejected": 2,
        "yield": 0.8,
        "rejected_rate": 0.2,
        "cells": [],
    }
    assert [d["id"] for d in run["deliveries"]] == [delivery["id"]]
    listed = api.get(deliveries(working)).json()
    assert listed["count"] == 1 and listed["deliveries"][0]["note"] == "first batch"


def test_output_is_on_every_run_object_and_yield_null_until_delivered(api, admin_api, working):
    detail = api.get(f"/production-runs/{working.pk}").json()["production_run"]
    assert detail["output"] == {
        "planned": 10,
        "good": 0,
        "rejected": 0,
        "yield": None,
        "rejected_rate": None,
        "cells": [],
    }
    assert detail["deliveries"] == []
    api.post(deliveries(working), {"good": 4})
    listed = api.get("/production-runs").json()["production_runs"][0]
    assert listed["output"]["yield"] == 0.4
    admin_detail = admin_api.get(f"/production-runs/{working.pk}").json()["production_run"]
    admin_listed = admin_api.get("/production-runs").json()["production_runs"][0]
    assert admin_detail["output"] == admin_listed["output"] == listed["output"]
    assert [d["good"] for d in admin_detail["deliveries"]] == [4]


def test_final_true_hands_the_run_over(api, working):
    response = api.post(deliveries(working), {"good": 10, "final": True})
    assert response.status_code == 201
    run = response.json()["production_run"]
    assert run["status"] == "completed" and run["stage"] == "completed"
    assert run["progress"] == {"completed": 0, "total": 3, "closed": 3}
    again = api.post(deliveries(working), {"good": 1})
    assert again.status_code == 409 and again.json()["status"] == "completed"


def test_deliveries_are_409_before_acceptance_and_404_for_another_partner(
    api, make_run, workshop, other_workshop
):
    sent = make_run("sent_to_partner", partner=workshop.partner)
    refused = api.post(deliveries(sent), {"good": 1})
    assert refused.status_code == 409 and refused.json()["status"] == "sent_to_partner"
    theirs = make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)
    assert api.post(deliveries(theirs), {"good": 1}).status_code == 404


def test_bad_delivery_input_is_422_naming_the_field(api, working):
    cases = [
        ({"good": -1}, "good"),
        ({"good": 1.5}, "good"),
        ({"good": 1, "rejected": [{"reason": "gremlins", "quantity": 1}]}, "rejected[0].reason"),
        ({"good": 1, "rejected": [{"reason": "stain", "quantity": 0}]}, "rejected[0].quantity"),
        ({"good": 11}, "good"),
        ({"good": 2, "size_quantities": [{"size": "M", "color": "Sand", "quantity": 2}]}, None),
    ]
    for body, field in cases:
        response = api.post(deliveries(working), body)
        assert response.status_code == 422, (body, response.content)
        if field:
            assert response.json()["field"] == field, body
    assert not ProductionRun.objects.get(pk=working.pk).produced_quantity


def test_the_brands_reasons_are_listed_for_partners(api):
    reasons = api.get("/rejection-reasons").json()["rejection_reasons"]
    assert [r["code"] for r in reasons] == [
        "fabric_fault",
        "stitching_fault",
        "measurement",
        "stain",
        "other",
    ]


def test_an_admin_records_and_corrects_a_delivery(admin_api, working, admin_user):
    recorded = admin_api.post(deliveries(working), {"good": 6})
    assert recorded.status_code == 201
    delivery_id = recorded.json()["delivery"]["id"]
    assert recorded.json()["delivery"]["recorded_by_type"] == "admin"

    no_reason = admin_api.post(f"{deliveries(working)}/{delivery_id}/correct", {"good": 5})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    corrected = admin_api.post(
        f"{deliveries(working)}/{delivery_id}/correct",
        {"good": 5, "reason": "one was counted twice"},
    )

    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["delivery"]["good"] == 5
    assert corrected.json()["delivery"]["correction_reason"] == "one was counted twice"
    assert corrected.json()["production_run"]["output"]["good"] == 5
    history = admin_api.get(f"/production-runs/{working.pk}/history").json()["history"]
    assert [h["kind"] for h in history[-2:]] == ["deliver", "delivery_corrected"]
    assert history[-1]["actor_name"] == admin_user.display_name
    assert AuditEntry.objects.filter(action="delivery.corrected", target_id=delivery_id).exists()
    missing = admin_api.post(f"{deliveries(working)}/dlv_nope/correct", {"reason": "x"})
    assert missing.status_code == 404


def test_the_output_policy_is_read_and_changed_by_admins(admin_api):
    policy = admin_api.get("/output-policy").json()
    assert policy["over_delivery"] == "refuse" and policy["next_step_quantity"] == "ask"
    changed = admin_api.put("/output-policy", {"over_delivery": "flag"})
    assert changed.status_code == 200 and changed.json()["over_delivery"] == "flag"
    assert admin_api.put("/output-policy", {"over_delivery": "maybe"}).status_code == 422
    assert admin_api.put("/output-policy", {"surprise": True}).status_code == 422


# ---------------------------------------------------------------- rework


def test_rework_gives_a_new_run_linked_both_ways(admin_api, api, working, other_workshop):
    api.post(deliveries(working), {"good": 8, "rejected": [{"reason": "stain", "quantity": 2}]})

    response = admin_api.post(
        f"/production-runs/{working.pk}/rework",
        {"quantity": 2, "partner_id": other_workshop.partner.pk, "note": "clean and press"},
    )

    assert response.status_code == 201, response.content
    rework = response.json()["production_run"]
    assert rework["rework_of"] == working.pk
    assert (rework["status"], rework["quantity"]) == ("approved", 2)
    assert rework["partner_id"] == other_workshop.partner.pk
    original = admin_api.get(f"/production-runs/{working.pk}").json()["production_run"]
    assert original["reworks"] == [rework["id"]]
    assert original["rejected_left_to_rework"] == 0
    too_many = admin_api.post(f"/production-runs/{working.pk}/rework", {"quantity": 1})
    assert too_many.status_code == 422 and too_many.json()["field"] == "quantity"
    # The partner sees the link on its own run, by reference only.
    related = api.get(f"/production-runs/{working.pk}").json()["production_run"]
    assert related["reworks"] == [rework["id"]]
    assert related["related_runs"]["reworks"][0]["is_own"] is False


# ---------------------------------------------------------------- undoing a tick


def test_a_tick_is_undone_until_its_task_is_completed(api, working):
    task = Task.objects.get(run=working, parent__isnull=True)
    sleeves, collar, hem = task.subtasks.order_by("position")
    base = f"/assigned-tasks/{task.pk}/subtasks"
    assert api.post(f"{base}/{sleeves.pk}/complete").status_code == 200
    assert Task.objects.get(pk=task.pk).status == "in_progress"  # the chip follows

    reopened = api.post(f"{base}/{sleeves.pk}/reopen")

    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["subtask"]["status"] == "pending"
    assert api.post(f"{base}/{sleeves.pk}/reopen").status_code == 200  # again: no-op
    entry = AuditEntry.objects.get(action="task.reopened")
    assert entry.target_id == sleeves.pk and entry.actor_kind == "partner"
    for item in (sleeves, collar, hem):
        api.post(f"{base}/{item.pk}/complete")
    assert Task.objects.get(pk=task.pk).status == "completed"
    late = api.post(f"{base}/{hem.pk}/reopen")
    assert late.status_code == 409 and late.json()["status"] == "completed"


def test_reopen_is_404_for_another_partners_item(working, other_workshop):
    task = Task.objects.get(run=working, parent__isnull=True)
    item = task.subtasks.first()
    theirs = PartnerApi(other_workshop.user)
    assert theirs.post(f"/assigned-tasks/{task.pk}/subtasks/{item.pk}/reopen").status_code == 404


def test_completing_with_open_items_keeps_them_apart_in_the_history(admin_api, api, working):
    task = Task.objects.get(run=working, parent__isnull=True)
    first = task.subtasks.order_by("position").first()
    api.post(f"/assigned-tasks/{task.pk}/subtasks/{first.pk}/complete")
    completed = admin_api.post(f"/production-runs/{working.pk}/complete")
    assert completed.json()["production_run"]["progress"] == {
        "completed": 1,
        "total": 3,
        "closed": 2,
    }
    history = admin_api.get(f"/production-runs/{working.pk}/history").json()["history"]
    assert history[-1]["details"]["closed_on_completion"] == 2
    statuses = sorted(Task.objects.filter(parent=task).values_list("status", flat=True))
    assert statuses == ["closed", "closed", "completed"]


def test_a_workshop_corrects_its_own_material_entry_until_the_run_completes(
    api, working, workshop, other_workshop
):
    material_id = working.snapshot["materials"][0]["material_id"]
    log = api.post(
        f"/production-runs/{working.pk}/consumption-logs",
        {"material_id": material_id, "quantity": 2.5},
    ).json()["consumption_log"]
    url = f"/production-runs/{working.pk}/consumption-logs/{log['id']}"
    client = api.client
    headers = api.headers

    def patch(body, who=None):
        return client.patch(
            "/api/partners" + url,
            json.dumps(body),
            content_type="application/json",
            headers=who.headers if who else headers,
        )

    [logged] = AuditEntry.objects.filter(action="consumption.logged")
    assert (logged.actor_kind, logged.actor_id) == ("partner", workshop.user.pk)
    assert (logged.target_type, logged.target_id) == ("consumption_log", log["id"])
    assert logged.details["run_id"] == working.pk
    assert logged.details["quantity"] == "2.5"
    corrected = patch({"quantity": 2.25})
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["consumption_log"]["quantity"] == 2.25
    assert corrected.json()["consumption_log"]["corrected_at"]
    assert AuditEntry.objects.get(action="consumption.corrected").details["before"]["quantity"]
    assert patch({"quantity": 1}, PartnerApi(other_workshop.user)).status_code == 404
    api.post(deliveries(working), {"good": 10, "final": True})
    assert patch({"quantity": 3}).status_code == 409


def test_run_lists_cost_the_same_with_one_or_many_delivered_runs(
    admin_api, api, make_run, workshop
):
    def delivered_run():
        run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
        api.post(deliveries(run), {"good": 2, "rejected": [{"reason": "stain", "quantity": 1}]})
        return run

    first = delivered_run()
    admin_api.post(f"/production-runs/{first.pk}/rework", {"quantity": 1})
    with CaptureQueriesContext(connection) as one_admin:
        admin_api.get("/production-runs")
    with CaptureQueriesContext(connection) as one_partner:
        api.get("/production-runs")
    for _ in range(4):
        rework = admin_api.post(f"/production-runs/{delivered_run().pk}/rework", {"quantity": 1})
        assert rework.status_code == 201
    with CaptureQueriesContext(connection) as many_admin:
        listed = admin_api.get("/production-runs").json()["production_runs"]
    with CaptureQueriesContext(connection) as many_partner:
        api.get("/production-runs")
    assert sum(1 for run in listed if run["deliveries"]) == 5
    assert len(many_admin.captured_queries) == len(one_admin.captured_queries)
    assert len(many_partner.captured_queries) == len(one_partner.captured_queries)
