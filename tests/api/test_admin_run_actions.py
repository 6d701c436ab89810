"""`/api/admin/production-runs/{id}/...`: approve, send, add tasks, reassign, cancel,
the partner's steps taken on its behalf, history, task comments, and the policy."""

import pytest

from loomworks.core.models import AuditEntry
from loomworks.production.models import ProductionPolicy, ProductionRun
from loomworks.work.models import Task, TaskComment
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import PartnerFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def url(run, action=""):
    run_id = run if isinstance(run, str) else run.pk
    return f"/production-runs/{run_id}" + (f"/{action}" if action else "")


def assert_conflict(response, status):
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["status"] == status
    assert body["detail"]


# ---------------------------------------------------------------- approve


def test_approve_without_assignments(admin_api, make_run):
    run = make_run()

    response = admin_api.post(url(run, "approve"))

    assert response.status_code == 200
    assert response.json()["production_run"]["status"] == "approved"
    assert response.json()["children"] == []


def test_approve_splits_the_run_and_dispatches_parts_with_templates(
    admin_api, make_run, workshop, other_workshop
):
    run = make_run(quantity=10)
    cut = TemplateFactory()

    response = admin_api.post(
        url(run, "approve"),
        {
            "assignments": [
                {"partner_id": workshop.partner.pk, "quantity": 10, "template_ids": [cut.pk]},
                {"partner_id": other_workshop.partner.pk, "quantity": 10, "order": 2},
            ]
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["production_run"]["status"] == "approved"
    first, second = body["children"]
    assert (first["status"], first["partner_id"], first["parent_run_id"]) == (
        "sent_to_partner",
        workshop.partner.pk,
        run.pk,
    )
    assert (second["status"], second["depends_on_run_ids"]) == ("approved", [first["id"]])
    assert body["dispatch_errors"] == []


def test_a_refused_dispatch_at_approval_is_reported_and_the_part_stays_approved(
    admin_api, make_run, workshop
):
    run = make_run(quantity=4)
    policy = ProductionPolicy.current()
    policy.config = {"dispatch": []}
    policy.save()

    response = admin_api.post(
        url(run, "approve"),
        {
            "assignments": [
                {
                    "partner_id": workshop.partner.pk,
                    "quantity": 4,
                    "template_ids": [TemplateFactory().pk],
                }
            ]
        },
    )

    assert response.status_code == 200
    child = response.json()["children"][0]
    assert child["status"] == "approved"
    assert response.json()["dispatch_errors"][0]["run_id"] == child["id"]
    assert "policy" in response.json()["dispatch_errors"][0]["detail"]


def test_approve_errors(admin_api, make_run, workshop):
    approved = make_run("approved")
    pending = make_run(quantity=5)

    assert_conflict(admin_api.post(url(approved, "approve")), "approved")
    assert admin_api.post(url("run_nothing", "approve")).status_code == 404
    mismatch = admin_api.post(
        url(pending, "approve"),
        {"assignments": [{"partner_id": workshop.partner.pk, "quantity": 4}]},
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["field"] == "assignments"
    unknown = {"assignments": [{"partner_id": "ptr_unknown", "quantity": 5}]}
    for run_id in (pending.pk, "run_nothing"):
        response = admin_api.post(url(run_id, "approve"), unknown)
        assert response.status_code == 422
        assert response.json()["field"] == "assignments[0].partner_id"
    assert ProductionRun.objects.get(pk=pending.pk).status == "pending_review"


# ---------------------------------------------------------------- send to production


def test_send_to_production_creates_tasks_in_the_order_given(admin_api, make_run, workshop):
    run = make_run("approved", partner=workshop.partner)
    cut, sew = TemplateFactory(name="Cut"), TemplateFactory(name="Sew", checklist=["Hem"])

    response = admin_api.post(url(run, "send-to-production"), {"template_ids": [sew.pk, cut.pk]})

    assert response.status_code == 200
    body = response.json()
    assert body["production_run"]["status"] == "sent_to_partner"
    assert [t["title"] for t in body["tasks"]] == ["Sew", "Cut"]
    assert [s["title"] for s in body["tasks"][0]["subtasks"]] == ["Hem"]
    assert body["production_run"]["progress"] == {"completed": 0, "total": 3, "closed": 0}


def test_send_to_production_errors(admin_api, make_run, workshop, template):
    approved = make_run("approved", partner=workshop.partner)
    partnerless = make_run("approved")
    pending = make_run(partner=workshop.partner)
    send = "send-to-production"

    empty = admin_api.post(url(approved, send), {"template_ids": []})
    assert (empty.status_code, empty.json()["field"]) == (422, "template_ids")
    unknown = admin_api.post(url("run_nothing", send), {"template_ids": ["tpl_nothing"]})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "template_ids")
    assert (
        admin_api.post(url("run_nothing", send), {"template_ids": [template.pk]}).status_code == 404
    )
    assert_conflict(
        admin_api.post(url(pending, send), {"template_ids": [template.pk]}), "pending_review"
    )
    assert_conflict(
        admin_api.post(url(partnerless, send), {"template_ids": [template.pk]}), "approved"
    )
    assert not Task.objects.exists()


def test_send_to_production_keeps_the_approved_plan_of_an_archived_template(
    admin_api, make_run, workshop
):
    run = make_run("approved", partner=workshop.partner)
    planned = TemplateFactory(name="Sew")
    ProductionRun.objects.filter(pk=run.pk).update(planned_template_ids=[planned.pk])
    planned.archived = True
    planned.save(update_fields=["archived"])

    response = admin_api.post(url(run, "send-to-production"), {"template_ids": [planned.pk]})

    assert response.status_code == 200, response.json()
    assert response.json()["production_run"]["status"] == "sent_to_partner"
    assert [t["title"] for t in response.json()["tasks"]] == ["Sew"]


def test_send_to_production_refuses_a_new_choice_of_an_archived_template(
    admin_api, make_run, workshop
):
    run = make_run("approved", partner=workshop.partner)
    planned, chosen = TemplateFactory(name="Sew"), TemplateFactory(name="Old dye")
    ProductionRun.objects.filter(pk=run.pk).update(planned_template_ids=[planned.pk])
    chosen.archived = True
    chosen.save(update_fields=["archived"])

    response = admin_api.post(
        url(run, "send-to-production"), {"template_ids": [planned.pk, chosen.pk]}
    )

    assert (response.status_code, response.json()["field"]) == (422, "template_ids")
    assert "Old dye" in response.json()["detail"]
    assert ProductionRun.objects.get(pk=run.pk).status == "approved"
    assert not Task.objects.filter(run=run).exists()


# ---------------------------------------------------------------- add tasks


def test_add_tasks_from_templates_and_by_title(admin_api, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    redo = TemplateFactory(name="Re-press", checklist=[])

    response = admin_api.post(
        url(run, "tasks"),
        {"template_ids": [redo.pk], "title": "Fix the collar", "description": "!"},
    )

    assert response.status_code == 201
    tasks = response.json()["tasks"]
    assert [t["title"] for t in tasks] == ["Re-press", "Fix the collar"]
    assert all(t["run_id"] == run.pk and t["status"] == "pending" for t in tasks)
    history = admin_api.get(url(run, "history")).json()["history"]
    assert history[-1]["kind"] == "tasks_added"


def test_add_tasks_errors(admin_api, make_run, workshop, template):
    open_run = make_run("approved", partner=workshop.partner)
    done = make_run("completed", partner=workshop.partner, actor=workshop.actor)

    nothing = admin_api.post(url("run_nothing", "tasks"), {"title": "  "})
    assert (nothing.status_code, nothing.json()["field"]) == (422, "template_ids")
    unknown = admin_api.post(url(open_run, "tasks"), {"template_ids": ["tpl_x"]})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "template_ids")
    assert admin_api.post(url("run_nothing", "tasks"), {"title": "Redo"}).status_code == 404
    assert_conflict(admin_api.post(url(done, "tasks"), {"title": "Redo"}), "completed")


# ---------------------------------------------------------------- reassign


def test_reassign_a_sent_run_moves_its_open_tasks(admin_api, make_run, workshop, other_workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = admin_api.post(
        url(run, "reassign"), {"partner_id": other_workshop.partner.pk, "note": "capacity"}
    )

    assert response.status_code == 200
    moved = response.json()["production_run"]
    assert (moved["status"], moved["partner_id"], moved["previous_partner_id"]) == (
        "sent_to_partner",
        other_workshop.partner.pk,
        workshop.partner.pk,
    )
    assert set(Task.objects.filter(run=run).values_list("partner_id", flat=True)) == {
        other_workshop.partner.pk
    }


def test_reassign_a_declined_run_brings_it_back_to_approved(
    admin_api, make_run, workshop, other_workshop
):
    run = make_run("awaiting_reassignment", partner=workshop.partner, actor=workshop.actor)

    response = admin_api.post(url(run, "reassign"), {"partner_id": other_workshop.partner.pk})

    assert response.json()["production_run"]["status"] == "approved"


def test_reassign_errors(admin_api, make_run, workshop, other_workshop):
    accepted = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    sent = make_run("sent_to_partner", partner=workshop.partner)
    sleeping = PartnerFactory(status="inactive")

    for run_id in (sent.pk, "run_nothing"):
        unknown = admin_api.post(url(run_id, "reassign"), {"partner_id": "ptr_x"})
        assert (unknown.status_code, unknown.json()["field"]) == (422, "partner_id")
    missing = admin_api.post(url(sent, "reassign"), {})
    assert (missing.status_code, missing.json()["field"]) == (422, "partner_id")
    target = {"partner_id": other_workshop.partner.pk}
    assert admin_api.post(url("run_nothing", "reassign"), target).status_code == 404
    assert_conflict(admin_api.post(url(accepted, "reassign"), target), "in_progress")
    inactive = admin_api.post(url(sent, "reassign"), {"partner_id": sleeping.pk})
    assert inactive.status_code == 409
    assert ProductionRun.objects.get(pk=sent.pk).partner_id == workshop.partner.pk


# ---------------------------------------------------------------- cancel


def test_cancel_a_split_run_cancels_its_open_parts_and_again_changes_nothing(
    admin_api, design, workshop, other_workshop, template
):
    created = admin_api.post(
        f"/designs/{design.pk}/production-runs",
        {
            "assignments": [
                {"partner_id": workshop.partner.pk, "quantity": 2, "template_ids": [template.pk]},
                {"partner_id": other_workshop.partner.pk, "quantity": 2, "order": 2},
            ]
        },
    ).json()
    parent_id = created["production_run"]["id"]

    response = admin_api.post(url(parent_id, "cancel"), {"reason": "Season dropped"})
    again = admin_api.post(url(parent_id, "cancel"), {"reason": "twice"})

    assert response.status_code == 200
    run = response.json()["production_run"]
    assert (run["status"], run["cancelled_reason"]) == ("cancelled", "Season dropped")
    assert sorted(response.json()["cancelled_children"]) == sorted(
        c["id"] for c in created["children"]
    )
    assert again.status_code == 200
    assert again.json()["production_run"]["cancelled_reason"] == "Season dropped"
    assert again.json()["cancelled_children"] == []
    assert set(Task.objects.values_list("status", flat=True)) == {"cancelled"}


def test_cancel_errors(admin_api, make_run, workshop):
    done = make_run("completed", partner=workshop.partner, actor=workshop.actor)

    assert_conflict(admin_api.post(url(done, "cancel")), "completed")
    assert admin_api.post(url("run_nothing", "cancel")).status_code == 404
    too_long = admin_api.post(url(done, "cancel"), {"reason": "x" * 10_001})
    assert (too_long.status_code, too_long.json()["field"]) == (422, "reason")


# ---------------------------------------------------------------- steps on the partner's behalf


def test_accept_start_finish_complete_for_the_partner(admin_api, make_run, workshop, drained):
    run = make_run("sent_to_partner", partner=workshop.partner)

    accepted = admin_api.post(
        url(run, "accept"), {"note": "by phone", "promised_date": "2031-03-01"}
    )
    started = admin_api.post(url(run, "start"))
    finished = admin_api.post(url(run, "finish"), {"note": "all sewn"})
    completed = admin_api.post(url(run, "complete"))

    assert accepted.json()["production_run"]["status"] == "in_progress"
    assert accepted.json()["production_run"]["promised_date"] == "2031-03-01"
    assert started.json()["production_run"]["stage"] == "started"
    assert finished.json()["production_run"]["finished_at"]
    assert completed.status_code == 200
    assert completed.json()["production_run"]["status"] == "completed"
    # Completed with both checklist items unticked: closed on completion, not completed.
    assert completed.json()["production_run"]["progress"] == {
        "completed": 0,
        "total": 2,
        "closed": 2,
    }
    history = admin_api.get(url(run, "history")).json()["history"]
    assert [(h["kind"], h["actor_type"]) for h in history[-4:]] == [
        ("accept", "admin"),
        ("start", "admin"),
        ("finish", "admin"),
        ("complete", "admin"),
    ]
    assert history[-4]["note"] == "by phone"


def test_repeating_a_step_answers_200_and_changes_nothing(admin_api, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    first = admin_api.post(url(run, "start")).json()["production_run"]

    again = admin_api.post(url(run, "start"))

    assert again.status_code == 200
    assert again.json()["production_run"]["started_at"] == first["started_at"]


@pytest.mark.parametrize(
    "action, status",
    [
        ("accept", "approved"),
        ("start", "approved"),
        ("finish", "approved"),
        ("complete", "approved"),
    ],
)
def test_steps_out_of_order_are_409(admin_api, make_run, workshop, action, status):
    run = make_run("approved", partner=workshop.partner)

    assert_conflict(admin_api.post(url(run, action)), status)


def test_finish_before_start_is_409(admin_api, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    assert_conflict(admin_api.post(url(run, "finish")), "in_progress")


@pytest.mark.parametrize("action", ["accept", "start", "finish", "complete"])
def test_steps_on_unknown_runs_are_404_and_bad_notes_422(admin_api, action):
    assert admin_api.post(url("run_nothing", action)).status_code == 404
    bad = admin_api.post(url("run_nothing", action), {"note": 5})
    assert (bad.status_code, bad.json()["field"]) == (422, "note")


def test_a_promised_date_in_the_past_is_422(admin_api, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = admin_api.post(url(run, "accept"), {"promised_date": "2001-01-01"})

    assert (response.status_code, response.json()["field"]) == (422, "promised_date")


# ---------------------------------------------------------------- history


def test_history_is_the_runs_own_oldest_first(admin_api, make_run, workshop, template):
    run = make_run(partner=workshop.partner)
    admin_api.post(url(run, "approve"))
    admin_api.post(url(run, "send-to-production"), {"template_ids": [template.pk]})
    admin_api.post(url(run, "accept"))
    admin_api.post(url(run, "start"))

    history = admin_api.get(url(run, "history")).json()["history"]

    assert [(h["kind"], h["from_status"], h["to_status"]) for h in history] == [
        ("created", "", "pending_review"),
        ("approve", "pending_review", "approved"),
        ("dispatch", "approved", "sent_to_partner"),
        ("accept", "sent_to_partner", "in_progress"),
        ("start", "in_progress", "in_progress"),
    ]
    assert history[1]["actor_type"] == "admin"
    assert history[1]["actor_name"]
    assert history[0]["occurred_at"] <= history[-1]["occurred_at"]


# ---------------------------------------------------------------- comments


def test_comment_on_a_task_and_read_the_conversation(admin_api, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    task = Task.objects.filter(run=run, parent__isnull=True).first()
    TaskComment.objects.create(
        task=task, author_kind="partner", author_name="Ana", body="Which thread?"
    )

    response = admin_api.post(f"/tasks/{task.pk}/comments", {"body": "  The sand one.  "})

    assert response.status_code == 201
    assert response.json()["comment"]["body"] == "The sand one."
    assert response.json()["comment"]["author_type"] == "admin"
    comments = admin_api.get(f"/tasks/{task.pk}/comments").json()["comments"]
    assert [(c["author_type"], c["body"]) for c in comments] == [
        ("partner", "Which thread?"),
        ("admin", "The sand one."),
    ]


def test_comment_errors(admin_api, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    task = Task.objects.filter(run=run).first()

    for task_id in (task.pk, "task_nothing"):
        blank = admin_api.post(f"/tasks/{task_id}/comments", {"body": "   "})
        assert (blank.status_code, blank.json()["field"]) == (422, "body")
    assert admin_api.post("/tasks/task_nothing/comments", {"body": "hi"}).status_code == 404
    assert admin_api.get("/tasks/task_nothing/comments").status_code == 404
    assert not TaskComment.objects.exists()


# ---------------------------------------------------------------- policy


def test_read_and_narrow_the_policy(admin_api, make_run, admin_user):
    before = admin_api.get("/production-run-policy").json()
    assert before["config"] == {}
    assert before["allowed"]["cancel"] == [
        "draft",
        "pending_review",
        "approved",
        "sent_to_partner",
        "in_progress",
        "awaiting_reassignment",
    ]

    response = admin_api.put(
        "/production-run-policy", {"config": {"cancel": ["pending_review", "draft"]}}
    )

    assert response.status_code == 200
    assert response.json()["config"] == {"cancel": ["draft", "pending_review"]}
    entry = AuditEntry.objects.get(action="production_policy.updated")
    assert entry.actor_id == admin_user.pk
    assert entry.details["config"] == [{}, {"cancel": ["draft", "pending_review"]}]
    approved = make_run("approved")
    refused = admin_api.post(url(approved, "cancel"))
    assert_conflict(refused, "approved")


@pytest.mark.parametrize(
    "config, field",
    [
        ({"cancel": ["completed"]}, "config.cancel"),
        ({"fly": ["draft"]}, "config.fly"),
        ({"cancel": "draft"}, "config.cancel"),
        (["cancel"], "config"),
    ],
)
def test_the_policy_allows_only_what_the_state_machine_allows(admin_api, config, field):
    response = admin_api.put("/production-run-policy", {"config": config})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert ProductionPolicy.current().config == {}
