"""Retake the README's screenshots from a running demo (`make run ARGS="--port 8123"`).

    .venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8123]

Uses Debian's Chromium (/usr/bin/chromium) and the demo logins.

The Hindi ones (hi-portal-*.png) are taken by tests/browser/test_hindi.py into
test-artifacts/; copy them here after a change to the portal.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8123"
OUT = Path(__file__).resolve().parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def login(page, email, pw):
    page.goto(BASE + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", pw)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    ctx = b.new_context(viewport={"width": 1366, "height": 860})
    page = ctx.new_page()
    login(page, "admin@loomworks.test", "loomworks-admin")
    page.screenshot(path=f"{OUT}/console-dashboard.png", full_page=True)
    page.goto(BASE + "/admin/production-runs/")
    page.screenshot(path=f"{OUT}/console-runs.png")
    # the split denim run's first part in progress: open the in-progress run with a comment
    page.goto(BASE + "/admin/production-runs/?q=PR-1005")
    page.click("table tbody tr a")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{OUT}/console-run.png", full_page=False)
    # its printable job sheet (tests/browser/test_job_sheet.py takes one of a 3 × 2 matrix run)
    page.goto(page.url.split("#")[0].rstrip("/") + "/sheet/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{OUT}/job-sheet.png", full_page=True)
    page.goto(BASE + "/admin/production-runs/?q=PR-1009")
    page.click("table tbody tr a")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{OUT}/console-split-run.png", full_page=False)
    # the design editor (tests/browser/test_brand_setup.py takes it too, of a new brand)
    page.goto(BASE + "/admin/designs/")
    page.click("table tbody tr a")
    page.click("text=Edit design")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{OUT}/console-design-editor.png", full_page=True)
    # seeing the whole operation: reports and workshop load (the demo's runs are too
    # young for telling scorecards)
    for path, name in (
        ("/admin/reports/work-in-progress/", "console-report-wip"),
        ("/admin/reports/late/", "console-report-late"),
        ("/admin/partners/load/", "console-workshop-load"),
    ):
        page.goto(BASE + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=f"{OUT}/{name}.png", full_page=True)
    ctx.close()
    ctx = b.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = ctx.new_page()
    login(page, "bruno@stitch-and-co.test", "loomworks-partner")
    page.screenshot(path=f"{OUT}/portal-runs-phone.png")
    page.click(".run-card a, a.run-card, article a >> nth=0")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{OUT}/portal-run-phone.png")
    ctx.close()
    b.close()
