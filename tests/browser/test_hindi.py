"""A workshop that reads Hindi, on a 390 px phone: the whole partner journey, in Hindi only.

Real Chromium (a Hindi-speaking browser, hi-IN) against the live server. Meena
logs in, accepts a new run with a promised date, starts it, ticks a checklist
item, comments, uploads a photo and hands the run over. On every screen:

- no English is visible outside user data: the page's visible text, its
  placeholders and labels, are compared with every English message id of the
  catalogue, and what is left once the user data is taken out has no English
  word at all;
- the page fits the phone (no horizontal scrolling);
- Devanagari is drawn with a font the device has (fonts-noto-core in CI);
- nothing is fetched from another host (no web fonts).

Screenshots go to test-artifacts/ (the README's are copied into docs/screenshots/).
"""

import datetime
import io
import os
import re

import pytest
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import expect

from loomworks.accounts.models import User
from loomworks.accounts.passwords import set_password_url
from loomworks.catalog.models import DesignColor, DesignMaterial, DesignSizeSet
from loomworks.core.actors import Actor
from loomworks.production import services
from loomworks.production.models import MediaFile, ProductionRun
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, log_in
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DesignFactory,
    MaterialFactory,
    MemberFactory,
    TemplateFactory,
)
from tests.i18n.po import read
from tests.i18n.test_catalogues import KEPT_AS_IS, PLACEHOLDER, ZONE, catalogue

pytestmark = pytest.mark.django_db(transaction=True)

# Latin words a Hindi page may show: product and format names, units, the
# date input's own digits, and the run reference's prefix.
ALLOWED_LATIN = KEPT_AS_IS | {"PR", "m", "cm", "CM", "mm", "MM", "PNG", "JPEG", "WebP", "GIF"}
TAG = re.compile(r"<[^>]+>")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), (47, 93, 80)).save(buffer, format="PNG")
    return buffer.getvalue()


def english_fragments() -> list[str]:
    """What the English message ids say, cut at their placeholders and tags, each with a word."""
    fragments = set()
    for entry in read(catalogue("hi"))[1:]:
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in re.split(f"{PLACEHOLDER.pattern}|{TAG.pattern}", msgid):
                piece = piece.strip(" .,:;!?…“”\"'()·×→–-\n")
                words = set(re.findall(r"[A-Za-z]{2,}", piece))
                if words - ALLOWED_LATIN:
                    fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


ENGLISH = english_fragments()


class Scene:
    """A workshop in Jaipur whose people read Hindi, and a new run sent to it."""

    def __init__(self):
        self.admin = Actor.admin(AdminFactory(first_name="माया", last_name="वर्मा"))
        self.member = MemberFactory(
            partner__name="जयपुर प्रिंट्स", user__first_name="मीना", user__last_name="शर्मा"
        )
        User.objects.filter(pk=self.member.user.pk).update(language="hi")
        self.partner = self.member.partner
        design = DesignFactory(
            name="लिनन कुर्ता",
            description="धुले लिनन का ढीला कुर्ता।",
            details=False,
            thumbnail_url="/static/loomworks/demo/linen-shirt.svg",
        )
        DesignColor.objects.create(design=design, name="रेतीला", hex_code="#D8C7A6")
        DesignSizeSet.objects.create(design=design, size_label="M", measurements={"छाती": 102})
        DesignMaterial.objects.create(
            design=design,
            material=MaterialFactory(name="लिनन कपड़ा"),
            name="लिनन",
            planned_quantity="1.5",
            unit="m",
        )
        template = TemplateFactory(
            name="कटिंग",
            description="नमूने के हिसाब से काटें।",
            checklist=["कपड़ा नमूने से मिलाएँ", "पैनल काटें"],
        )
        run = services.run_create(
            design=design,
            actor=self.admin,
            quantity=40,
            partner=self.partner,
            role="कटिंग",
            due_date=timezone.localdate() + datetime.timedelta(days=14),
        )
        run = services.run_approve(run=run, actor=self.admin).run
        self.run = services.run_dispatch(run=run, template_ids=[template.pk], actor=self.admin).run
        # What the brand and the workshop typed: shown as typed, in any script.
        self.user_data = [self.run.reference, self.member.user.email, "M", "#D8C7A6"]


