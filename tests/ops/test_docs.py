"""The repository carries its own documentation: the README links only into it, the site builds."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_every_link_of_the_readme_is_a_file_of_the_repository():
    text = (ROOT / "README.md").read_text()
    assert "../shared" not in text
    links = [link for link in LINK.findall(text) if "://" not in link]
    assert links
    for link in links:
        target = (ROOT / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT), f"{link} leaves the repository"
        assert target.exists(), f"README links to {link}, which does not exist"


def test_nothing_in_the_docs_points_outside_the_repository():
    for page in (ROOT / "docs").rglob("*.md"):
        assert "../shared" not in page.read_text(), page


def test_the_documentation_site_builds_without_a_warning(tmp_path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    if not mkdocs.exists() and not shutil.which("mkdocs"):
        pytest.skip("mkdocs is not installed (the docs extra of pyproject.toml)")
    done = subprocess.run(
        [
            str(mkdocs if mkdocs.exists() else "mkdocs"),
            "build",
            "--strict",
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "operations" / "backups" / "index.html").exists()
