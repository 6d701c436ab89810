"""The partner API's runs: list, detail and the partner's run actions."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.events.models import Event
from loomworks.production import services
from loomworks.production.models import RunHistory, RunStatus
from loomworks.work.models import Task, TaskStatus
from tests.api.partner_support import PartnerApi
from tests.factories import DesignFactory, TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workshop):
    return PartnerApi(workshop.user)


# ---------------------------------------------------------------- list


def test_list_shows_own_runs_from_approved_on_newest_first(api, workshop, other_workshop, make_run):
    make_run("pending_review", partner=workshop.partner)
    make_run("draft", partner=workshop.partner)
    approved = make_run("approved", partner=workshop.partner)
    sent = make_run("sent_to_partner", partner=workshop.partner)
    in_progress = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)

    response = api.get("/production-runs")

    assert response.status_code == 200
    body = response.json()
    assert [run["id"] for run in body["production_runs"]] == [in_progress.pk, sent.pk, approved.pk]
    assert body["count"] == 3
    assert (body["limit"], body["offset"]) == (20, 0)
    first = body["production_runs"][0]
    assert first["progress"] == {"completed": 0, "total": 2, "closed": 0}
    assert first["partner"]["id"] == workshop.partner.pk
    assert "previous_partner_id" not in first


def test_list_filters_combine_and_page(api, workshop, make_run):
    shirt = DesignFactory(name="Linen shirt")
    coat = DesignFactory(name="Wool coat")
    sample = make_run("approved", partner=workshop.partner, design=shirt, run_type="sample")
    production = make_run("approved", partner=workshop.partner, design=shirt)
    sent_coat = make_run("sent_to_partner", partner=workshop.partner, design=coat)

    def ids(**params):
        response = api.get("/production-runs", params)
        assert response.status_code == 200, response.content
        return [run["id"] for run in response.json()["production_runs"]]

    assert ids(status="sent_to_partner") == [sent_coat.pk]
    assert ids(run_type="sample") == [sample.pk]
    assert ids(design_id=shirt.pk) == [production.pk, sample.pk]
    assert ids(design_id=shirt.pk, run_type="production") == [production.pk]
    assert ids(q="WOOL") == [sent_coat.pk]
    assert ids(q=sample.reference.lower()) == [sample.pk]
    assert ids(q="   ") == [sent_coat.pk, production.pk, sample.pk]
    assert ids(limit=2) == [sent_coat.pk, production.pk]
    assert ids(limit=2, offset=2) == [sample.pk]
    assert api.get("/production-runs", {"limit": 1}).json()["count"] == 3


@pytest.mark.parametrize(
    "params",
    [{"status": "nonsense"}, {"run_type": "bulk"}, {"limit": 0}, {"limit": 101}, {"offset": -1}],
)
def test_list_refuses_bad_filters(api, params):
    response = api.get("/production-runs", params)
    assert response.status_code == 422
    assert response.json()["field"] == next(iter(params))


def test_list_costs_the_same_queries_for_one_run_or_many(api, workshop, make_run):
    make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    api.get("/production-runs")  # the token's first use refreshes it
    with CaptureQueriesContext(connection) as one:
        assert api.get("/production-runs").json()["count"] == 1
    for _ in range(4):
        make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    with CaptureQueriesContext(connection) as many:
        assert api.get("/production-runs").json()["count"] == 5
    assert len(many) == len(one)


# ---------------------------------------------------------------- detail


def test_detail_carries_design_snapshot_tasks_progress_and_media(api, workshop, make_run):
    template = TemplateFactory(name="Cutting", checklist=["Lay", "Cut", "Bundle"])
    run = make_run(
        "in_progress", partner=workshop.partner, actor=workshop.actor, templates=[template]
    )
    run.design.name = "Renamed after the run was made"
    run.design.save()

    response = api.get(f"/production-runs/{run.pk}")

    assert response.status_code == 200
    detail = response.json()["production_run"]
    assert detail["id"] == run.pk
    assert detail["reference"] == run.reference
    design = detail["design"]
    assert design["id"] == run.design_id
    assert design["name"] == run.snapshot["design"]["name"] != "Renamed after the run was made"
    assert design["description"] == "A relaxed shirt in washed linen."
    assert design["thumbnail_url"]
    assert design["specifications"][0]["title"] == "Seam allowance"
    assert design["colors"][0] == {"name": "Sand", "hex_code": "#D8C7A6", "usage_notes": "body"}
    assert design["size_sets"][0]["size_label"] == "M"
    assert design["media"] == []
    assert detail["snapshot"]["design"]["id"] == run.design_id
    [task] = detail["tasks"]
    assert task["title"] == "Cutting"
    assert [sub["title"] for sub in task["subtasks"]] == ["Lay", "Cut", "Bundle"]
    assert task["run"] == {"id": run.pk, "reference": run.reference, "status": "in_progress"}
    assert detail["progress"] == {"completed": 0, "total": 3, "closed": 0}
    assert detail["related_runs"] == {
        "parent": None,
        "siblings": [],
        "depends_on": [],
        "dependents": [],
        "rework_of": None,
        "reworks": [],
    }


def test_detail_of_a_part_names_related_runs_without_other_partners(
    api, admin, workshop, other_workshop, make_run
):
    parent = make_run("pending_review", quantity=10)
    result = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(partner_id=workshop.partner.pk, quantity=6, role="cutting"),
            services.Assignment(partner_id=other_workshop.partner.pk, quantity=4, role="cutting"),
            services.Assignment(
                partner_id=other_workshop.partner.pk, quantity=10, role="stitching", order=2
            ),
        ],
    )
    mine, theirs, stitching = result.children

    response = api.get(f"/production-runs/{mine.pk}")

    assert response.status_code == 200
    related = response.json()["production_run"]["related_runs"]
    assert related["parent"] == {
        "id": parent.pk,
        "reference": parent.reference,
        "role": "",
        "status": "approved",
        "is_own": False,
    }
    assert related["siblings"] == [
        {
            "id": theirs.pk,
            "reference": theirs.reference,
            "role": "cutting",
            "status": "approved",
            "is_own": False,
        },
        {
            "id": stitching.pk,
            "reference": stitching.reference,
            "role": "stitching",
            "status": "approved",
            "is_own": False,
        },
    ]
    assert related["dependents"] == [
        {
            "id": stitching.pk,
            "reference": stitching.reference,
            "role": "stitching",
            "status": "approved",
            "is_own": False,
        },
    ]
    text = response.content.decode()
    assert other_workshop.partner.pk not in text
    assert other_workshop.partner.name not in text
    assert other_workshop.partner.handle not in text


def test_detail_hides_the_previous_workshops_tasks_and_identity(
    admin, workshop, other_workshop, make_run
):
    run = make_run("sent_to_partner", partner=other_workshop.partner)
    services.run_decline(run=run, actor=other_workshop.actor, reason="capacity")
    services.run_reassign(run=run, partner=workshop.partner, actor=admin)
    services.run_dispatch(run=run, template_ids=[TemplateFactory(name="Redo").pk], actor=admin)

    response = PartnerApi(workshop.user).get(f"/production-runs/{run.pk}")

    assert response.status_code == 200
    detail = response.json()["production_run"]
    assert [task["title"] for task in detail["tasks"]] == ["Redo"]
    assert Task.objects.filter(run=run, partner=other_workshop.partner).exists()
    text = response.content.decode()
    assert "previous_partner_id" not in text
    assert other_workshop.partner.pk not in text
    assert other_workshop.partner.name not in text


def test_detail_costs_the_same_queries_for_one_task_or_many(api, workshop, make_run):
    one_task = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(checklist=["a"])],
    )
    many_tasks = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(checklist=["a", "b", "c", "d"]) for _ in range(5)],
    )
    api.get("/production-runs")
    with CaptureQueriesContext(connection) as one:
        assert (
            len(api.get(f"/production-runs/{one_task.pk}").json()["production_run"]["tasks"]) == 1
        )
    with CaptureQueriesContext(connection) as many:
        assert (
            len(api.get(f"/production-runs/{many_tasks.pk}").json()["production_run"]["tasks"]) == 5
        )
    assert len(many) == len(one)
    # The token and member, the run, its progress, its edges (read once), its files,
    # its tasks, the runs around it, its price.
    assert len(one) == 9


def test_runs_before_approval_and_other_partners_runs_are_not_found(
    api, workshop, other_workshop, make_run
):
    pending = make_run("pending_review", partner=workshop.partner)
    theirs = make_run("approved", partner=other_workshop.partner)
    for run_id in (pending.pk, theirs.pk, "run_doesnotexist", "x" * 300):
        response = api.get(f"/production-runs/{run_id}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# ---------------------------------------------------------------- actions


def test_accept_with_a_promised_date_then_repeat_is_a_quiet_no_op(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)
    promised = timezone.localdate() + datetime.timedelta(days=10)

    response = api.post(
        f"/production-runs/{run.pk}/accept",
        {"promised_date": promised.isoformat(), "note": "on it"},
    )

    assert response.status_code == 200
    accepted = response.json()["production_run"]
    assert accepted["status"] == "in_progress"
    assert accepted["promised_date"] == promised.isoformat()
    assert accepted["accepted_at"]
    history = RunHistory.objects.filter(run=run).count()
    events = Event.objects.count()

    again = api.post(f"/production-runs/{run.pk}/accept")

    assert again.status_code == 200
    assert again.json()["production_run"]["accepted_at"] == accepted["accepted_at"]
    assert RunHistory.objects.filter(run=run).count() == history
    assert Event.objects.count() == events
    row = RunHistory.objects.filter(run=run, kind="accept").get()
    assert (row.actor_kind, row.actor_id, row.note) == ("partner", workshop.user.pk, "on it")


def test_accept_refuses_a_promised_date_in_the_past(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = api.post(
        f"/production-runs/{run.pk}/accept", {"promised_date": yesterday.isoformat()}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "promised_date"
    run.refresh_from_db()
    assert run.status == RunStatus.SENT_TO_PARTNER


def test_an_approved_run_is_visible_but_cannot_be_accepted_yet(api, workshop, make_run):
    run = make_run("approved", partner=workshop.partner)

    assert api.get(f"/production-runs/{run.pk}").status_code == 200
    response = api.post(f"/production-runs/{run.pk}/accept")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_not_allowed"
    assert body["status"] == "approved"
    assert run.reference in body["detail"]


def test_decline_with_a_reason_hands_the_run_back(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = api.post(
        f"/production-runs/{run.pk}/decline",
        {"reason": "materials_unavailable", "notes": "No linen until March"},
    )

    assert response.status_code == 200
    declined = response.json()["production_run"]
    assert declined["status"] == "awaiting_reassignment"
    assert declined["partner_id"] is None
    assert "previous_partner_id" not in declined
    row = RunHistory.objects.get(run=run, kind="decline")
    assert row.details == {"reason": "materials_unavailable", "notes": "No linen until March"}
    assert set(Task.objects.filter(run=run).values_list("status", flat=True)) == {"cancelled"}
    assert api.get(f"/production-runs/{run.pk}").status_code == 404


def test_a_repeated_decline_is_a_conflict_that_says_so(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)
    body = {"reason": "capacity"}
    assert api.post(f"/production-runs/{run.pk}/decline", body).status_code == 200

    again = api.post(f"/production-runs/{run.pk}/decline", body)

    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"You declined {run.reference} already; the brand is finding another workshop."
    )
    assert RunHistory.objects.filter(run=run, kind="decline").count() == 1


@pytest.mark.parametrize("body", [{}, {"reason": "bored"}, {"reason": None}])
def test_decline_needs_a_known_reason(api, workshop, make_run, body):
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = api.post(f"/production-runs/{run.pk}/decline", body)

    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    run.refresh_from_db()
    assert run.status == RunStatus.SENT_TO_PARTNER


def test_start_finish_complete_in_order_each_safe_to_repeat(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    base = f"/production-runs/{run.pk}"

    finish_early = api.post(f"{base}/finish")
    assert finish_early.status_code == 409
    assert finish_early.json()["status"] == "in_progress"

    for action, stamp in (("start", "started_at"), ("finish", "finished_at")):
        first = api.post(f"{base}/{action}", {"note": f"{action} note"})
        assert first.status_code == 200, first.content
        second = api.post(f"{base}/{action}")
        assert second.status_code == 200
        assert second.json()["production_run"][stamp] == first.json()["production_run"][stamp]

    completed = api.post(f"{base}/complete")
    assert completed.status_code == 200
    assert completed.json()["production_run"]["status"] == "completed"
    assert api.post(f"{base}/complete").status_code == 200
    # Nothing was ticked: the run's items are closed on completion, not completed.
    assert set(Task.objects.filter(run=run).values_list("status", flat=True)) == {TaskStatus.CLOSED}
    kinds = list(RunHistory.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds.count("start") == kinds.count("finish") == kinds.count("complete") == 1

    late_start = api.post(f"{base}/start")
    assert late_start.status_code == 200  # already started: a quiet no-op
    decline = api.post(f"{base}/decline", {"reason": "other"})
    assert decline.status_code == 409
    assert decline.json()["status"] == "completed"


def test_a_partner_cannot_complete_before_finishing(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    api.post(f"/production-runs/{run.pk}/start")

    response = api.post(f"/production-runs/{run.pk}/complete")

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    run.refresh_from_db()
    assert run.status == RunStatus.IN_PROGRESS


def test_action_bodies_are_validated(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)

    bad_date = api.post(f"/production-runs/{run.pk}/accept", {"promised_date": "soon"})
    nul_note = api.post(f"/production-runs/{run.pk}/accept", {"note": "a\x00b"})

    assert bad_date.status_code == 422
    assert bad_date.json()["field"] == "promised_date"
    assert nul_note.status_code == 422
    assert nul_note.json()["field"] == "note"
    run.refresh_from_db()
    assert run.status == RunStatus.SENT_TO_PARTNER


def test_text_the_database_cannot_store_is_refused_not_a_crash(api, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    assert api.get("/production-runs", {"q": "linen\x00"}).status_code == 422
    assert api.get("/production-runs", {"design_id": "\x00"}).status_code == 422
    assert api.get("/production-runs/run_%00x").status_code == 404
    assert api.get("/assigned-tasks/task_%00x/comments").status_code == 404
    surrogate = api.client.post(
        f"/api/partners/production-runs/{run.pk}/start",
        b'{"note": "\\ud800"}',
        content_type="application/json",
        headers=api.headers,
    )
    assert surrogate.status_code == 422
    assert surrogate.json()["field"] == "note"


def test_the_note_is_optional_and_may_be_null(api, workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)

    assert api.post(f"/production-runs/{run.pk}/accept", {"note": None}).status_code == 200
    assert api.post(f"/production-runs/{run.pk}/start", {}).status_code == 200
    assert api.post(f"/production-runs/{run.pk}/finish").status_code == 200
    assert list(
        RunHistory.objects.filter(run=run, kind__in=["accept", "start", "finish"]).values_list(
            "note", flat=True
        )
    ) == ["", "", ""]
