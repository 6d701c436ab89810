"""The French, Portuguese and Hindi catalogues: complete, consistent, compiled and current.

The app reads only the compiled .mo files (no gettext tools at run time), so
these tests make sure each .mo says exactly what its .po says, that nothing is
left untranslated or fuzzy, and, where xgettext is installed, that no marked
string is missing from the catalogues (`make messages` was run).
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import loomworks
from tests.i18n.po import read

PACKAGE = Path(loomworks.__file__).resolve().parent
LANGUAGES = ("fr", "pt", "hi")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
TAG = re.compile(r"</?(\w+)")


def catalogue(language: str) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"


def entries(language: str):
    return read(catalogue(language))[1:]  # the header first


def describe(entry) -> str:
    return f"{entry.msgid!r} ({', '.join(entry.references[:2])})"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    found = entries(language)
    assert len(found) > 800
    untranslated = [describe(e) for e in found if not e.translated]
    fuzzy = [describe(e) for e in found if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_partner_portal_and_its_emails_are_covered(language):
    """What partners read comes from these files; each has strings in the catalogue."""
    covered = set().union(*(e.files() for e in entries(language) if e.translated))
    for source in (
        "web/templates/portal/run.html",
        "web/templates/portal/_action.html",
        "web/templates/portal/runs.html",
        "web/templates/portal/notifications.html",
        "web/portal/views.py",
        "web/portal/forms.py",
        "web/portal/pages.py",
        "notifications/templates/notifications/email/invitation.txt",
        "notifications/templates/notifications/email/run_sent.txt",
        "notifications/summaries.py",
        "web/templates/web/login.html",
        "web/templates/web/set_password.html",
        "production/states.py",
        "production/services/lifecycle.py",
        "work/states.py",
    ):
        assert source in covered, source


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(language):
    for entry in entries(language):
        sources = [entry.msgid, entry.msgid_plural or entry.msgid]
        translations = (
            [entry.msgstr] if entry.msgid_plural is None else list(entry.msgstr_plural.values())
        )
        want = set(PLACEHOLDER.findall("".join(sources)))
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) == want, describe(entry)
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(entry.msgid)), describe(entry)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language):
    po = catalogue(language)
    mo = po.with_suffix(".mo")
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {"": None}
    for entry in entries(language):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr
        else:
            for index, text in entry.msgstr_plural.items():
                expected[(key, index)] = text
    compiled.pop("", None)
    expected.pop("")
    assert compiled == expected, "run `make messages`: the .mo is older than the .po"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (Debian's gettext)")
def test_no_marked_string_is_missing_from_the_catalogues(tmp_path):
    """Extract again into a copy (as `make messages` does) and compare with what is committed."""
    copy = tmp_path / "loomworks"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    (tmp_path / "extract_settings.py").write_text(
        f"from loomworks.settings import *  # noqa\nLOCALE_PATHS = [{str(copy / 'locale')!r}]\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{tmp_path}:{PACKAGE.parent}",
        "DJANGO_SETTINGS_MODULE": "extract_settings",
        "SECRET_KEY": "extract",
        "LOOMWORKS_VAR_DIR": str(tmp_path / "var"),
    }
    django_admin = [sys.executable, "-m", "django"]
    subprocess.run(
        [
            *django_admin,
            "makemessages",
            *(f"--locale={code}" for code in LANGUAGES),
            "--no-obsolete",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    for language in LANGUAGES:
        fresh = read(copy / "locale" / language / "LC_MESSAGES" / "django.po")[1:]
        committed = {e.key for e in entries(language)}
        missing = sorted(describe(e) for e in fresh if e.key not in committed)
        stale = sorted(str(key) for key in committed - {e.key for e in fresh})
        assert missing == [], "marked but not in the catalogue: run `make messages`"
        assert stale == [], "in the catalogue but no longer marked: run `make messages`"


# Words a Hindi reader sees as they are: names of products and standards.
KEPT_AS_IS = {
    "Loomworks", "WhatsApp", "SKU", "URL", "API", "ms", "JSON", "PDF", "CSRF", "NUL",
    "CSV", "Excel", "XLSX",  # file formats, named as the file menus name them
}  # fmt: skip
DEVANAGARI = re.compile(r"[\u0900-\u097f]")
ZONE = re.compile(r"\b[A-Z][A-Za-z_]+/[A-Z][A-Za-z_]+\b")  # an IANA time zone, like Asia/Kolkata


def test_hindi_never_falls_back_to_english():
    """A Hindi text either has Devanagari in it or is only names, numbers and placeholders."""
    english = []
    for entry in entries("hi"):
        texts = [entry.msgstr] if entry.msgid_plural is None else entry.msgstr_plural.values()
        for text in texts:
            if DEVANAGARI.search(text):
                continue
            words = set(re.findall(r"[A-Za-z]+", ZONE.sub("", PLACEHOLDER.sub("", text))))
            if words - KEPT_AS_IS:
                english.append(describe(entry))
    assert english == []


def test_hindi_plurals_follow_cldr():
    """Hindi says "0 पीस" and "1 पीस" alike (CLDR: one is 0 and 1), "2 पीस" the other form."""
    header = read(catalogue("hi"))[0].msgstr
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header
    with catalogue("hi").with_suffix(".mo").open("rb") as handle:
        hindi = gettext.GNUTranslations(handle)
    assert hindi.ngettext("%(count)d hour", "%(count)d hours", 0) == "%(count)d घंटा"
    assert hindi.ngettext("%(count)d hour", "%(count)d hours", 1) == "%(count)d घंटा"
    assert hindi.ngettext("%(count)d hour", "%(count)d hours", 2) == "%(count)d घंटे"
