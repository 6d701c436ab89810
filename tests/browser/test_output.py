"""What was made, in a real Chromium: the workshop hands over a run with a size × colour
matrix on a 390 px phone; the brand reads planned, delivered, rejected and yield."""

import pytest
from playwright.sync_api import expect

from loomworks.catalog.models import DesignColor, DesignSizeSet
from loomworks.core.actors import Actor
from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, DesignFactory, MemberFactory, TemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = ("S", "M", "L")
COLOURS = (("Sand", "#D8C7A6"), ("Indigo", "#2E3A5C"))


def matrix_run():
    """A 3 × 2 matrix run of 12 (two of each), accepted and started by Atelier Nord."""
    admin = Actor.admin(AdminFactory(first_name="Maya", last_name="Lindqvist"))
    member = MemberFactory(
        partner__name="Atelier Nord", user__first_name="Ana", user__last_name="Costa"
    )
    workshop = Actor.partner(member.user, member.partner)
    design = DesignFactory(name="Linen shirt", details=False)
    for position, size in enumerate(SIZES):
        DesignSizeSet.objects.create(design=design, size_label=size, position=position)
    for position, (name, hex_code) in enumerate(COLOURS):
        DesignColor.objects.create(design=design, name=name, hex_code=hex_code, position=position)
    run = services.run_create(
        design=design,
        actor=admin,
        quantity=12,
        partner=member.partner,
        size_quantities=[
            {"size": size, "color": name, "quantity": 2} for size in SIZES for name, _hex in COLOURS
        ],
    )
    run = services.run_approve(run=run, actor=admin).run
    template = TemplateFactory(name="Sewing", checklist=["Sew", "Press"])
    run = services.run_dispatch(run=run, template_ids=[template.pk], actor=admin).run
    run = services.run_accept(run=run, actor=workshop)
    run = services.run_start(run=run, actor=workshop)
    return run, member, admin


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_workshop_hands_over_a_matrix_run_on_a_phone(phone_page, live_server, artifacts, drained):
    run, member, _admin = matrix_run()
    page = phone_page
    log_in(page, live_server, member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")

    bar = page.locator("#next-step")
    expect(bar.get_by_role("link", name="Hand over")).to_be_visible()
    bar.get_by_role("link", name="Hand over").click()
    form = page.locator("#hand-over form")
    expect(form.locator(".cell-row")).to_have_count(6)
    assert fits_the_screen(page)

    # A first batch: the small sizes, one Indigo S with a stain.
    form.get_by_label("S · Sand").fill("2")
    form.get_by_label("S · Indigo").fill("1")
    form.locator("select[name=reason_0]").select_option("stain")
    form.locator("input[name=rejected_0]").fill("1")
    page.screenshot(path=str(artifacts / "portal-hand-over-phone.png"), full_page=True)
    form.get_by_role("button", name="Record this batch").click()
    expect(page.locator(".flash").first).to_contain_text("Delivery recorded")
    expect(page.locator("#hand-over .delivery")).to_have_count(1)
    expect(page.locator("#hand-over .output-facts")).to_contain_text("3")

    # The last delivery: everything else, handed over with the reason it is one short.
    form = page.locator("#hand-over form")
    for label, quantity in (
        ("M · Sand", "2"),
        ("M · Indigo", "2"),
        ("L · Sand", "2"),
        ("L · Indigo", "2"),
    ):
        form.get_by_label(label).fill(quantity)
    form.locator("summary", has_text="Hand over: this is the last delivery").click()
    form.get_by_label("Why fewer than ordered?").fill("One Indigo S stained; remade next week")
    assert fits_the_screen(page)
    form.get_by_role("button", name=f"Yes, hand over {run.reference}").click()

    expect(page.locator(".run-head .status")).to_contain_text("Done")
    run = ProductionRun.objects.get(pk=run.pk)
    assert (run.status, run.produced_quantity, run.rejected_quantity) == ("completed", 11, 1)
    expect(page.locator("#hand-over .delivery")).to_have_count(2)
    expect(page.locator("#tasks")).to_contain_text("closed on completion")
    assert fits_the_screen(page)
    page.screenshot(path=str(artifacts / "portal-handed-over-phone.png"), full_page=True)


def test_the_admin_run_page_shows_planned_delivered_rejected_and_yield(
    page, live_server, artifacts
):
    run, member, admin_actor = matrix_run()
    workshop = Actor.partner(member.user, member.partner)
    services.delivery_record(
        run=run,
        actor=workshop,
        good=3,
        size_quantities=[
            {"size": "S", "color": "Sand", "quantity": 2},
            {"size": "S", "color": "Indigo", "quantity": 1},
        ],
        rejected=[{"reason": "stitching_fault", "quantity": 1, "size": "S", "color": "Indigo"}],
    )
    from loomworks.accounts.models import User

    admin_user = User.objects.get(pk=admin_actor.user_id)
    log_in(page, live_server, admin_user.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/production-runs/{run.pk}/")

    output = page.locator("#output")
    expect(output.locator("[data-figure=planned]")).to_have_text("12")
    expect(output.locator("[data-figure=good]")).to_have_text("3")
    expect(output.locator("[data-figure=rejected]")).to_contain_text("1")
    expect(output.locator("[data-figure=yield]")).to_have_text("25%")
    expect(output).to_contain_text("Stitching fault")
    expect(output.locator("table tbody tr")).to_have_count(6)
    page.screenshot(path=str(artifacts / "console-run-output.png"), full_page=True)
