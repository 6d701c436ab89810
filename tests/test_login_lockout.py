"""Guessing passwords: after LOGIN_FAILURE_LIMIT wrong ones for an e-mail from one address,
that pair waits; the page and the API say so with 429, and the owner elsewhere still gets in."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import PASSWORD, AdminFactory

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def token(client, email, password, address="203.0.113.7"):
    return client.post(
        "/api/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def page_login(client, email, password, address="203.0.113.7"):
    return client.post("/login", {"email": email, "password": password}, REMOTE_ADDR=address)


def test_the_api_answers_429_after_the_limit_even_to_the_right_password(client):
    user = AdminFactory()
    for _ in range(LIMIT - 1):
        assert token(client, user.email, "wrong-guess").status_code == 401

    locked = token(client, user.email, "wrong-guess")
    assert locked.status_code == 429
    assert "Wait 15 minutes" in locked.json()["detail"]
    # The right password from the same address waits too: that is the point.
    assert token(client, user.email.upper(), PASSWORD).status_code == 429


def test_the_owner_elsewhere_and_other_accounts_here_are_not_locked(client):
    user, colleague = AdminFactory(), AdminFactory()
    for _ in range(LIMIT):
        token(client, user.email, "wrong-guess")

    assert token(client, user.email, PASSWORD, address="198.51.100.20").status_code == 200
    assert token(client, colleague.email, PASSWORD).status_code == 200


def test_a_success_before_the_limit_starts_the_count_again(client):
    user = AdminFactory()
    for _ in range(LIMIT - 1):
        page_login(client, user.email, "wrong-guess")
    assert page_login(Client(), user.email, PASSWORD).status_code == 302

    for _ in range(LIMIT - 1):
        assert page_login(Client(), user.email, "wrong-guess").status_code == 200
    assert page_login(Client(), user.email, PASSWORD).status_code == 302


def test_the_login_page_says_how_long_to_wait_and_keeps_the_email(client):
    user = AdminFactory()
    for _ in range(LIMIT - 1):
        response = page_login(client, user.email, "wrong-guess")
        assert "do not match" in response.content.decode()

    response = page_login(client, user.email, "wrong-guess")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed attempts for this e-mail. Wait 15 minutes" in page
    assert f'value="{user.email}"' in page
    assert "_auth_user_id" not in client.session


def test_the_pause_ends_after_the_cooloff(client, settings):
    user = AdminFactory()
    for _ in range(LIMIT):
        token(client, user.email, "wrong-guess")
    assert token(client, user.email, PASSWORD).status_code == 429

    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)

    assert token(client, user.email, PASSWORD).status_code == 200


def test_a_token_obtained_before_the_limit_starts_the_count_again_and_marks_the_login(client):
    user = AdminFactory()
    for _ in range(LIMIT - 1):
        token(client, user.email, "wrong-guess")
    assert token(client, user.email, PASSWORD).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None

    for _ in range(LIMIT - 1):
        assert token(client, user.email, "wrong-guess").status_code == 401
    assert token(client, user.email, PASSWORD).status_code == 200


def test_the_pause_is_explained_in_the_browsers_language():
    user = AdminFactory()
    browser = Client(HTTP_ACCEPT_LANGUAGE="fr")
    for _ in range(LIMIT):
        response = page_login(browser, user.email, "wrong-guess")

    assert response.status_code == 429
    assert "Trop de tentatives échouées pour cet e-mail. Attendez 15 minutes" in (
        response.content.decode()
    )


def test_a_failed_attempt_is_recorded_without_the_password_typed(client):
    user = AdminFactory()
    page_login(client, user.email, "my-secret-guess")

    [attempt] = AccessAttempt.objects.all()
    assert attempt.username == user.email.lower()
    assert "my-secret-guess" not in attempt.post_data
