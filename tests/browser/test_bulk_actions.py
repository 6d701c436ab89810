"""Bulk actions in a real Chromium: filter the runs list, take all that match, cancel
them with a reason, read the result per run, and see them cancelled in the list.
Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from loomworks.core.actors import Actor
from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, DesignFactory, TemplateFactory

RUNS = "/admin/production-runs/"


@pytest.fixture
def shop(transactional_db, make_workshop):
    admin_user = AdminFactory(first_name="Maya", last_name="Lind")
    admin = Actor.admin(admin_user)
    nord = make_workshop(name="Atelier Nord", handle="atelier-nord")
    stitch = make_workshop(name="Stitch & Co", handle="stitch-and-co")
    jacket = DesignFactory(name="Field Jacket")
    cutting = TemplateFactory(name="Cutting", checklist=["Lay", "Cut"])

    def run(partner, status="pending_review"):
        created = services.run_create(design=jacket, actor=admin, quantity=12, partner=partner)
        if status == "pending_review":
            return created
        created = services.run_approve(run=created, actor=admin).run
        return services.run_dispatch(run=created, template_ids=[cutting.pk], actor=admin).run

    return {
        "admin": admin_user,
        "nord": nord.partner,
        "pending_nord": [run(nord.partner) for _ in range(3)],
        "sent_nord": run(nord.partner, "sent_to_partner"),
        "pending_stitch": run(stitch.partner),
    }


def reference_cells(page):
    return page.locator("#runs-results tbody tr .ref").all_inner_texts()


def test_cancel_all_runs_that_match_the_filters_with_a_reason(page, live_server, shop, artifacts):
    wanted = shop["pending_nord"]
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}")
    page.select_option("#id_status", "pending_review")
    page.wait_for_url(re.compile(r"status=pending_review"))
    page.select_option("#id_partner_id", label="Atelier Nord")
    page.wait_for_url(re.compile(r"partner_id="))
    expect(page.locator("#runs-count")).to_have_text("3 runs match these filters")

    page.select_option("#bulk-action", "cancel")
    page.get_by_label("all 3 runs that match these filters").check()
    page.screenshot(path=str(artifacts / "console-bulk-bar.png"), full_page=True)
    page.get_by_role("button", name="Continue…").click()

    expect(page.locator("h1")).to_have_text("Cancel 3 runs?")
    assert page.get_by_text("All 3 runs that match the list’s filters.").is_visible()
    for run in wanted:
        assert page.get_by_role("link", name=run.reference).is_visible()
    page.get_by_label("Why is it cancelled?").fill("The autumn drop is withdrawn")
    page.screenshot(path=str(artifacts / "console-bulk-confirm.png"), full_page=True)
    page.get_by_role("button", name="Cancel 3 runs").click()

    page.wait_for_url(re.compile(r"/production-runs/bulk/bulk_"))
    expect(page.locator("h1")).to_have_text("Bulk action: Cancel")
    assert page.locator("#bulk-summary").inner_text() == "3 done, 0 already so, 0 refused."
    rows = page.locator("table.bulk-result tbody tr")
    expect(rows).to_have_count(3)
    for run in wanted:
        row = rows.filter(has_text=run.reference)
        expect(row).to_contain_text("Done")
        expect(row).to_contain_text("Cancelled")
    page.screenshot(path=str(artifacts / "console-bulk-result.png"), full_page=True)

    # Back to the list with the same filters: nothing pending at Atelier Nord any more.
    page.get_by_role("link", name="Back to the list").first.click()
    page.wait_for_url(re.compile(r"status=pending_review"))
    assert reference_cells(page) == []
    page.goto(f"{live_server.url}{RUNS}?partner_id={shop['nord'].pk}&status=cancelled")
    assert sorted(reference_cells(page)) == sorted(run.reference for run in wanted)
    statuses = page.locator("#runs-results tbody tr td[data-label=Status]").all_inner_texts()
    assert [status.strip() for status in statuses] == ["Cancelled"] * 3
    assert ProductionRun.objects.get(pk=shop["sent_nord"].pk).status == "sent_to_partner"
    assert ProductionRun.objects.get(pk=shop["pending_stitch"].pk).status == "pending_review"
    assert page.external_requests == []


def test_select_every_run_on_the_page_then_approve(page, live_server, shop):
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}?status=pending_review")
    page.get_by_label("Select every run on this page").check()
    boxes = page.locator("#runs-results input[name=run_ids]")
    expect(boxes).to_have_count(4)
    assert all(box.is_checked() for box in boxes.all())
    # Untick one: the page box shows a partial selection.
    page.get_by_label(f"Select {shop['pending_stitch'].reference}").uncheck()
    assert page.evaluate("document.getElementById('select-page').indeterminate")
    page.select_option("#bulk-action", "approve")
    page.get_by_role("button", name="Continue…").click()
    expect(page.locator("h1")).to_have_text("Approve 3 runs?")
    page.get_by_role("button", name="Approve 3 runs").click()
    page.wait_for_url(re.compile(r"/production-runs/bulk/bulk_"))
    assert page.locator("#bulk-summary").inner_text() == "3 done, 0 already so, 0 refused."
    assert ProductionRun.objects.filter(status="approved").count() == 3


def test_ticking_runs_works_without_javascript(browser, live_server, shop):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        log_in(page, live_server, shop["admin"].email, PASSWORD)
        page.goto(f"{live_server.url}{RUNS}?partner_id={shop['nord'].pk}")
        # No script: no select-all box, each row ticked on its own.
        assert not page.locator("#select-page").is_visible()
        first, sent = shop["pending_nord"][0], shop["sent_nord"]
        page.get_by_label(f"Select {first.reference}").check()
        page.get_by_label(f"Select {sent.reference}").check()
        page.select_option("#bulk-action", "approve")
        page.get_by_role("button", name="Continue…").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Approve 2 runs").click()
        page.wait_for_load_state()
        assert page.locator("#bulk-summary").inner_text() == "1 done, 0 already so, 1 refused."
        refused = page.locator("table.bulk-result tbody tr").filter(has_text=sent.reference)
        assert "Cannot approve" in refused.inner_text()
    finally:
        context.close()
