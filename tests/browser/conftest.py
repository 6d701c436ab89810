"""Real Chromium through Playwright, against the app served by pytest-django's live server.

Tests here skip, with the reason, when no Chromium is installed; `.ci/run`
installs Debian's `chromium`. Screenshots go to `test-artifacts/`.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("no Chromium installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def events_dispatcher(live_server):
    """The in-process event dispatcher, as `loomworks run` starts it."""
    from loomworks.events import dispatcher

    dispatcher.start()
    yield dispatcher
    dispatcher.stop()


def _page(browser, viewport, request):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    external = []

    def watch(req):
        if not req.url.startswith(
            ("http://localhost", "http://127.0.0.1", "data:", "blob:", "about:")
        ):
            external.append(req.url)

    page.on("request", watch)
    page.external_requests = external
    # Every page must work under its Content-Security-Policy: Chromium reports
    # what the policy blocked (an inline script or style, an eval) on the console.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def page(browser, live_server, events_dispatcher, request):
    yield from _page(browser, DESKTOP, request)


@pytest.fixture
def phone_page(browser, live_server, events_dispatcher, request):
    yield from _page(browser, PHONE, request)


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