@pytest.fixture(scope="module")
def hindi_browser(browser):
    """Chromium as on a phone set to Hindi: its own controls (the date field, the
    file picker) speak Hindi too — Debian's chromium-l10n has the words."""
    instance = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--lang=hi"],
        env={**os.environ, "LANGUAGE": "hi", "LANG": "hi_IN.UTF-8"},
    )
    yield instance
    instance.close()


@pytest.fixture
def hindi_phone(hindi_browser, live_server, events_dispatcher):
    """A phone whose browser asks for Hindi, watched for requests to other hosts."""
    context = hindi_browser.new_context(viewport=PHONE, locale="hi-IN", device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.external_requests = []
    page.on(
        "request",
        lambda req: (
            None
            if req.url.startswith(("http://localhost", "http://127.0.0.1", "data:", "blob:"))
            else page.external_requests.append(req.url)
        ),
    )
    yield page
    context.close()


def visible_text(page) -> str:
    """What a person reads: the rendered text, and the placeholders and labels of fields."""
    return page.evaluate(
        """() => [document.body.innerText,
                  ...[...document.querySelectorAll('[placeholder]')].map(e => e.placeholder),
                  ...[...document.querySelectorAll('input[type=submit], input[type=button]')]
                      .map(e => e.value)].join('\\n')"""
    )


# The language picker names each language in its own words ("English", "Français").
OWN_NAMES = [
    translation.get_language_info(code)["name_local"].capitalize() for code in ("en", "fr", "pt")
]


def assert_only_hindi(page, scene: Scene, where: str) -> None:
    text = visible_text(page)
    for value in [*scene.user_data, *OWN_NAMES]:
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    english = [fragment for fragment in ENGLISH if re.search(rf"\b{re.escape(fragment)}\b", text)]
    assert english == [], f"{where}: English on screen: {english}"
    latin = set(re.findall(r"[A-Za-z]+", ZONE.sub(" ", text))) - ALLOWED_LATIN
    assert latin == set(), f"{where}: Latin words on screen: {sorted(latin)}"
    assert re.search(r"[\u0900-\u097f]", text), f"{where}: no Devanagari at all"


def assert_fits(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where}: the page is {width} px wide"


def check(page, scene: Scene, where: str) -> None:
    assert_only_hindi(page, scene, where)
    assert_fits(page, where)


def test_a_hindi_workshop_walks_the_whole_journey_on_a_phone(hindi_phone, live_server, artifacts):
    page = hindi_phone
    scene = Scene()
    run = scene.run

    page.goto(f"{live_server.url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    check(page, scene, "login")
    page.screenshot(path=str(artifacts / "hi-login-phone.png"))
    log_in(page, live_server, scene.member.user.email, PASSWORD)
    assert page.url.endswith("/partner/")
    expect(page.get_by_text("आपकी पिछली विज़िट के बाद आपको 1 बैच भेजा गया।")).to_be_visible()
    check(page, scene, "my runs")
    # Devanagari is drawn with a Devanagari face the device has.
    fonts = page.evaluate(
        "async () => { await document.fonts.ready;"
        " return document.fonts.check('16px \"Noto Sans Devanagari\"', 'बैच'); }"
    )
    assert fonts, "no Devanagari font on this device: install fonts-noto-core"
    page.screenshot(path=str(artifacts / "hi-portal-runs-phone.png"))

    page.locator(".run-card", has_text=run.reference).click()
    page.wait_for_url(f"**/partner/production-runs/{run.pk}/")
    check(page, scene, "a new run")

    # Accept, with the date we promise.
    page.locator("#next-step summary", has_text="बैच स्वीकार करें").click()
    promised = timezone.localdate() + datetime.timedelta(days=10)
    page.fill("#id_promised_date", promised.isoformat())
    check(page, scene, "accepting")
    page.screenshot(path=str(artifacts / "hi-portal-accept-phone.png"))
    page.get_by_role("button", name=f"हाँ, {run.reference} स्वीकार करें").click()
    expect(page.locator(".flash__item--success")).to_contain_text(
        f"आपने {run.reference} स्वीकार किया।"
    )
    run.refresh_from_db()
    assert (run.status, run.promised_date) == ("in_progress", promised)
    check(page, scene, "accepted")

    page.get_by_role("button", name="काम शुरू करें").click()
    expect(page.locator(".flash__item--success")).to_contain_text("शुरू हो गया")
    check(page, scene, "started")

    # Tick the first checklist item.
    boxes = page.locator('button.check[aria-checked="false"]')
    boxes.first.click()
    expect(page.locator("#run-progress")).to_contain_text("2 में से 1 चेकलिस्ट आइटम पर टिक")
    check(page, scene, "ticked")

    # A comment to the brand.
    task = page.locator("article.task").first
    question = "XL साइज़ के लिए कौन-सा मार्कर लें?"
    scene.user_data.append(question)
    task.locator("textarea[name=body]").fill(question)
    task.get_by_role("button", name="भेजें").click()
    expect(page.locator(".comment__body", has_text="कौन-सा मार्कर")).to_be_visible()
    check(page, scene, "commented")

    # A photo of the work.
    page.set_input_files(
        "#id_files", files=[{"name": "bundles.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="अपलोड करें").click()
    expect(page.locator(".flash__item--success")).to_contain_text("1 फ़ाइल जोड़ी गई")
    assert MediaFile.objects.filter(run=run).count() == 1
    scene.user_data.append("bundles.png")
    check(page, scene, "uploaded")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "hi-portal-run-phone.png"))

    # Hand over everything: the last delivery.
    page.locator("#next-step a", has_text="सौंपें").click()
    form = page.locator("#hand-over form")
    form.locator("#id_good").fill("40")
    form.locator("summary", has_text="सौंपें: यह आख़िरी डिलीवरी है").click()
    check(page, scene, "handing over")
    page.locator("#hand-over").screenshot(path=str(artifacts / "hi-portal-hand-over-phone.png"))
    form.get_by_role("button", name=f"हाँ, {run.reference} सौंपें").click()
    expect(page.locator(".run-head .status")).to_contain_text("पूरा हुआ")
    run = ProductionRun.objects.get(pk=run.pk)
    assert (run.status, run.produced_quantity) == ("completed", 40)
    check(page, scene, "handed over")
    page.screenshot(path=str(artifacts / "hi-portal-handed-over-phone.png"), full_page=True)

    # Notices and the language picker speak Hindi too.
    page.goto(f"{live_server.url}/partner/notifications/")
    check(page, scene, "notices")

    assert page.external_requests == []


def test_the_pages_before_logging_in_speak_hindi_and_fit_the_phone(
    hindi_phone, live_server, settings, artifacts
):
    """Invitation, forgotten password and a used link: read before any choice, from the browser."""
    page = hindi_phone
    scene = Scene()
    settings.SITE_URL = live_server.url
    invite = set_password_url(scene.member.user)

    page.goto(invite)
    expect(page.get_by_role("heading", name="अपना पासवर्ड चुनें")).to_be_visible()
    check(page, scene, "set your password")
    page.screenshot(path=str(artifacts / "hi-set-password-phone.png"))

    page.goto(f"{live_server.url}/password-reset")
    expect(page.get_by_role("button", name="मुझे लिंक भेजें")).to_be_visible()
    check(page, scene, "forgot your password")

    page.goto(f"{live_server.url}/invite/MQ/not-a-token/")
    expect(page.get_by_text("यह लिंक अब काम नहीं करता")).to_be_visible()
    check(page, scene, "a link that no longer works")
    assert page.external_requests == []
