"""The systemd units' commands, started as the units start them, turn /readyz ready.

No systemd here: each unit's ExecStart runs with the environment of
deploy/loomworks.env.example (its EnvironmentFile) and the unit's own
Environment= lines, in the repository (the units' WorkingDirectory). Only the
places change: a database, a Redis database, a port and folders of the test's
own. Then the operations guide's first start: /readyz says the migrations are
missing, `loomworks manage migrate` runs, /readyz turns 200.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("LOOMWORKS_TEST_REDIS_URL", "")
DATABASE_URL = os.environ.get("LOOMWORKS_TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(
        not REDIS_URL,
        reason="the units run Celery: set LOOMWORKS_TEST_REDIS_URL (redis://…/<db>)",
    ),
]


def environment_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip().strip('"')
    return values


def unit(name: str) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


class Service:
    """One unit's ExecStart, run here as systemd would run it."""

    def __init__(self, name: str, env: dict, tmp: Path):
        keys = unit(f"loomworks-{name}.service")
        self.name = name
        self.env = dict(env)
        for runtime in keys.get("RuntimeDirectory", []):
            (tmp / "run" / runtime).mkdir(parents=True)
        for assignment in keys.get("Environment", []):
            key, value = assignment.split("=", 1)
            self.env[key] = value.replace("/run/", f"{tmp}/run/")
        program, *args = keys["ExecStart"][0].split()
        self.command = [str(BIN / Path(program).name), *args]
        self.log = tmp / f"{name}.log"
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,  # WorkingDirectory=/opt/loomworks, the checkout
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.output()[-3000:]}")
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def get(url: str, **headers) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def deploy_database(tmp_path):
    """A database of the test's own: on the test PostgreSQL server, else a SQLite file."""
    if not DATABASE_URL.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'loomworks.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = f"{parts.path.lstrip('/') or 'loomworks'}_deploy"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()


def test_web_worker_and_beat_start_as_the_units_do_and_turn_ready(
    tmp_path, deploy_database, redis_db
):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LOOMWORKS_", "SECRET_KEY", "EVENTS_", "PYTEST"))
    }
    env.update(environment_file(DEPLOY / "loomworks.env.example"))
    env.update(
        {
            "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
            "DATABASE_URL": deploy_database,
            "CELERY_BROKER_URL": redis_db,
            "CELERY_QUEUE": f"loomworks-deploy-{uuid.uuid4().hex[:8]}",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "LOOMWORKS_VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(tmp_path / "var" / "media"),
            "BACKUP_DIR": str(tmp_path / "var" / "backups"),
        }
    )
    env.pop("EMAIL_URL")  # no mail server here: the console backend
    base = f"http://127.0.0.1:{port}"

    services = [Service(name, env, tmp_path) for name in ("web", "worker", "beat")]
    web, worker, beat = services
    try:
        wait_for(
            lambda: web.alive() and get(f"{base}/healthz")[0] == 200,
            timeout=90,
            what="gunicorn to answer /healthz",
        )
        status, body = get(f"{base}/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["migrations"]["ok"] is False

        migrate = subprocess.run(
            [str(BIN / "loomworks"), "manage", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stderr

        status, body = wait_for(
            lambda: web.alive() and (answer := get(f"{base}/readyz"))[0] == 200 and answer,
            timeout=60,
            what="/readyz to turn 200",
        )
        checks = json.loads(body)["checks"]
        assert checks["broker"]["ok"] and checks["migrations"]["ok"] and checks["outbox"]["ok"]

        wait_for(lambda: worker.alive() and " ready." in worker.output(), timeout=90, what="worker")
        wait_for(
            lambda: beat.alive() and "beat: Starting" in beat.output(), timeout=60, what="beat"
        )

        # LOG_FORMAT=json from the environment file: Django's line carries our request id.
        get(
            f"{base}/no-such-page/",
            **{"X-Request-ID": "deploy-probe-1", "Host": "loomworks.example.com"},
        )
        logged = wait_for(
            lambda: [
                json.loads(line)
                for line in web.output().splitlines()
                if line.startswith("{") and "deploy-probe-1" in line
            ],
            timeout=10,
            what="the JSON log line of the request",
        )
        assert len(logged) == 1  # written once
        assert logged[0]["request_id"] == "deploy-probe-1"
        assert logged[0]["logger"] == "django.request"
        booting = [line for line in web.output().splitlines() if "Booting worker" in line]
        assert booting and all(json.loads(line)["logger"] == "gunicorn.error" for line in booting)

        # Prometheus, from this machine, adds up both gunicorn processes' counts.
        status, metrics = get(f"{base}/metrics")
        assert status == 200
        assert (
            b'loomworks_http_requests_total{method="GET",route="<unmatched>",status="404"}'
            in metrics
        )
        assert b"loomworks_outbox_lag_seconds" in metrics
    finally:
        for service in services:
            service.stop()
