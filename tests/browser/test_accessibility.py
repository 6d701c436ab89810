"""axe-core, run by Playwright on the pages people use most: no serious or critical
violation of WCAG 2.2 A/AA (contrast included), on the console and on the portal.

axe-core is vendored in tests/browser/vendor/ (MPL-2.0; see the README there). It is
evaluated through the DevTools protocol, which the pages' Content-Security-Policy
does not govern, so the pages are checked under their real policy.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from loomworks.production import services
from tests.browser.conftest import log_in
from tests.browser.test_portal import Scene
from tests.factories import PASSWORD, AdminFactory

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
AXE_VERSION = "4.14.1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[dict]:
    """Serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    assert page.evaluate("() => axe.version") == AXE_VERSION
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
            "summary": violation["nodes"][0].get("failureSummary", "")[:300],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def scene(transactional_db):
    scene = Scene()
    task = scene.older[0].tasks.filter(parent__isnull=True).first()
    services.task_comment_add(task=task, actor=scene.admin, body="Please use the new marker.")
    return scene


def test_console_pages_have_no_serious_accessibility_violation(scene, page, live_server):
    admin = AdminFactory()
    log_in(page, live_server, admin.email, PASSWORD)
    run = scene.older[0]
    found = {}
    for name, path in [
        ("dashboard", "/admin/"),
        ("runs list", "/admin/production-runs/"),
        ("run page", f"/admin/production-runs/{run.pk}/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("main")).to_be_visible()
        found[name] = axe_violations(page)
    print(json.dumps(found, indent=1))  # shown when the test fails
    assert found == {name: [] for name in found}


def test_portal_pages_have_no_serious_accessibility_violation(scene, phone_page, live_server):
    page = phone_page
    log_in(page, live_server, scene.member.user.email, PASSWORD)
    found = {"portal home": axe_violations(page)}
    page.goto(f"{live_server.url}/partner/production-runs/{scene.older[0].pk}/")
    expect(page.locator("main")).to_be_visible()
    found["portal run page"] = axe_violations(page)
    print(json.dumps(found, indent=1))  # shown when the test fails
    assert found == {name: [] for name in found}


VISIBLE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  // The accent ring, solid (a 35 % tint of it was too faint to see): 3:1 and more on any background.
  const ring = style.boxShadow.includes('rgb(47, 93, 80)') || (style.outlineStyle !== 'none' && style.outlineColor === 'rgb(47, 93, 80)' && parseFloat(style.outlineWidth) >= 2);
  return {tag: el.tagName, text: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40),
          ring: ring, shown: box.width > 0 && box.height > 0};
}"""


def tab_through(page, steps: int) -> list[dict]:
    seen = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        state = page.evaluate(VISIBLE_FOCUS)
        if state:
            seen.append(state)
    return seen


def test_every_control_reached_by_keyboard_shows_its_focus(scene, page, live_server):
    admin = AdminFactory()
    log_in(page, live_server, admin.email, PASSWORD)
    for path in ("/admin/", f"/admin/production-runs/{scene.older[0].pk}/"):
        page.goto(f"{live_server.url}{path}")
        seen = tab_through(page, 30)
        assert len(seen) >= 20
        assert [s for s in seen if not (s["ring"] and s["shown"])] == [], path


def test_the_portal_run_page_shows_keyboard_focus_on_a_phone(scene, phone_page, live_server):
    page = phone_page
    log_in(page, live_server, scene.member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/partner/production-runs/{scene.older[1].pk}/")
    seen = tab_through(page, 30)
    assert any(s["text"].startswith("Check fabric") for s in seen)  # the checklist is reachable
    assert [s for s in seen if not (s["ring"] and s["shown"])] == []
