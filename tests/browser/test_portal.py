"""A workshop on a phone: open a new run, accept it, work the checklist until it completes.

Real Chromium at 390×844 against the live server, with the in-process event
dispatcher running, so the run completes the way it does in production: the
task-completion subscriber does it after the last checklist item.
"""

import datetime
import io
import time

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from loomworks.core.actors import Actor
from loomworks.production import services
from loomworks.production.models import ConsumptionLog, MediaFile, ProductionRun
from tests.browser.conftest import log_in
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DesignFactory,
    MemberFactory,
    TemplateFactory,
)


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (47, 93, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


class Scene:
    """A workshop with a handful of runs in different stages, and one new run sent to it."""

    def __init__(self):
        self.admin = Actor.admin(AdminFactory(first_name="Maya", last_name="Lindqvist"))
        self.member = MemberFactory(
            partner__name="Atelier Nord", user__first_name="Ana", user__last_name="Costa"
        )
        self.partner = self.member.partner
        self.actor = Actor.partner(self.member.user, self.partner)
        self.cutting = TemplateFactory(
            name="Cutting", checklist=["Check fabric against the swatch", "Cut panels"]
        )
        self.bundling = TemplateFactory(name="Bundling", checklist=["Bundle and label by size"])
        soon = timezone.localdate() + datetime.timedelta(days=12)
        past = timezone.localdate() - datetime.timedelta(days=2)
        self.older = [
            self.run("Wool coat", "wool-coat", 30, "in_progress", due=past, started=True),
            self.run("Denim trousers", "denim-trousers", 80, "in_progress", due=soon),
            self.run("Silk dress", "silk-dress", 25, "approved", due=soon),
        ]
        self.new = self.run("Linen shirt", "linen-shirt", 120, "sent_to_partner", due=soon)

    def run(self, name, thumb, quantity, status, *, due, started=False):
        design = DesignFactory(name=name, thumbnail_url=f"/static/loomworks/demo/{thumb}.svg")
        run = services.run_create(
            design=design,
            actor=self.admin,
            quantity=quantity,
            partner=self.partner,
            role="cutting",
            due_date=due,
        )
        run = services.run_approve(run=run, actor=self.admin).run
        if status == "approved":
            return run
        run = services.run_dispatch(
            run=run, template_ids=[self.cutting.pk, self.bundling.pk], actor=self.admin
        ).run
        if status == "in_progress":
            run = services.run_accept(run=run, actor=self.actor)
            if started:
                run = services.run_start(run=run, actor=self.actor)
        return run


def within_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] + box["width"] <= viewport["width"]
    )


def wait_for_status(page, run: ProductionRun, label: str, timeout: float = 20) -> None:
    """Reload until the run page's status chip shows `label` (the subscriber runs after commit)."""
    deadline = time.monotonic() + timeout
    chip = page.locator(".run-head__meta .status")
    while True:
        if chip.inner_text().strip() == label:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"{run.reference} never showed {label!r}; it shows {chip.inner_text()!r}")
        time.sleep(0.3)
        page.reload()


