"""`loomworks backup` / `restore`: a round trip gives back the same data and media.

Runs on the suite's database: SQLite by default, PostgreSQL (pg_dump and
pg_restore) with LOOMWORKS_TEST_DATABASE_URL.
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from loomworks.ops import backup
from loomworks.production import services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "runs" / "photos").mkdir(parents=True)
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _pg_tools():
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (Debian: postgresql-client)")


def everything() -> dict:
    """Every row of every Loomworks table (and the users), in a comparable form."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {"contenttypes", "sessions", "admin"}:
            continue
        rows[model._meta.label] = [
            {key: str(value) for key, value in row.items()}
            for row in model.objects.order_by("pk").values()
        ]
    return rows


def files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def production_data(transactional_db, make_run, workshop, admin, drained, media_root):
    """Runs in several states with their tasks, history, events and a photo."""
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    make_run("sent_to_partner", partner=workshop.partner)
    make_run("pending_review")
    services.run_start(run=run, actor=workshop.actor)
    drained()
    (media_root / "runs" / "photos" / "front.jpg").write_bytes(b"\xff\xd8 a photo \xff\xd9")
    (media_root / "notes.txt").write_text("cutting notes")
    return run


def test_a_round_trip_gives_back_the_same_rows_and_media(
    production_data, make_run, admin, tmp_path, media_root
):
    before_rows, before_files = everything(), files(media_root)
    assert sum(len(rows) for rows in before_rows.values()) > 20

    lines: list[str] = []
    summary = backup.backup(tmp_path / "backups" / "nightly.tar.gz", progress=lines.append)
    assert summary.path.exists() and summary.media_files == 2
    assert any("Backup written" in line for line in lines)

    # Life goes on after the backup: a cancellation, a new run, photos come and go.
    services.run_cancel(run=production_data, actor=admin, reason="changed our mind")
    make_run("pending_review")
    (media_root / "runs" / "photos" / "front.jpg").unlink()
    (media_root / "late.jpg").write_bytes(b"later")
    assert everything() != before_rows

    backup.restore(summary.path)

    assert everything() == before_rows
    assert files(media_root) == before_files


def test_an_archive_says_what_it_holds(production_data, tmp_path):
    summary = backup.backup(tmp_path / "b.tar.gz")
    with tarfile.open(summary.path) as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())
    assert manifest["engine"] == connection.vendor
    assert manifest["database_file"] in names
    assert "media/runs/photos/front.jpg" in names
    assert manifest["media_files"] == 2
    assert manifest["migrations_applied"] > 30


def test_a_file_that_is_no_backup_is_refused_and_nothing_changes(transactional_db, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(backup.BackupError, match="is not a Loomworks backup"):
        backup.restore(bogus)


def test_a_backup_of_another_engine_is_refused(production_data, tmp_path):
    summary = backup.backup(tmp_path / "b.tar.gz")
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(summary.path) as source, tarfile.open(forged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data.read())
                manifest["engine"] = other
                payload = json.dumps(manifest).encode()
                member.size = len(payload)
                data = io.BytesIO(payload)
            target.addfile(member, data)
    with pytest.raises(backup.BackupError, match=f"backup is of a {other} database"):
        backup.restore(forged)


def test_the_commands_back_up_and_restore_a_sqlite_installation(tmp_path):
    """`loomworks backup` and `restore --yes` end to end, on a fresh SQLite installation."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "PYTHONPATH": str(ROOT / "src"),
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOOMWORKS_VAR_DIR": str(tmp_path / "var"),
    }

    def loomworks(*args):
        done = subprocess.run(
            [sys.executable, "-m", "loomworks.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    loomworks("createadmin", "--email", "first@brand.test", "--password", "first-password")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.txt").write_text("kept")
    out = loomworks("backup", "--to", str(tmp_path / "one.tar.gz"))
    assert "1 media files in" in out

    loomworks("createadmin", "--email", "second@brand.test", "--password", "second-password")
    (tmp_path / "media" / "a.txt").unlink()
    out = loomworks("restore", str(tmp_path / "one.tar.gz"), "--yes")
    assert "REPLACES the database" in out and "Restore finished." in out

    emails = loomworks(
        "manage",
        "shell",
        "-c",
        "from loomworks.accounts.models import User; print(sorted(User.objects.values_list('email', flat=True)))",
    )
    assert emails.strip().splitlines()[-1] == "['first@brand.test']"
    assert (tmp_path / "media" / "a.txt").read_text() == "kept"
