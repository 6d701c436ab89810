"""`/api/admin/production-runs`: create, list, read, edit, and create from a design."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import DesignFactory, PartnerFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def ids(runs: list[dict]) -> list[str]:
    return [run["id"] for run in runs]


# ---------------------------------------------------------------- create


def test_create_a_run_for_review(admin_api, design, workshop):
    response = admin_api.post(
        "/production-runs",
        {
            "design_id": design.pk,
            "quantity": 40,
            "partner_id": workshop.partner.pk,
            "role": "sewing",
            "due_date": "2031-05-01",
            "notes": "Rush",
        },
    )

    assert response.status_code == 201
    run = response.json()["production_run"]
    assert run["status"] == "pending_review"
    assert run["reference"].startswith("PR-")
    assert (run["quantity"], run["role"], run["due_date"], run["notes"]) == (
        40,
        "sewing",
        "2031-05-01",
        "Rush",
    )
    assert run["design"] == {
        "id": design.pk,
        "name": design.name,
        "thumbnail_url": design.thumbnail_url,
    }
    assert run["partner"]["handle"] == workshop.partner.handle
    assert run["progress"] == {"completed": 0, "total": 0, "closed": 0}
    assert run["created_at"].endswith(("Z", "+00:00"))


def test_create_a_draft_with_the_defaults(admin_api, design):
    run = admin_api.post("/production-runs", {"design_id": design.pk, "status": "draft"}).json()[
        "production_run"
    ]

    assert (run["status"], run["quantity"], run["run_type"], run["partner"]) == (
        "draft",
        1,
        "production",
        None,
    )


@pytest.mark.parametrize(
    "change, field",
    [
        ({"design_id": "des_unknown"}, "design_id"),
        ({"partner_id": "ptr_unknown"}, "partner_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"run_type": "prototype"}, "run_type"),
        ({"status": "approved"}, "status"),
        ({"due_date": "next week"}, "due_date"),
        ({"role": "x" * 101}, "role"),
        ({"notes": "a\x00b"}, "notes"),
    ],
)
def test_invalid_run_input_is_422_naming_the_field(admin_api, design, change, field):
    response = admin_api.post("/production-runs", {"design_id": design.pk, **change})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not ProductionRun.objects.exists()


def test_a_run_for_an_inactive_partner_is_409(admin_api, design):
    sleeping = PartnerFactory(status="inactive")

    response = admin_api.post(
        "/production-runs", {"design_id": design.pk, "partner_id": sleeping.pk}
    )

    assert response.status_code == 409
    assert not ProductionRun.objects.exists()


# ---------------------------------------------------------------- list


def test_list_runs_newest_first_with_paging(admin_api, make_run):
    runs = [make_run() for _ in range(3)]

    page = admin_api.get("/production-runs", {"limit": 2}).json()
    rest = admin_api.get("/production-runs", {"limit": 2, "offset": 2}).json()

    assert ids(page["production_runs"]) == [runs[2].pk, runs[1].pk]
    assert (page["count"], page["limit"], page["offset"]) == (3, 2, 0)
    assert ids(rest["production_runs"]) == [runs[0].pk]


def test_list_filters_combine(admin_api, make_run, workshop, other_workshop, admin):
    shirt, coat = DesignFactory(name="Linen shirt"), DesignFactory(name="Wool coat")
    mine = make_run("approved", partner=workshop.partner, design=shirt)
    sample = make_run(partner=workshop.partner, design=shirt, run_type="sample")
    theirs = make_run("approved", partner=other_workshop.partner, design=coat)
    parent = make_run(design=coat, quantity=4)
    parts = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[services.Assignment(partner_id=other_workshop.partner.pk, quantity=4)],
    ).children

    def found(**params):
        return ids(admin_api.get("/production-runs", params).json()["production_runs"])

    assert found(status="approved", partner_id=workshop.partner.pk) == [mine.pk]
    assert found(run_type="sample") == [sample.pk]
    assert found(design_id=coat.pk, top_level="true") == [parent.pk, theirs.pk]
    assert found(parent_run_id=parent.pk) == [parts[0].pk]
    assert found(q="wool", status="approved") == [parts[0].pk, parent.pk, theirs.pk]
    assert found(q=other_workshop.partner.handle.upper()) == [parts[0].pk, theirs.pk]
    assert found(q=mine.reference.lower()) == [mine.pk]
    assert found(q=mine.pk) == [mine.pk]
    assert found(q="   ") == found()


def test_late_runs_are_open_runs_past_their_date(admin_api, make_run):
    past = timezone.localdate() - timedelta(days=2)
    late = make_run(due_date=past)
    make_run(due_date=timezone.localdate() + timedelta(days=2))
    make_run("cancelled", due_date=past)

    body = admin_api.get("/production-runs", {"late": "true"}).json()

    assert ids(body["production_runs"]) == [late.pk]
    assert body["production_runs"][0]["is_late"] is True


def test_order_by_quantity(admin_api, make_run):
    small, big = make_run(quantity=2), make_run(quantity=50)

    ascending = admin_api.get("/production-runs", {"order": "quantity"}).json()
    descending = admin_api.get("/production-runs", {"order": "-quantity"}).json()

    assert ids(ascending["production_runs"]) == [small.pk, big.pk]
    assert ids(descending["production_runs"]) == [big.pk, small.pk]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "sleeping"}, "status"),
        ({"run_type": "x"}, "run_type"),
        ({"order": "colour"}, "order"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
        ({"late": "perhaps"}, "late"),
        ({"q": "a\x00"}, "q"),
    ],
)
def test_bad_list_parameters_are_422(admin_api, params, field):
    response = admin_api.get("/production-runs", params)

    assert response.status_code == 422
    assert response.json()["field"] == field


def make_busy_runs(make_run, workshop, count: int):
    templates = [TemplateFactory(), TemplateFactory()]
    for _ in range(count):
        make_run("in_progress", partner=workshop.partner, actor=workshop.actor, templates=templates)


def test_the_list_costs_the_same_for_1_or_50_runs(admin_api, make_run, workshop):
    make_busy_runs(make_run, workshop, 1)
    with CaptureQueriesContext(connection) as one:
        assert len(admin_api.get("/production-runs").json()["production_runs"]) == 1

    make_busy_runs(make_run, workshop, 49)
    with CaptureQueriesContext(connection) as fifty:
        page = admin_api.get("/production-runs", {"limit": 50}).json()["production_runs"]

    assert len(page) == 50
    assert page[0]["progress"] == {"completed": 0, "total": 4, "closed": 0}
    # Four of them are the runs' prices and costs (`money.selectors.run_costs`); one
    # more on PostgreSQL, the table's size from its statistics (`core.paging`).
    assert len(fifty.captured_queries) == len(one.captured_queries) <= 10


# ---------------------------------------------------------------- detail


def test_the_detail_shows_tasks_subtasks_progress_and_the_runs_around(
    admin_api, make_run, workshop, other_workshop, admin
):
    cut = TemplateFactory(name="Cut", checklist=["Lay", "Cut"])
    sew = TemplateFactory(name="Sew", checklist=[])
    parent = make_run(quantity=10)
    first, second = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(
                partner_id=workshop.partner.pk, quantity=10, order=1, template_ids=[cut.pk, sew.pk]
            ),
            services.Assignment(partner_id=other_workshop.partner.pk, quantity=10, order=2),
        ],
    ).children

    detail = admin_api.get(f"/production-runs/{first.pk}").json()["production_run"]
    top = admin_api.get(f"/production-runs/{parent.pk}").json()["production_run"]

    assert detail["status"] == "sent_to_partner"
    assert [t["title"] for t in detail["tasks"]] == ["Cut", "Sew"]
    assert [s["title"] for s in detail["tasks"][0]["subtasks"]] == ["Lay", "Cut"]
    assert detail["tasks"][1]["subtasks"] == []
    assert detail["progress"] == {"completed": 0, "total": 3, "closed": 0}
    assert detail["parent"]["id"] == parent.pk
    assert ids(detail["dependents"]) == [second.pk]
    assert detail["dependents"][0]["depends_on_run_ids"] == [first.pk]
    assert detail["depends_on"] == []
    assert detail["snapshot"]["design"]["name"] == parent.design.name
    assert detail["partner"]["name"] == workshop.partner.name
    assert ids(top["children"]) == [first.pk, second.pk]
    assert top["children"][0]["progress"] == {"completed": 0, "total": 3, "closed": 0}
    assert top["parent"] is None
    assert top["tasks"] == []


def test_the_detail_costs_the_same_whatever_the_number_of_tasks(admin_api, make_run, workshop):
    def busy_run(templates):
        return make_run(
            "in_progress", partner=workshop.partner, actor=workshop.actor, templates=templates
        )

    few = busy_run([TemplateFactory(checklist=["a"])])
    many = busy_run([TemplateFactory(checklist=["a", "b", "c"]) for _ in range(12)])

    with CaptureQueriesContext(connection) as one:
        assert (
            len(admin_api.get(f"/production-runs/{few.pk}").json()["production_run"]["tasks"]) == 1
        )
    with CaptureQueriesContext(connection) as twelve:
        body = admin_api.get(f"/production-runs/{many.pk}").json()["production_run"]

    assert len(body["tasks"]) == 12
    assert body["progress"]["total"] == 36
    # The token, the run (with the policy), its edges, the runs around it (none here,
    # so no edges of theirs), the progress, the tasks; four for price and cost.
    assert len(twelve.captured_queries) == len(one.captured_queries) == 10


def test_the_detail_costs_the_same_for_a_part_alone_or_with_many_around(
    admin_api, make_run, workshop, admin
):
    (lone,) = services.run_approve(
        run=make_run(quantity=10),
        actor=admin,
        assignments=[services.Assignment(partner_id=workshop.partner.pk, quantity=10)],
    ).children
    parent = make_run(quantity=10)
    parts = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(partner_id=workshop.partner.pk, quantity=5 * size, order=step)
            for step, size in ((1, 1), (1, 1), (2, 1), (2, 1), (3, 2))
        ],
    ).children

    with CaptureQueriesContext(connection) as alone:
        admin_api.get(f"/production-runs/{lone.pk}")
    with CaptureQueriesContext(connection) as crowded:
        middle = admin_api.get(f"/production-runs/{parts[2].pk}").json()["production_run"]

    assert ids(middle["depends_on"]) == [parts[0].pk, parts[1].pk]
    assert ids(middle["dependents"]) == [parts[4].pk]
    assert middle["depends_on"][0]["depends_on_run_ids"] == []
    assert set(middle["dependents"][0]["depends_on_run_ids"]) == {parts[2].pk, parts[3].pk}
    assert middle["parent"]["id"] == parent.pk
    assert len(crowded.captured_queries) == len(alone.captured_queries) <= 11  # 4: money


def test_an_unknown_run_is_404(admin_api):
    for path in ("/production-runs/run_nothing", "/production-runs/run_nothing/history"):
        response = admin_api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


# ---------------------------------------------------------------- edit


def test_edit_a_run_before_acceptance(admin_api, make_run):
    run = make_run("approved", quantity=10)

    response = admin_api.patch(
        f"/production-runs/{run.pk}", {"quantity": 12, "due_date": "2031-01-31", "role": None}
    )

    assert response.status_code == 200
    edited = response.json()["production_run"]
    assert (edited["quantity"], edited["due_date"], edited["role"]) == (12, "2031-01-31", "")
    history = admin_api.get(f"/production-runs/{run.pk}/history").json()["history"]
    assert history[-1]["kind"] == "edit"
    assert history[-1]["from_status"] == history[-1]["to_status"] == "approved"


def test_editing_an_accepted_run_is_409_naming_its_status(admin_api, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = admin_api.patch(f"/production-runs/{run.pk}", {"quantity": 3})

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["status"] == "in_progress"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"status": "approved"}, "status"),
        ({"run_type": "x"}, "run_type"),
    ],
)
def test_invalid_edits_are_422_even_for_unknown_runs(admin_api, make_run, change, field):
    run = make_run()

    for run_id in (run.pk, "run_nothing"):
        response = admin_api.patch(f"/production-runs/{run_id}", change)
        assert response.status_code == 422
        assert response.json()["field"] == field


def test_editing_an_unknown_run_is_404(admin_api):
    assert admin_api.patch("/production-runs/run_nothing", {"quantity": 2}).status_code == 404


# ---------------------------------------------------------------- create from a design


def test_create_from_a_design_with_ordered_assignments(admin_api, design, workshop, other_workshop):
    cut = TemplateFactory()

    response = admin_api.post(
        f"/designs/{design.pk}/production-runs",
        {
            "assignments": [
                {
                    "partner_id": workshop.partner.pk,
                    "quantity": 6,
                    "order": 1,
                    "template_ids": [cut.pk],
                },
                {"partner_id": workshop.partner.pk, "quantity": 4, "order": 1},
                {
                    "partner_id": other_workshop.partner.pk,
                    "quantity": 10,
                    "order": 2,
                    "role": "finishing",
                },
            ]
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["production_run"]["quantity"] == 10
    assert body["production_run"]["status"] == "approved"
    assert [c["status"] for c in body["children"]] == ["sent_to_partner", "approved", "approved"]
    assert [c["order_group"] for c in body["children"]] == [1, 1, 2]
    assert sorted(body["children"][2]["depends_on_run_ids"]) == sorted(ids(body["children"][:2]))
    assert body["dispatch_errors"] == []


def test_create_from_a_design_without_assignments_makes_a_run_for_review(admin_api, design):
    response = admin_api.post(f"/designs/{design.pk}/production-runs", {"quantity": 5})

    assert response.status_code == 201
    assert response.json()["production_run"]["status"] == "pending_review"
    assert response.json()["children"] == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"quantity": 5, "assignments": [{"partner_id": "P", "quantity": 4}]}, "assignments"),
        (
            {
                "assignments": [
                    {"partner_id": "P", "quantity": 4},
                    {"partner_id": "P", "quantity": 5, "order": 2},
                ]
            },
            "assignments",
        ),
        (
            {"assignments": [{"partner_id": "ptr_unknown", "quantity": 4}]},
            "assignments[0].partner_id",
        ),
        (
            {"assignments": [{"partner_id": "P", "quantity": 4, "template_ids": ["tpl_unknown"]}]},
            "assignments[0].template_ids",
        ),
        ({"assignments": [{"partner_id": "P", "quantity": 0}]}, "assignments[0].quantity"),
        ({"assignments": [{"partner_id": "P", "quantity": 1, "order": 0}]}, "assignments[0].order"),
    ],
)
def test_invalid_assignments_are_422(admin_api, design, workshop, payload, field):
    for assignment in payload["assignments"]:
        if assignment["partner_id"] == "P":
            assignment["partner_id"] = workshop.partner.pk

    response = admin_api.post(f"/designs/{design.pk}/production-runs", payload)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not ProductionRun.objects.exists()


def test_create_from_an_unknown_design_is_404_after_input_checks(admin_api, workshop):
    good = {"assignments": [{"partner_id": workshop.partner.pk, "quantity": 1}]}
    bad = {"assignments": [{"partner_id": "ptr_unknown", "quantity": 1}]}

    assert admin_api.post("/designs/des_nothing/production-runs", good).status_code == 404
    assert admin_api.post("/designs/des_nothing/production-runs", bad).status_code == 422


def test_create_from_a_design_with_an_inactive_partner_is_409(admin_api, design):
    sleeping = PartnerFactory(status="inactive")

    response = admin_api.post(
        f"/designs/{design.pk}/production-runs",
        {"assignments": [{"partner_id": sleeping.pk, "quantity": 3}]},
    )

    assert response.status_code == 409
    assert not ProductionRun.objects.exists()
