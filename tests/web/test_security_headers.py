"""Response headers: a Content-Security-Policy with no inline script, no caching of what a
logged-in person sees, and HSTS with secure cookies when the site is served over https."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loomworks.accounts.services import token_issue

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def test_pages_carry_a_policy_that_allows_no_inline_script(client):
    response = client.get("/login")

    directives = policy(response)
    assert directives["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == "object-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"


def pages_of_both_uis(client, admin_user, workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    client.force_login(admin_user)
    console = [
        client.get(url)
        for url in (
            "/admin/",
            "/admin/production-runs/",
            f"/admin/production-runs/{run.pk}/",
            f"/admin/designs/{run.design_id}/",
            "/admin/partners/",
        )
    ]
    client.force_login(workshop.user)
    portal = [client.get(url) for url in ("/partner/", f"/partner/production-runs/{run.pk}/")]
    return console + portal


def test_no_page_needs_an_inline_script_or_event_attribute(client, admin_user, workshop, make_run):
    pages = pages_of_both_uis(client, admin_user, workshop, make_run)
    client.logout()

    for response in [*pages, client.get("/login"), client.get("/password-reset")]:
        assert response.status_code == 200, response
        html = response.content.decode()
        assert not INLINE_SCRIPT.findall(html), response.wsgi_request.path
        assert not EVENT_ATTRIBUTE.findall(html), response.wsgi_request.path


def test_a_logged_in_persons_pages_are_not_cached(client, admin_user, workshop, make_run):
    for response in pages_of_both_uis(client, admin_user, workshop, make_run):
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache, response.wsgi_request.path


def test_api_answers_for_a_token_are_not_cached(client, admin_user):
    response = client.get(
        "/api/admin/production-runs",
        HTTP_AUTHORIZATION=f"Bearer {token_issue(user=admin_user)}",
    )

    assert "no-store" in response["Cache-Control"]


def test_the_api_docs_page_keeps_working_without_the_policy(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def _security_settings(site_url: str) -> str:
    script = (
        "import loomworks.settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    env = {key: value for key, value in os.environ.items() if key != "SECURE_COOKIES"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "SECRET_KEY": "x", "SITE_URL": site_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_https_sites_get_secure_cookies_and_hsts():
    assert _security_settings("https://loomworks.example.com") == "True True 31536000"
    assert _security_settings("http://127.0.0.1:8000") == "False False 0"


def test_hsts_is_sent_on_https_requests(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get("/login", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"
