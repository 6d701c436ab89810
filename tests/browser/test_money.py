"""Money in a real Chromium: the workshop sees its price on a 390 px phone before it
accepts, and its statement; the brand records a payment (a refused amount shown beside
its field) and reads the partner's statement."""

import datetime

import pytest
from playwright.sync_api import expect

from loomworks.core.actors import Actor
from loomworks.money import services as money
from loomworks.production import services
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, DesignFactory, MemberFactory, TemplateFactory

pytestmark = pytest.mark.django_db(transaction=True)


def a_priced_run():
    admin_user = AdminFactory(first_name="Maya", last_name="Lindqvist")
    admin = Actor.admin(admin_user)
    member = MemberFactory(
        partner__name="Atelier Nord", user__first_name="Ana", user__last_name="Costa"
    )
    money.rate_set(
        partner=member.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="3.40",
        currency="EUR",
    )
    run = services.run_create(
        design=DesignFactory(name="Linen shirt", details=False),
        actor=admin,
        quantity=40,
        partner=member.partner,
        role="sewing",
    )
    run = services.run_approve(run=run, actor=admin).run
    template = TemplateFactory(name="Sewing", checklist=["Sew", "Press"])
    run = services.run_dispatch(run=run, template_ids=[template.pk], actor=admin).run
    return run, member, admin_user, admin


def test_the_workshop_sees_its_price_before_accepting_and_its_statement(
    phone_page, live_server, artifacts, drained
):
    run, member, _admin_user, admin = a_priced_run()
    drained()
    page = phone_page
    log_in(page, live_server, member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")
    expect(page.locator("[data-run-price]")).to_contain_text("€3.40 per piece")
    page.locator("#next-step summary").first.click()
    expect(page.locator("[data-price]")).to_contain_text("€3.40 per piece")
    page.screenshot(path=str(artifacts / "portal-accept-price-phone.png"), full_page=True)
    page.locator("[data-action=accept] button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    run.refresh_from_db()
    services.delivery_record(
        run=run,
        actor=Actor.partner(member.user, member.partner),
        good=38,
        rejected=[{"reason": "stain", "quantity": 2}],
        final=True,
        shortfall_reason="two stained",
    )
    drained()
    money.payment_record(
        partner=member.partner,
        actor=admin,
        amount="100",
        currency="EUR",
        paid_on=datetime.date.today(),
        method="bank transfer",
        reference="T-118",
    )
    page.goto(f"{live_server.url}/partner/")
    page.get_by_role("link", name="My statement").click()
    expect(page.locator("[data-total=earned]")).to_contain_text("€129.20")
    expect(page.locator("[data-total=closing]")).to_contain_text("€29.20")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "portal-statement-phone.png"), full_page=True)


def test_the_brand_records_a_payment_and_reads_the_statement(page, live_server, artifacts, drained):
    run, member, admin_user, _admin = a_priced_run()
    drained()
    workshop = Actor.partner(member.user, member.partner)
    services.run_accept(run=run, actor=workshop)
    services.delivery_record(run=run, actor=workshop, good=40, final=True)
    drained()
    log_in(page, live_server, admin_user.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/partners/{member.partner.pk}/money/")
    expect(page.locator("#balance")).to_contain_text("€136.00")

    form = page.locator("#payment form").first
    form.get_by_label("Amount").fill("50.001")
    form.get_by_label("Method").fill("bank transfer")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#payment .field__error").first).to_contain_text("at most 2 decimals")
    form = page.locator("#payment form").first
    form.get_by_label("Amount").fill("50")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#balance")).to_contain_text("€86.00")
    page.screenshot(path=str(artifacts / "console-partner-money.png"), full_page=True)

    page.get_by_role("link", name="Statement").first.click()
    expect(page.locator("[data-total=closing]")).to_contain_text("€86.00")
    page.screenshot(path=str(artifacts / "console-statement.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/production-runs/{run.pk}/")
    expect(page.locator("#cost [data-cost=total]")).to_contain_text("€136.00")
    expect(page.locator("#cost [data-cost=per_good_piece]")).to_contain_text("€3.40")
