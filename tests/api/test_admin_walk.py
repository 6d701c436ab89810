"""A brand's whole production walk over HTTP alone, events drained between steps.

Partners, a design and templates are created; a run of the design is split
between two partners in order (cutting, then sewing); the first part goes out
at approval, the second by itself once the first completes, and the parent
completes when both parts have. The cutters work their part through the
partner API (accept, tick every checklist item, finish the plain task; the
run completes by itself); the sewers' steps are taken by the admin on their
behalf (accept → start → finish → complete).
"""

import pytest

from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.admin_fixtures import Api

pytestmark = pytest.mark.django_db


def ok(response, status=200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def run_of(admin_api, run_id) -> dict:
    return ok(admin_api.get(f"/production-runs/{run_id}"))["production_run"]


def work_as_the_partner(partner_api, run: dict, drained):
    base = "/api/partners"
    ok(partner_api.post(f"{base}/production-runs/{run['id']}/accept"))
    drained()
    for task in run["tasks"]:
        for subtask in task["subtasks"]:
            done = f"{base}/assigned-tasks/{task['id']}/subtasks/{subtask['id']}/complete"
            ok(partner_api.post(done))
            drained()
        if not task["subtasks"]:
            ok(partner_api.post(f"{base}/assigned-tasks/{task['id']}/finish"))
            drained()


def work_for_the_partner(admin_api, run_id, drained):
    for step in ("accept", "start", "finish", "complete"):
        ok(admin_api.post(f"/production-runs/{run_id}/{step}", {"note": f"{step} by phone"}))
        drained()


def test_a_design_goes_through_two_workshops_in_order(admin_api, client, drained):
    cutters = ok(
        admin_api.post(
            "/partners",
            {
                "name": "Cutters Ltd",
                "handle": "cutters",
                "admin": {"email": "cut@cutters.test", "password": "scissors-123"},
            },
        ),
        201,
    )["partner"]
    sewers = ok(
        admin_api.post(
            "/partners",
            {"name": "Sewing Co", "handle": "sewing", "admin": {"email": "sew@sewing.test"}},
        ),
        201,
    )["partner"]
    design = ok(
        admin_api.post(
            "/designs",
            {"name": "Linen shirt", "colors": [{"name": "Sand", "hex_code": "#D8C7A6"}]},
        ),
        201,
    )["design"]
    cut, bundle, sew = (
        ok(admin_api.post("/task-templates", body), 201)["task_template"]
        for body in (
            {"name": "Cut panels", "checklist": ["Lay fabric", "Cut"]},
            {"name": "Bundle"},
            {"name": "Sew", "checklist": ["Seams", "Hem"]},
        )
    )

    created = ok(
        admin_api.post(
            f"/designs/{design['id']}/production-runs",
            {
                "quantity": 30,
                "assignments": [
                    {
                        "partner_id": cutters["id"],
                        "quantity": 30,
                        "order": 1,
                        "role": "cutting",
                        "template_ids": [cut["id"], bundle["id"]],
                    },
                    {
                        "partner_id": sewers["id"],
                        "quantity": 30,
                        "order": 2,
                        "role": "sewing",
                        "template_ids": [sew["id"]],
                    },
                ],
            },
        ),
        201,
    )
    drained()
    parent_id = created["production_run"]["id"]
    first_id, second_id = (child["id"] for child in created["children"])

    first = run_of(admin_api, first_id)
    second = run_of(admin_api, second_id)
    assert first["status"] == "sent_to_partner"
    assert [task["title"] for task in first["tasks"]] == ["Cut panels", "Bundle"]
    assert second["status"] == "approved"
    assert second["depends_on_run_ids"] == [first_id]
    assert second["tasks"] == []

    cutter_token = ok(
        client.post(
            "/api/auth/token",
            {"email": "cut@cutters.test", "password": "scissors-123"},
            content_type="application/json",
        )
    )["token"]
    work_as_the_partner(Api(client, cutter_token), first, drained)

    first = run_of(admin_api, first_id)
    assert first["status"] == "completed"
    assert {task["status"] for task in first["tasks"]} == {"completed"}
    completion = ok(admin_api.get(f"/production-runs/{first_id}/history"))["history"][-1]
    assert (completion["kind"], completion["actor_type"]) == ("complete", "system")
    second = run_of(admin_api, second_id)
    assert second["status"] == "sent_to_partner"
    assert [task["title"] for task in second["tasks"]] == ["Sew"]
    assert [sub["title"] for sub in second["tasks"][0]["subtasks"]] == ["Seams", "Hem"]
    assert run_of(admin_api, parent_id)["status"] == "in_progress"

    work_for_the_partner(admin_api, second_id, drained)

    parent = run_of(admin_api, parent_id)
    assert parent["status"] == "completed"
    assert [child["status"] for child in parent["children"]] == ["completed", "completed"]
    history = ok(admin_api.get(f"/production-runs/{parent_id}/history"))["history"]
    assert [row["to_status"] for row in history] == [
        "pending_review",
        "approved",
        "in_progress",
        "completed",
    ]
    assert history[-1]["actor_type"] == "system"
    listed = ok(admin_api.get("/production-runs", {"top_level": "true", "status": "completed"}))
    assert [run["id"] for run in listed["production_runs"]] == [parent_id]
