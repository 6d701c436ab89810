"""The printable job sheet: its content for both audiences, and who may open it."""

import re

import pytest
from django.test import Client

from tests.factories import MemberFactory
from tests.web.sheet_support import sheet_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def as_member(member):
    client = Client()
    client.force_login(member.user)
    return client


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_sheet_shows_what_the_bench_needs(console):
    run, _member, _admin = sheet_run()

    response = console.get(f"/admin/production-runs/{run.pk}/sheet/")

    assert response.status_code == 200
    page = response.content.decode()
    words = text(page)
    assert run.reference in words and "Field shirt" in words
    # the size × colour quantities, with totals
    assert 'data-matrix-total="10"' in page
    assert 'data-size="M" data-color="Indigo">2<' in page
    # measurements in the run's sizes only (the design also has XL)
    measurements = page[page.index('id="sheet-measurements"') :]
    measurements = measurements[: measurements.index("</section>")]
    assert ">S<" in measurements and ">L<" in measurements and ">XL<" not in measurements
    assert "Chest cm" in measurements and "112" in measurements
    # materials: per piece × 10, in the material's unit
    assert "16 m" in words and "90 pcs" in words and "1.6 m" in words
    # the checklist with boxes, the promised date, the colours, the QR code
    assert page.count('class="sheet-box') == 2 + 6
    assert "Buttonholes" in words
    assert "Promised for" in words and "2027" in words
    assert "Madder Red" in words and "#A33B2F" in words
    assert '<svg viewBox="' in page and 'class="sheet-qr__code"' in page
    assert f"/partner/production-runs/{run.pk}/" in words
    assert "sheet.css" in page


def test_the_partner_opens_the_sheet_of_its_own_runs_only(client):
    run, member, _admin = sheet_run()
    other = MemberFactory()

    mine = as_member(member).get(f"/partner/production-runs/{run.pk}/sheet/")
    theirs = as_member(other).get(f"/partner/production-runs/{run.pk}/sheet/")
    unknown = as_member(member).get("/partner/production-runs/run_nothing/sheet/")

    assert mine.status_code == 200
    assert 'data-matrix-total="10"' in mine.content.decode()
    assert theirs.status_code == 404
    assert run.reference not in theirs.content.decode()
    assert unknown.status_code == 404


def test_both_run_pages_have_a_print_button(console):
    run, member, _admin = sheet_run()

    admin_page = console.get(f"/admin/production-runs/{run.pk}/").content.decode()
    partner_page = as_member(member).get(f"/partner/production-runs/{run.pk}/").content.decode()

    assert f'href="/admin/production-runs/{run.pk}/sheet/"' in admin_page
    assert f'href="/partner/production-runs/{run.pk}/sheet/"' in partner_page


def test_the_sheet_of_an_unknown_run_is_404(console):
    assert console.get("/admin/production-runs/run_nothing/sheet/").status_code == 404


def test_the_qr_code_holds_the_portal_address_from_site_url(settings):
    from loomworks.web.job_sheet import portal_run_url

    settings.SITE_URL = "https://make.example.com/"

    assert portal_run_url("run_abc") == "https://make.example.com/partner/production-runs/run_abc/"


def test_the_sheet_names_the_files_the_run_was_made_with(console, admin_user):
    from loomworks.core.actors import Actor
    from loomworks.production import services
    from tests.api.partner_support import PDF
    from tests.web.sheet_support import design_file

    run, _member, _admin = sheet_run(files=[("tech-pack.pdf", PDF)])
    # A file added to the design after the run was made is not the run's.
    services.design_files_add(
        design=run.design, actor=Actor.admin(admin_user), files=[design_file("later.pdf", PDF)]
    )

    page = console.get(f"/admin/production-runs/{run.pk}/sheet/").content.decode()
    assert 'id="sheet-files"' in page and "tech-pack.pdf" in page and "Tech pack" in page
    assert "later.pdf" not in page
