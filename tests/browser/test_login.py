"""Logging in sends each kind of user to its home."""

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory, MemberFactory


def test_admin_and_partner_each_land_on_their_home(page, live_server, transactional_db):
    admin = AdminFactory()
    log_in(page, live_server, admin.email, PASSWORD)
    assert page.url.endswith("/admin/")
    assert page.external_requests == []

    page.context.clear_cookies()
    member = MemberFactory()
    log_in(page, live_server, member.user.email, PASSWORD)
    assert page.url.endswith("/partner/")


def test_wrong_password_stays_on_login_with_a_message(page, live_server, transactional_db):
    log_in(page, live_server, "nobody@example.test", "wrong-password")
    assert "/login" in page.url
    assert page.locator(".form-error").is_visible()
