"""Pages use the fonts the device has: no web font is fetched, and Devanagari has faces to use."""

import re
from pathlib import Path

import pytest
from django.test import Client

import loomworks

STATIC = Path(loomworks.__file__).resolve().parent / "web" / "static" / "loomworks"
TEMPLATES = Path(loomworks.__file__).resolve().parent
STYLESHEETS = sorted(STATIC.glob("*.css"))
DEVANAGARI_FACES = ('"Noto Sans Devanagari"', '"Nirmala UI"', '"Mangal"')


def test_there_are_stylesheets_to_check():
    assert {path.name for path in STYLESHEETS} >= {"app.css", "portal.css", "console.css"}


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda path: path.name)
def test_no_stylesheet_fetches_anything(path):
    css = path.read_text(encoding="utf-8")
    assert "@import" not in css
    assert "@font-face" not in css
    assert re.findall(r"url\(", css) == []


def test_the_font_stack_has_devanagari_faces_of_every_platform():
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    [stack] = re.findall(r"--font:\s*([^;]+);", css)
    for face in DEVANAGARI_FACES:
        assert face in stack, face
    assert stack.strip().endswith("sans-serif")


def test_no_template_links_a_font_service():
    for template in TEMPLATES.rglob("templates/**/*.html"):
        html = template.read_text(encoding="utf-8")
        for host in ("fonts.googleapis", "fonts.gstatic", "typekit", "fonts.bunny"):
            assert host not in html, (template, host)


@pytest.mark.django_db
def test_a_hindi_page_links_only_our_own_stylesheets(workshop):
    client = Client()
    client.force_login(workshop.user)
    html = client.get("/partner/", HTTP_ACCEPT_LANGUAGE="hi").content.decode()
    assert '<html lang="hi">' in html
    links = re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert links and all(not href.startswith(("http:", "https:", "//")) for href in links), links
