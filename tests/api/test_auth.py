"""`/api/auth`: tokens (random, stored hashed, revocable, 30 idle days) and browser sessions."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from loomworks.accounts.models import ApiToken
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import PASSWORD, AdminFactory

pytestmark = pytest.mark.django_db


def log_in(client, email, password=PASSWORD):
    return client.post(
        "/api/auth/token", {"email": email, "password": password}, content_type="application/json"
    )


def logged_in_browser(user) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/login")  # the login page sets the CSRF cookie
    browser.force_login(user)
    return browser


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_right_credentials_give_a_token_that_says_who_you_are(client, admin_user):
    response = log_in(client, admin_user.email.upper())

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": admin_user.pk,
        "email": admin_user.email,
        "name": admin_user.display_name,
        "is_admin": True,
        "partner_id": None,
    }
    me = client.get("/api/auth/me", **bearer(body["token"]))
    assert me.status_code == 200
    assert me.json() == {"user": body["user"]}


def test_a_partner_member_token_names_the_partner(client, workshop):
    body = log_in(client, workshop.user.email).json()

    assert body["user"]["is_admin"] is False
    assert body["user"]["partner_id"] == workshop.partner.pk


@pytest.mark.parametrize(
    "email, password",
    [("nobody@example.test", PASSWORD), (None, "wrong-password-1")],
)
def test_wrong_credentials_are_401(client, admin_user, email, password):
    response = log_in(client, email or admin_user.email, password)

    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong e-mail or password."
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_cannot_get_a_token_and_loses_the_one_it_had(client, admin_user):
    token = log_in(client, admin_user.email).json()["token"]
    admin_user.is_active = False
    admin_user.save()

    assert log_in(client, admin_user.email).status_code == 401
    assert client.get("/api/auth/me", **bearer(token)).status_code == 401


def test_tokens_are_random_and_only_their_hash_is_stored(client, admin_user):
    first = log_in(client, admin_user.email).json()["token"]
    second = log_in(client, admin_user.email).json()["token"]

    assert first != second
    assert len(first) >= 40
    stored = set(ApiToken.objects.values_list("key_hash", flat=True))
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in (first, second)}
    for row in ApiToken.objects.values():
        assert first not in map(str, row.values())
        assert second not in map(str, row.values())


def test_logout_revokes_only_the_token_in_use(client, admin_user):
    kept = log_in(client, admin_user.email).json()["token"]
    dropped = log_in(client, admin_user.email).json()["token"]

    response = client.post("/api/auth/logout", **bearer(dropped))

    assert response.status_code == 204
    assert client.get("/api/auth/me", **bearer(dropped)).status_code == 401
    assert client.get("/api/auth/me", **bearer(kept)).status_code == 200
    assert client.post("/api/auth/logout", **bearer(dropped)).status_code == 401


def test_a_token_unused_for_30_days_stops_working(client, admin_user):
    token = log_in(client, admin_user.email).json()["token"]
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=30, minutes=1))

    assert client.get("/api/auth/me", **bearer(token)).status_code == 401


def test_using_a_token_keeps_it_alive(client, admin_user):
    token = log_in(client, admin_user.email).json()["token"]
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=29))

    assert client.get("/api/auth/me", **bearer(token)).status_code == 200
    refreshed = ApiToken.objects.get().last_used_at
    assert timezone.now() - refreshed < timedelta(minutes=1)


@pytest.mark.parametrize("headers", [{}, bearer("lw_not-a-real-token"), bearer("")])
def test_no_or_bad_token_is_401(client, headers):
    response = client.get("/api/auth/me", **headers)

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


def test_token_body_is_validated(client):
    missing = client.post("/api/auth/token", {"email": "a@b.test"}, content_type="application/json")
    malformed = client.post("/api/auth/token", "{not json", content_type="application/json")
    nul = log_in(client, "a\x00@b.test")

    assert missing.status_code == 422
    assert missing.json()["field"] == "password"
    assert malformed.status_code == 400
    assert nul.status_code == 422


def test_the_browser_session_reads_freely_and_writes_only_with_the_csrf_token(admin_user):
    browser = logged_in_browser(admin_user)
    csrf = browser.cookies["csrftoken"].value
    material = {"sku": "LIN-1", "name": "Linen", "unit": "m"}

    assert browser.get("/api/auth/me").json()["user"]["id"] == admin_user.pk
    refused = browser.post("/api/admin/materials", material, content_type="application/json")
    accepted = browser.post(
        "/api/admin/materials", material, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201


def test_logout_from_the_browser_ends_the_session(admin_user):
    browser = logged_in_browser(admin_user)
    csrf = browser.cookies["csrftoken"].value

    assert browser.post("/api/auth/logout").status_code == 403
    assert browser.post("/api/auth/logout", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert browser.get("/api/auth/me").status_code == 401


def test_admin_routes_want_an_admin(client, workshop, admin_user):
    partner_token = log_in(client, workshop.user.email).json()["token"]
    other_admin = AdminFactory(is_staff=False)  # a user who is neither admin nor partner
    nobody_token = log_in(client, other_admin.email).json()["token"]

    assert client.get("/api/admin/production-runs").status_code == 401
    forbidden = client.get("/api/admin/production-runs", **bearer(partner_token))
    assert forbidden.status_code == 403
    assert "brand admins" in forbidden.json()["detail"]
    assert client.get("/api/admin/production-runs", **bearer(nobody_token)).status_code == 403
