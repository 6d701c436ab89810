"""`loomworks backup` and `loomworks restore`: the database and the media in one archive.

An archive is a gzipped tar holding `manifest.json` (what it is and where it
came from), the database (`database.sqlite3`, a copy taken with SQLite's
online backup API, consistent while the app keeps running; or
`database.pgdump`, pg_dump's custom format, consistent as one snapshot) and
`media/` (the uploads under MEDIA_ROOT).

Restoring replaces the database's contents and the media with the archive's.
Stop the web processes and workers first (docs/operations/backups.md); the
database engine must be the one the archive was taken from.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from loomworks import __version__

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass
class Summary:
    path: Path
    engine: str
    database_bytes: int
    media_files: int


def _say(progress, message: str) -> None:
    if progress:
        progress(message)


def _engine() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups handle SQLite and PostgreSQL, not {vendor}.")
    return vendor


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.BACKUP_DIR) / f"loomworks-{stamp}.tar.gz"


def _pg_env() -> dict:
    """libpq's environment variables for the configured database (no password on argv)."""
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed. Install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client), the same major version as the server "
            "or newer."
        )
    return path


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed:\n{done.stderr.strip()}")


def _dump_database(engine: str, target: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if engine == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], "pg_dump")


def _applied_migrations() -> int:
    from django.db.migrations.recorder import MigrationRecorder

    return len(MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations())


def backup(to: Path | None = None, *, progress: Callable[[str], None] | None = None) -> Summary:
    """Write an archive of the database and MEDIA_ROOT to `to` (default under BACKUP_DIR)."""
    engine = _engine()
    path = Path(to) if to else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="loomworks-backup-", dir=path.parent) as work:
        work = Path(work)
        database_file = work / (SQLITE_NAME if engine == "sqlite" else PG_NAME)
        _say(progress, f"Copying the {engine} database…")
        _dump_database(engine, database_file)
        media = (
            sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []
        )
        manifest = {
            "format": FORMAT,
            "loomworks": __version__,
            "created_at": datetime.now(UTC).isoformat(),
            "engine": engine,
            "database_file": database_file.name,
            "migrations_applied": _applied_migrations(),
            "media_files": len(media),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = path.with_name(path.name + ".partial")
        _say(progress, f"Writing {path} ({len(media)} media files)…")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / "manifest.json", arcname="manifest.json")
            archive.add(database_file, arcname=database_file.name)
            if media_root.exists():
                archive.add(media_root, arcname="media", recursive=False)
            for number, file in enumerate(media, 1):
                archive.add(file, arcname=f"media/{file.relative_to(media_root).as_posix()}")
                if number % 500 == 0:
                    _say(progress, f"  {number}/{len(media)} media files")
        partial.replace(path)  # only a complete archive carries the final name
        database_bytes = database_file.stat().st_size
    _say(progress, f"Backup written: {path}")
    return Summary(path, engine, database_bytes, len(media))


def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile("manifest.json")
            if member is None:
                raise KeyError("manifest.json")
            return json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a Loomworks backup ({error}).") from error


def restore(archive_path: Path, *, progress: Callable[[str], None] | None = None) -> Summary:
    """Replace the database's contents and MEDIA_ROOT with the archive's."""
    archive_path = Path(archive_path)
    manifest = read_manifest(archive_path)
    engine = _engine()
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This backup has format {manifest.get('format')}; expected {FORMAT}.")
    if manifest["engine"] != engine:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database and DATABASE_URL names a "
            f"{engine} one. Restore it into a {manifest['engine']} database, or move the data "
            "with `loomworks manage dumpdata` / `loaddata`."
        )
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="loomworks-restore-") as work:
        work = Path(work)
        _say(progress, f"Reading {archive_path}…")
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(work, filter="data")
        database_file = work / manifest["database_file"]
        connections.close_all()  # no connection of ours may hold the old database open
        _say(progress, f"Restoring the {engine} database…")
        if engine == "sqlite":
            source = sqlite3.connect(database_file)
            target = sqlite3.connect(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
            try:
                with target:
                    source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            _run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    f"--dbname={_pg_env().get('PGDATABASE', '')}",
                    str(database_file),
                ],
                "pg_restore",
            )
        database_bytes = database_file.stat().st_size
        restored_media = work / "media"
        count = _count_files(restored_media)
        _say(progress, f"Restoring {count} media files into {media_root}…")
        _replace_media(restored_media, media_root)
    _say(progress, "Restore finished.")
    return Summary(archive_path, engine, database_bytes, count)


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def _replace_media(source: Path, media_root: Path) -> None:
    """Put the archive's media in place of MEDIA_ROOT's contents (the folder itself stays)."""
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.exists():
        for child in source.iterdir():
            shutil.move(str(child), media_root / child.name)
