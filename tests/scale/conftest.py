"""Real Celery workers against the test database and a real Redis.

The tests here start `loomworks worker` processes (python -m loomworks.cli
worker) that connect to the test database pytest-django created, so they only
run on PostgreSQL (`LOOMWORKS_TEST_DATABASE_URL`) with a Redis to use as
broker (`LOOMWORKS_TEST_REDIS_URL`, a database of its own: it is emptied).
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LOOMWORKS_TEST_REDIS_URL", "")
DATABASE_URL = os.environ.get("LOOMWORKS_TEST_DATABASE_URL", "")

needs_workers = [
    pytest.mark.celery,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith("postgres") and REDIS_URL),
        reason="needs PostgreSQL and Redis: set LOOMWORKS_TEST_DATABASE_URL (postgres://…) "
        "and LOOMWORKS_TEST_REDIS_URL (redis://…/<db>)",
    ),
]


def wait_for(condition, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def worker_database_url() -> str:
    """LOOMWORKS_TEST_DATABASE_URL pointed at the database pytest-django made."""
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path
    env: dict = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def is_ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited early:\n{self.output()[-3000:]}")
        return " ready." in self.output()

    def kill(self) -> None:
        """SIGKILL the worker and every process it started (its own process group)."""
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def broker(settings):
    """The test Redis, emptied, as the broker of this process's Celery app."""
    import redis

    from loomworks.celery import app

    client = redis.Redis.from_url(REDIS_URL)
    if (client.connection_pool.connection_kwargs.get("db") or 0) == 0:
        pytest.fail("LOOMWORKS_TEST_REDIS_URL must name a Redis database other than 0")
    client.flushdb()
    app.conf.broker_url = REDIS_URL
    settings.EVENTS_BACKEND = "celery"
    yield app
    client.flushdb()


@pytest.fixture
def start_worker(transactional_db, broker, tmp_path):
    """Start `loomworks worker` processes on the test database; all are stopped afterwards."""
    started: list[Worker] = []

    def start(name: str, *, concurrency: int = 1, **env) -> Worker:
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "loomworks.settings",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "EVENTS_BACKEND": "celery",
            "SECRET_KEY": "loomworks-tests-only-not-secret",
            "LOOMWORKS_VAR_DIR": str(tmp_path / name),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "CELERY_IMPORTS": "tests.scale.probe",
            **{key: str(value) for key, value in env.items()},
        }
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "loomworks.cli", "worker"),
                *("--concurrency", str(concurrency), "--hostname", f"{name}@%h"),
            ],
            cwd=ROOT,
            env=worker_env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes its children too
        )
        worker = Worker(name=name, process=process, log=log, env=worker_env)
        started.append(worker)
        return worker

    def start_all(*names: str, **env) -> list[Worker]:
        workers = [start(name, **env) for name in names]
        for worker in workers:
            wait_for(worker.is_ready, timeout=60, interval=0.2, what=f"worker {worker.name}")
        return workers

    yield start_all
    for worker in started:
        worker.stop()
    _wait_for_worker_connections_to_close()


def _wait_for_worker_connections_to_close() -> None:
    """The test database is flushed and dropped next: no worker session may linger."""

    def others() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    with contextlib.suppress(AssertionError):  # the flush will say so if it matters
        wait_for(lambda: others() == 0, timeout=15, what="worker database sessions to end")
