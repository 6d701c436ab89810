"""The job sheet in a real Chromium: it prints on at most two A4 pages, and its QR code,
read back from the rendered page, opens the run in the portal."""

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, AdminFactory
from tests.web.sheet_support import sheet_run

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_job_sheet_prints_on_two_a4_pages_at_most_and_its_qr_opens_the_run(
    page, live_server, artifacts, settings, drained
):
    settings.SITE_URL = live_server.url
    run, _member, _admin = sheet_run()
    admin = AdminFactory(email="maya@brand.test")
    log_in(page, live_server, admin.email, PASSWORD)

    page.goto(f"{live_server.url}/admin/production-runs/{run.pk}/")
    sheet_link = page.locator("a[data-job-sheet]")
    assert sheet_link.get_attribute("href") == f"/admin/production-runs/{run.pk}/sheet/"
    page.goto(f"{live_server.url}/admin/production-runs/{run.pk}/sheet/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Print").is_visible()
    page.screenshot(path=str(artifacts / "job-sheet.png"), full_page=True)

    # The QR code as Chromium draws it, read back by zxing-cpp.
    png = page.locator(".sheet-qr svg").screenshot()
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [code.text for code in codes] == [f"{live_server.url}/partner/production-runs/{run.pk}/"]

    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / "job-sheet.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2, len(reader.pages)
    box = reader.pages[0].mediabox
    # A4 is 595.3 × 841.9 points (Chromium rounds to whole pixels).
    assert abs(float(box.width) - 595.3) < 2 and abs(float(box.height) - 841.9) < 2
    printed = "".join(p.extract_text() for p in reader.pages)
    assert run.reference in printed and "Buttonholes" in printed
    assert "Print" not in printed.split(run.reference)[0]  # the tools are not printed
    assert not page.external_requests


def test_a_workshop_on_a_phone_sees_the_matrix_the_measurements_and_downloads_the_tech_pack(
    phone_page, live_server, artifacts, drained
):
    from playwright.sync_api import expect

    from tests.api.partner_support import PDF

    run, member, _admin = sheet_run(files=[("tech-pack.pdf", PDF)])
    page = phone_page
    log_in(page, live_server, member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")

    matrix = page.locator("#matrix table")
    expect(matrix).to_be_visible()
    expect(matrix).to_have_attribute("data-matrix-total", "10")
    expect(matrix.locator('td[data-size="M"][data-color="Indigo"]')).to_have_text("2")
    sizes = page.locator("#design table")
    expect(sizes).to_contain_text("Chest cm")
    expect(sizes.locator("tbody tr")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#matrix").screenshot(path=str(artifacts / "portal-run-matrix-phone.png"))

    link = page.get_by_role("link", name="tech-pack.pdf")
    link.scroll_into_view_if_needed()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "tech-pack.pdf"
    with open(download.path(), "rb") as stored:
        assert stored.read().startswith(b"%PDF-")

    # The job sheet from the run page, on the phone too.
    page.locator("a[data-job-sheet]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#sheet-matrix")).to_be_visible()
    expect(page.locator("#sheet-files")).to_contain_text("tech-pack.pdf")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not page.external_requests
