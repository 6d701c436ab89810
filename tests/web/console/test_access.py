"""Who may use the console: brand admins only; everyone else is sent on or refused."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, AdminFactory

CONSOLE_PAGES = [
    "/admin/",
    "/admin/production-runs/",
    "/admin/designs/",
    "/admin/partners/",
    "/admin/templates/",
    "/admin/notifications/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_anonymous_visitor_is_sent_to_login_and_back(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login?next={url}"


@pytest.mark.parametrize("url", CONSOLE_PAGES)
def test_partner_user_is_refused_with_a_link_to_their_home(client, workshop, url):
    client.force_login(workshop.user)
    response = client.get(url)
    assert response.status_code == 403
    assert 'href="/partner/"' in response.content.decode()


def test_partner_user_cannot_post_an_action(client, workshop, make_run):
    run = make_run("pending_review")
    client.force_login(workshop.user)
    response = client.post(f"/admin/production-runs/{run.pk}/cancel/", {"reason": "no"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == "pending_review"


def test_login_sends_an_admin_to_the_dashboard(db):
    admin = AdminFactory()
    response = Client().post("/login", {"email": admin.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "Dashboard" in response.content.decode()


def test_login_honours_the_page_asked_for(db, make_run):
    admin = AdminFactory()
    run = make_run()
    url = reverse("console:run_detail", args=[run.pk])
    response = Client().post(
        f"/login?next={url}", {"email": admin.email, "password": PASSWORD, "next": url}
    )
    assert response["Location"] == url


def test_login_sends_a_partner_user_to_the_portal(workshop):
    response = Client().post("/login", {"email": workshop.user.email, "password": PASSWORD})
    assert response["Location"] == "/partner/"


def test_logout_is_a_post_that_ends_the_session(console):
    assert console.get("/logout").status_code == 405
    response = console.post("/logout", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login")
    assert "You are logged out." in response.content.decode()
    assert console.get("/admin/").status_code == 302


def test_layout_has_the_navigation_and_the_user(console, admin_user):
    page = console.get("/admin/").content.decode()
    for label in (
        "Dashboard",
        "Production runs",
        "Designs",
        "Partners",
        "Templates",
        "Notifications",
    ):
        assert f">{label}" in page
    assert admin_user.display_name in page
    assert 'action="/logout"' in page
    assert 'href="/static/loomworks/console.css"' in page
