"""The admin console in a real Chromium: filter the runs list, open a run, approve it
across two partners, dispatch a part, cancel a run. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from loomworks.core.actors import Actor
from loomworks.production import services
from loomworks.production.models import ProductionRun
from loomworks.work.models import Task
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, DesignFactory, TemplateFactory

RUNS = "/admin/production-runs/"


@pytest.fixture
def shop(transactional_db, make_workshop):
    """An admin, three workshops, two designs, templates and runs in several statuses."""
    admin_user = AdminFactory(first_name="Maya", last_name="Lind")
    admin = Actor.admin(admin_user)
    nord = make_workshop(name="Atelier Nord", handle="atelier-nord")
    stitch = make_workshop(name="Stitch & Co", handle="stitch-and-co")
    finish = make_workshop(name="Finish Line", handle="finish-line")
    jacket = DesignFactory(
        name="Field Jacket", thumbnail_url="/static/loomworks/demo/wool-coat.svg"
    )
    shirt = DesignFactory(name="Camp Shirt")
    cutting = TemplateFactory(name="Cutting", checklist=["Lay", "Mark", "Cut panels"])
    sewing = TemplateFactory(name="Sewing", checklist=["Join", "Hem", "Press"])

    def run(design, status="pending_review", partner=None, quantity=12, templates=(cutting,)):
        created = services.run_create(
            design=design, actor=admin, quantity=quantity, partner=partner
        )
        if status == "pending_review":
            return created
        created = services.run_approve(run=created, actor=admin).run
        if status == "approved":
            return created
        created = services.run_dispatch(
            run=created, template_ids=[t.pk for t in templates], actor=admin
        ).run
        if status == "sent_to_partner":
            return created
        return services.run_accept(
            run=created, actor=Actor.partner(partner.members.first().user, partner)
        )

    target = run(jacket, partner=nord.partner, quantity=12)
    run(jacket, "sent_to_partner", partner=nord.partner)
    run(shirt, partner=nord.partner)
    run(jacket, partner=stitch.partner)
    shirt_run = run(shirt, "sent_to_partner", partner=stitch.partner)
    busy = run(
        jacket, "in_progress", partner=finish.partner, quantity=40, templates=(cutting, sewing)
    )
    task = Task.objects.filter(run=busy, parent__isnull=True).order_by("position").first()
    first_item = task.subtasks.order_by("position").first()
    finisher = Actor.partner(finish.user, finish.partner)
    services.run_subtask_complete(task=task, subtask=first_item, actor=finisher)
    services.task_comment_add(task=task, actor=finisher, body="The lining arrived a day late.")
    services.task_comment_add(task=task, actor=admin, body="Thanks, the due date stays.")
    return {
        "admin": admin_user,
        "nord": nord.partner,
        "stitch": stitch.partner,
        "target": target,
        "shirt_run": shirt_run,
        "busy": busy,
        "sewing": sewing,
        "cutting": cutting,
    }


def reference_cells(page):
    return page.locator("#runs-results tbody tr .ref").all_inner_texts()


def test_filter_the_runs_list_by_status_partner_and_design_name(page, live_server, shop, artifacts):
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}")
    assert len(reference_cells(page)) == 6
    page.screenshot(path=str(artifacts / "console-runs-list.png"), full_page=True)

    page.select_option("#id_status", "pending_review")
    page.wait_for_url(re.compile(r"status=pending_review"))
    assert len(reference_cells(page)) == 3
    assert page.get_by_role("link", name="Clear filters").is_visible()

    page.select_option("#id_partner_id", label="Atelier Nord")
    page.wait_for_url(re.compile(r"partner_id="))
    assert len(reference_cells(page)) == 2

    page.fill("#id_q", "field jack")
    page.wait_for_url(re.compile(r"q=field"))
    assert reference_cells(page) == [shop["target"].reference]
    assert page.locator("#runs-count").inner_text() == "1 run matches these filters"
    assert "status=pending_review" in page.url and f"partner_id={shop['nord'].pk}" in page.url
    page.screenshot(path=str(artifacts / "console-runs-list-filtered.png"), full_page=True)

    # The address is the state: going back restores the previous filters.
    page.go_back()
    expect(page.locator("#runs-count")).to_have_text("2 runs match these filters")
    assert "q=" not in page.url
    assert len(reference_cells(page)) == 2
    assert page.input_value("#id_q") == ""

    # A bookmarked address opens the same list.
    page.goto(f"{live_server.url}{RUNS}?status=sent_to_partner&partner_id={shop['stitch'].pk}")
    assert reference_cells(page) == [shop["shirt_run"].reference]
    assert page.external_requests == []


def test_filters_work_without_javascript(browser, live_server, shop):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        log_in(page, live_server, shop["admin"].email, PASSWORD)
        page.goto(f"{live_server.url}{RUNS}")
        page.select_option("#id_status", "sent_to_partner")
        page.select_option("#id_partner_id", label="Stitch & Co")
        page.click("text=Apply")
        page.wait_for_load_state()
        assert page.url.endswith(f"{RUNS}?status=sent_to_partner&partner_id={shop['stitch'].pk}")
        assert reference_cells(page) == [shop["shirt_run"].reference]
    finally:
        context.close()


def test_open_a_run_from_the_list_and_read_it(page, live_server, shop, artifacts):
    busy = shop["busy"]
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}?status=in_progress")
    # The whole row opens the run, not only its reference.
    box = page.locator("#runs-results tbody tr").first.locator("td").nth(5).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/production-runs/{busy.pk}/")
    assert page.locator("h1").inner_text() == busy.reference
    assert page.locator(".run-head__sub").inner_text().startswith("Field Jacket · Finish Line")
    assert page.get_by_text("The lining arrived a day late.").is_visible()
    assert page.get_by_text("1 of 6 checklist items ticked").first.is_visible()

    # A reply goes into the thread in place.
    thread = page.locator(".thread-box").first
    thread.locator("textarea").fill("Please photograph the lining.")
    thread.get_by_role("button", name="Send").click()
    page.wait_for_selector("text=Please photograph the lining.")
    assert page.locator(".reply__sent").is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "console-run-detail.png"), full_page=True)
    assert page.external_requests == []


def test_approve_with_two_partners_in_two_groups_then_dispatch_the_first(
    page, live_server, shop, artifacts
):
    target = shop["target"]
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}?q={target.reference}")
    page.click(f"text={target.reference}")
    page.wait_for_url(f"**/production-runs/{target.pk}/")
    page.click("text=Approve…")
    page.wait_for_url("**/approve/")

    add = page.get_by_role("button", name="+ Add assignment")
    add.click()
    page.wait_for_selector("[name=a0-partner_id]")
    page.select_option("[name=a0-partner_id]", label="Atelier Nord")
    page.fill("[name=a0-role]", "cutting")
    page.fill("[name=a0-order]", "1")
    add.click()
    page.wait_for_selector("[name=a1-partner_id]")
    # Adding a row kept what was typed in the first.
    assert page.input_value("[name=a0-role]") == "cutting"
    page.select_option("[name=a1-partner_id]", label="Stitch & Co")
    page.fill("[name=a1-role]", "sewing")
    page.fill("[name=a1-quantity]", "12")
    page.fill("[name=a1-order]", "2")
    page.locator("#assignment-1 .pick", has_text="Sewing").click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "console-approve-form.png"), full_page=True)

    page.get_by_role("button", name=f"Approve {target.reference}").click()
    page.wait_for_url(f"**/production-runs/{target.pk}/")
    flash = page.locator(".flash").inner_text()
    assert "split into 2 parts" in flash
    parts = list(ProductionRun.objects.filter(parent=target).order_by("order_group"))
    assert [(p.partner.name, p.order_group, p.status) for p in parts] == [
        ("Atelier Nord", 1, "approved"),
        ("Stitch & Co", 2, "approved"),
    ]
    assert page.locator("#related").get_by_text(parts[1].reference).is_visible()

    # Dispatch the first part.
    page.locator("#related").get_by_role("link", name=parts[0].reference).click()
    page.wait_for_url(f"**/production-runs/{parts[0].pk}/")
    page.click("text=Send to production…")
    page.wait_for_url("**/dispatch/")
    page.check(f"#use-{shop['cutting'].pk}")
    # A locator waits without evaluating a string (the page's CSP forbids eval).
    page.locator("#dispatch-preview", has_text="Cutting").wait_for()
    assert "3 checklist items" in page.locator("#dispatch-preview").inner_text()
    page.get_by_role("button", name="Send to Atelier Nord").click()
    page.wait_for_url(f"**/production-runs/{parts[0].pk}/")
    assert "is sent to Atelier Nord with 1 task" in page.locator(".flash").inner_text()
    assert page.locator(".run-head .status").first.inner_text() == "Sent to partner"
    assert page.get_by_text("Cut panels").is_visible()


def test_cancel_a_run_with_a_reason_and_see_it_in_the_history(page, live_server, shop):
    run = shop["shirt_run"]
    log_in(page, live_server, shop["admin"].email, PASSWORD)
    page.goto(f"{live_server.url}{RUNS}{run.pk}/")
    page.get_by_text("Cancel run…").click()
    page.fill("#cancel-reason", "The customer withdrew the order.")
    page.get_by_role("button", name=f"Cancel {run.reference}").click()
    page.wait_for_url(f"**/production-runs/{run.pk}/#history")
    assert f"{run.reference} is cancelled." in page.locator(".flash").inner_text()
    history = page.locator("#history")
    assert "The customer withdrew the order." in history.inner_text()
    assert "Cancelled" in history.inner_text()
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_the_console_on_a_phone(phone_page, live_server, shop, artifacts):
    log_in(phone_page, live_server, shop["admin"].email, PASSWORD)
    phone_page.goto(f"{live_server.url}{RUNS}")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.screenshot(path=str(artifacts / "console-runs-list-phone.png"), full_page=True)
    phone_page.goto(f"{live_server.url}{RUNS}{shop['busy'].pk}/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.screenshot(path=str(artifacts / "console-run-detail-phone.png"), full_page=True)
