"""`loomworks check`: each check of a deployment, and what it tells the person to do."""

import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from loomworks.ops import deploychecks, readiness

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "Zq3v8KfJ1mP0xL7bR2tY9wN4cH6sD5gA_eU-oI8kT3rV1nM7yB2"


@pytest.fixture
def production(settings, tmp_path):
    """Settings of a well-configured deployment (e-mail through SMTP, set per test)."""
    settings.SECRET_KEY = GOOD_KEY
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["loomworks.example.com"]
    settings.SITE_URL = "https://loomworks.example.com"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.mark.parametrize(
    "key, ok",
    [
        (GOOD_KEY, True),
        (deploychecks.PLACEHOLDER_KEY, False),
        ("short", False),
        ("loomworks-tests-only-not-secret-but-long-enough-to-pass-length", False),
        ("a" * 60, False),
    ],
)
def test_secret_key(production, key, ok):
    production.SECRET_KEY = key
    result = deploychecks.secret_key()
    assert result.ok is ok
    assert ok or "secrets.token_urlsafe" in result.hint


def test_debug_must_be_off(production):
    assert deploychecks.debug().ok
    production.DEBUG = True
    result = deploychecks.debug()
    assert not result.ok and "DEBUG=0" in result.hint


@pytest.mark.parametrize(
    "hosts, ok",
    [
        (["loomworks.example.com"], True),
        (["localhost", "127.0.0.1", "[::1]", "testserver"], False),
        (["*"], False),
    ],
)
def test_allowed_hosts(production, hosts, ok):
    production.ALLOWED_HOSTS = hosts
    result = deploychecks.allowed_hosts()
    assert result.ok is ok
    assert ok or "ALLOWED_HOSTS" in result.hint


@pytest.mark.parametrize(
    "url, ok, says",
    [
        ("https://loomworks.example.com", True, ""),
        ("http://127.0.0.1:8000", False, "this machine"),
        ("https://other.example.com", False, "not in ALLOWED_HOSTS"),
        ("http://loomworks.example.com", False, "not HTTPS"),
        ("loomworks.example.com", False, "not an address"),
    ],
)
def test_site_url(production, url, ok, says):
    production.SITE_URL = url
    result = deploychecks.site_url()
    assert result.ok is ok
    assert says in result.detail


@pytest.mark.django_db
def test_database_and_migrations(production):
    assert readiness.database().ok
    assert readiness.migrations().ok


class _FakeMailServer(socketserver.StreamRequestHandler):
    """Just enough SMTP for a connection check: greet, EHLO, QUIT."""

    def handle(self):
        self.wfile.write(b"220 mail.test ESMTP\r\n")
        for line in self.rfile:
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 mail.test\r\n" if verb in (b"EHLO", b"HELO") else b"250 OK\r\n")


@pytest.fixture
def mail_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _FakeMailServer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2


def test_email_reaches_the_mail_server(production, mail_server):
    _smtp(production, mail_server)
    result = deploychecks.email()
    assert result.ok, result.detail
    assert f"127.0.0.1:{mail_server}" in result.detail


def test_email_says_what_to_check_when_the_server_does_not_answer(production):
    _smtp(production, 1)
    result = deploychecks.email()
    assert not result.ok
    assert "cannot talk to the mail server 127.0.0.1:1" in result.detail
    assert "EMAIL_URL" in result.hint


def test_email_to_the_console_is_a_failure_in_production(production):
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    result = deploychecks.email()
    assert not result.ok and "sends nothing" in result.detail


def test_media_writable(production):
    result = deploychecks.media()
    assert result.ok and "writable" in result.detail


def test_media_under_a_file_is_not_writable(production, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    production.MEDIA_ROOT = blocker / "media"
    result = deploychecks.media()
    assert not result.ok
    assert "cannot write to MEDIA_ROOT" in result.detail


def _loomworks(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loomworks.cli", *args],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY"))},
            "PYTHONPATH": str(ROOT / "src"),
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_command_lists_every_failure_with_what_to_do_and_exits_non_zero(tmp_path):
    done = _loomworks(
        "check",
        env={
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "LOOMWORKS_VAR_DIR": str(tmp_path / "var"),
        },
    )
    out = done.stdout
    assert done.returncode == 1, done.stderr
    assert "[FAIL] SECRET_KEY: not set" in out
    assert "[FAIL] ALLOWED_HOSTS" in out
    assert "[FAIL] SITE_URL" in out
    assert "[FAIL] database: cannot reach the database" in out
    assert "→ Check DATABASE_URL" in out
    assert "[FAIL] migrations: not checked: the database is unreachable" in out
    assert "[FAIL] e-mail" in out
    assert "[ok  ] DEBUG: off" in out
    assert "[ok  ] media" in out
    assert "checks failed" in out


def test_the_command_passes_on_a_deployment_that_is_ready(tmp_path, mail_server):
    env = {
        "SECRET_KEY": GOOD_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLOWED_HOSTS": "loomworks.example.com",
        "SITE_URL": "https://loomworks.example.com",
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_server}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOOMWORKS_VAR_DIR": str(tmp_path / "var"),
    }
    not_migrated = _loomworks("check", env=env)
    assert not_migrated.returncode == 1
    assert "→ Run `loomworks manage migrate`" in not_migrated.stdout

    migrate = _loomworks("manage", "migrate", "--noinput", "-v0", env=env, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    done = _loomworks("check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All 9 checks passed." in done.stdout