def test_a_workshop_works_a_new_run_to_completion_on_a_phone(
    transactional_db, phone_page, live_server, artifacts
):
    page = phone_page
    scene = Scene()
    run = scene.new

    log_in(page, live_server, scene.member.user.email, PASSWORD)
    assert page.url.endswith("/partner/")
    expect(page.get_by_text("1 run was sent to you since your last visit.")).to_be_visible()
    page.screenshot(path=str(artifacts / "portal-runs-phone.png"))

    card = page.locator(".run-card", has_text=run.reference)
    expect(card.locator(".chip--new")).to_be_visible()
    card.click()
    page.wait_for_url(f"**/partner/production-runs/{run.pk}/")

    # The one next step is on screen without scrolling.
    accept = page.locator("#next-step summary", has_text="Accept run")
    expect(accept).to_be_visible()
    assert within_viewport(page, accept)
    page.screenshot(path=str(artifacts / "portal-run-phone-received.png"))

    # Accept, with a promised date, after the in-page confirmation.
    accept.click()
    promised = timezone.localdate() + datetime.timedelta(days=9)
    page.fill("#id_promised_date", promised.isoformat())
    page.screenshot(path=str(artifacts / "portal-run-phone-accept.png"))
    page.get_by_role("button", name=f"Yes, accept {run.reference}").click()
    expect(page.locator(".flash__item--success")).to_contain_text(f"You accepted {run.reference}")
    run.refresh_from_db()
    assert run.status == "in_progress" and run.promised_date == promised

    start = page.get_by_role("button", name="Start work")
    assert within_viewport(page, start)
    start.click()
    expect(page.locator(".flash__item--success")).to_contain_text("is started")
    expect(page.locator("#next-step a", has_text="Hand over")).to_be_visible()

    # A comment, in the first task's thread.
    first_task = page.locator("article.task").first
    first_task.locator("textarea[name=body]").fill("Which marker should we use for size XL?")
    first_task.get_by_role("button", name="Send").click()
    expect(page.locator(".comment__body", has_text="Which marker should we use")).to_be_visible()

    # Material used.
    page.select_option("#id_material", index=1)
    page.fill("#id_quantity", "48.5")
    page.fill("#id_consumption_notes", "First two rolls")
    page.get_by_role("button", name="Log material").click()
    expect(page.locator(".flash__item--success")).to_contain_text("Material logged")
    assert ConsumptionLog.objects.filter(run=run, quantity="48.5").exists()
    expect(page.locator(".log-list")).to_contain_text("48.5")

    # A photo.
    page.set_input_files(
        "#id_files", files=[{"name": "bundles.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash__item--success")).to_contain_text("1 file added")
    media = MediaFile.objects.get(run=run)
    thumbnail = page.locator(f'a[href="#zoom-{media.pk}"] img')
    expect(thumbnail).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", thumbnail.element_handle()) == 120

    # Tick one item and photograph the page mid-work.
    boxes = page.locator('button.check[aria-checked="false"]')
    total = boxes.count()
    assert total == 3
    boxes.first.click()
    expect(boxes).to_have_count(total - 1)
    expect(page.locator("#run-progress")).to_contain_text("1 of 3 checklist items ticked")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "portal-run-phone.png"))
    page.screenshot(path=str(artifacts / "portal-run-phone-full.png"), full_page=True)

    # Tick the rest; each saves in place, and the run completes by itself.
    while boxes.count():
        remaining = boxes.count()
        boxes.first.click()
        expect(boxes).to_have_count(remaining - 1)
    expect(page.locator("#run-progress")).to_contain_text("3 of 3 checklist items ticked")
    wait_for_status(page, run, "Done")
    run.refresh_from_db()
    assert run.status == "completed"
    expect(page.locator("#next-step")).to_have_count(0)
    expect(page.locator(".comment__body", has_text="Which marker should we use")).to_be_visible()

    assert page.external_requests == []


def test_screenshots_on_a_desktop(transactional_db, page, live_server, artifacts):
    scene = Scene()
    run = scene.older[0]
    services.task_comment_add(
        task=run.tasks.filter(parent__isnull=True).first(),
        actor=scene.admin,
        body="Please use the new marker for XL.",
    )

    log_in(page, live_server, scene.member.user.email, PASSWORD)
    expect(page.locator(".run-card")).to_have_count(4)
    page.screenshot(path=str(artifacts / "portal-runs-desktop.png"), full_page=True)

    page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")
    expect(page.locator("#next-step a", has_text="Hand over")).to_be_visible()
    page.screenshot(path=str(artifacts / "portal-run-desktop.png"), full_page=True)

    assert page.external_requests == []


def test_the_checklist_works_without_javascript(transactional_db, browser, live_server, artifacts):
    scene = Scene()
    run = scene.older[1]
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server, scene.member.user.email, PASSWORD)
        page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")
        page.locator('button.check[aria-checked="false"]').first.click()
        page.wait_for_load_state()
        assert "#task-" in page.url
        expect(page.locator(".flash__item--success")).to_contain_text("Ticked")
        expect(page.locator("#run-progress")).to_contain_text("1 of 3 checklist items ticked")
    finally:
        context.close()
