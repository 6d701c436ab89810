"""The console's output: planned vs delivered vs rejected and yield, corrections, rework,
the quantity to confirm, and the output settings."""

import pytest

from loomworks.core.models import AuditEntry
from loomworks.production import services
from loomworks.production.models import Delivery, ProductionPolicy, ProductionRun
from tests.web.console.helpers import text

pytestmark = pytest.mark.django_db


def url(run) -> str:
    return f"/admin/production-runs/{run.pk}/"


@pytest.fixture
def delivered(make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, quantity=10)
    services.delivery_record(
        run=run,
        actor=workshop.actor,
        good=8,
        rejected=[{"reason": "stitching_fault", "quantity": 2}],
        note="first bundle",
    )
    return run


def figure(page: str, name: str) -> str:
    start = page.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return page[start : page.index("</dd>", start)]


def test_the_run_page_shows_planned_delivered_rejected_and_yield(console, delivered, workshop):
    page = text(console.get(url(delivered)))
    assert figure(page, "planned") == "10"
    assert figure(page, "good") == "8"
    assert figure(page, "rejected").startswith("2")
    assert figure(page, "yield") == "80%"
    assert "2 rejected: Stitching fault" in page
    assert f"Recorded by {workshop.actor.name}" in page
    assert "first bundle" in page


def test_an_admin_corrects_a_delivery_from_the_run_page(console, delivered, admin_user):
    delivery = Delivery.objects.get(run=delivered)
    response = console.post(
        f"{url(delivered)}deliveries/{delivery.pk}/correct/",
        {"good": 7, "rejected_0": 3, "reason": "recounted"},
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.good, delivery.rejected, delivery.correction_reason) == (7, 3, "recounted")
    assert AuditEntry.objects.filter(action="delivery.corrected").exists()
    page = text(console.get(url(delivered)))
    assert f"corrected by {admin_user.display_name}: recounted" in page


def test_rejected_pieces_become_a_rework_run_shown_on_both_runs(console, delivered):
    response = console.post(f"{url(delivered)}rework/", {"quantity": 2, "partner_id": ""})
    rework = ProductionRun.objects.get(rework_of=delivered)
    assert response["Location"] == url(rework)
    assert rework.partner_id == delivered.partner_id
    original = text(console.get(url(delivered)))
    assert "Reworked in" in original and rework.reference in original
    assert f'Rework of</dt><dd><a class="ref" href="{url(delivered)}">' in text(
        console.get(url(rework))
    )


def test_an_admin_records_a_delivery_for_the_partner(console, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, quantity=5)
    console.post(
        f"{url(run)}deliveries/",
        {"good": 5, "final": "on"},
    )
    run.refresh_from_db()
    assert run.status == "completed" and run.produced_quantity == 5


def test_the_output_settings_page_changes_the_policy(console):
    page = text(console.get("/admin/settings/output/"))
    assert "stitching_fault: Stitching fault" in page
    response = console.post(
        "/admin/settings/output/",
        {
            "over_delivery": "flag",
            "next_step_quantity": "follow",
            "complete_when_delivered": "on",
            "rejection_reasons": "stain: Stain\nshade: Wrong shade",
        },
    )
    assert response.status_code == 302
    policy = ProductionPolicy.current()
    assert (policy.over_delivery, policy.next_step_quantity) == ("flag", "follow")
    assert policy.complete_when_tasks_done is False
    assert [r["code"] for r in policy.rejection_reasons] == ["stain", "shade", "other"]
