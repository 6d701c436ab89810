"""`POST /api/admin/production-runs/bulk`: one action on many runs, each run's outcome."""

import pytest

from loomworks.core.models import AuditEntry
from loomworks.partners.models import PartnerStatus
from loomworks.production.models import ProductionRun
from loomworks.production.read_models import BULK_AUDIT_TARGET
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import TemplateFactory
from tests.production.support import world

pytestmark = pytest.mark.django_db

BULK = "/production-runs/bulk"


def status_of(run) -> str:
    return ProductionRun.objects.get(pk=run.pk).status


def test_dispatch_by_ids_answers_each_runs_outcome(admin_api, make_run, workshop):
    ready = make_run("approved", partner=workshop.partner)
    pending = make_run("pending_review", partner=workshop.partner)
    template = TemplateFactory()
    response = admin_api.post(
        BULK,
        {"action": "dispatch", "run_ids": [ready.pk, pending.pk], "template_ids": [template.pk]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["action"] == "dispatch"
    assert body["counts"] == {"done": 1, "unchanged": 0, "refused": 1}
    by_run = {row["run_id"]: row for row in body["results"]}
    assert by_run[ready.pk]["outcome"] == "done"
    assert by_run[ready.pk]["status"] == "sent_to_partner"
    assert by_run[pending.pk]["outcome"] == "refused"
    assert by_run[pending.pk]["status"] == "pending_review"
    assert "Pending review" in by_run[pending.pk]["detail"]
    assert AuditEntry.objects.get(target_type=BULK_AUDIT_TARGET).target_id == body["bulk_id"]


def test_cancel_by_filter(admin_api, make_run, make_workshop):
    one, two = make_workshop(), make_workshop()
    wanted = [make_run("approved", partner=one.partner) for _ in range(2)]
    other = make_run("approved", partner=two.partner)
    response = admin_api.post(
        BULK,
        {
            "action": "cancel",
            "filter": {"status": "approved", "partner_id": one.partner.pk},
            "reason": "Recalled",
        },
    )
    assert response.status_code == 200
    assert response.json()["counts"]["done"] == 2
    assert [status_of(run) for run in wanted] == ["cancelled", "cancelled"]
    assert status_of(other) == "approved"


def test_reassign(admin_api, make_run, make_workshop):
    first, second = make_workshop(), make_workshop()
    run = make_run("sent_to_partner", partner=first.partner)
    response = admin_api.post(
        BULK, {"action": "reassign", "run_ids": [run.pk], "partner_id": second.partner.pk}
    )
    assert response.json()["counts"]["done"] == 1
    assert ProductionRun.objects.get(pk=run.pk).partner_id == second.partner.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "cancel", "run_ids": ["run_nope"], "reason": "x"}, "run_ids[0]"),
        ({"action": "cancel", "run_ids": [], "reason": "x"}, "run_ids"),
        ({"action": "cancel", "filter": {}}, "reason"),
        ({"action": "dispatch", "filter": {}}, "template_ids"),
        ({"action": "reassign", "filter": {}, "partner_id": "ptr_nope"}, "partner_id"),
        ({"action": "approve"}, "run_ids"),
        ({"action": "explode", "filter": {}}, "action"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_touches_nothing(admin_api, make_run, body, field):
    make_run("approved")
    before = world()
    response = admin_api.post(BULK, body)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert world() == before


def test_an_inactive_partner_is_409(admin_api, make_run, make_workshop):
    run = make_run("approved")
    closed = make_workshop(status=PartnerStatus.INACTIVE)
    response = admin_api.post(
        BULK, {"action": "reassign", "run_ids": [run.pk], "partner_id": closed.partner.pk}
    )
    assert response.status_code == 409


def test_more_than_the_limit_is_422_saying_what_to_do(admin_api, make_run, monkeypatch):
    monkeypatch.setattr("loomworks.production.services.bulk.MAX_BULK_RUNS", 1)
    runs = [make_run("approved") for _ in range(2)]
    response = admin_api.post(
        BULK, {"action": "cancel", "run_ids": [r.pk for r in runs], "reason": "x"}
    )
    assert response.status_code == 422
    assert "batches of 1" in response.json()["detail"]


def test_partners_get_403(partner_api, make_run):
    run = make_run("approved")
    response = partner_api.post(BULK, {"action": "cancel", "run_ids": [run.pk], "reason": "x"})
    assert response.status_code == 403
