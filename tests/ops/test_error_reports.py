"""Unhandled errors are never silent: logged with traceback and request id, mailed, sent to Sentry.

Before, with DEBUG off, only Django's admin mail handler saw a server error
(and ADMINS could not be set), so a 500 left no trace anywhere.
"""

import http.server
import json
import os
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
from django.core import mail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(
    failing_client, console_log, settings
):
    settings.DEBUG = False
    response = failing_client.get("/boom/")
    logged = console_log.getvalue()
    assert response.status_code == 500
    assert (
        f"ERROR django.request [{response['X-Request-ID']}] Internal Server Error: /boom/" in logged
    )
    assert "Traceback (most recent call last)" in logged
    assert "ZeroDivisionError: the view divided by zero" in logged


def test_admins_are_mailed_the_error_with_its_request_id(failing_client, settings):
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@brand.test")]
    response = failing_client.get("/boom/")
    (message,) = mail.outbox
    assert message.to == ["ops@brand.test"]
    assert "Internal Server Error: /boom/" in message.subject
    assert f"Request id: {response['X-Request-ID']}" in message.body
    assert "ZeroDivisionError" in message.body


def _settings_in_a_process(**env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'ADMINS': s.ADMINS, 'SERVER_EMAIL': s.SERVER_EMAIL}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "loomworks.settings",
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": "sqlite:///:memory:",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_admins_and_the_sender_come_from_the_environment():
    read = _settings_in_a_process(
        ADMINS="Ops Team <ops@brand.test>, cto@brand.test", SERVER_EMAIL="errors@brand.test"
    )
    assert read == {
        "ADMINS": [["Ops Team", "ops@brand.test"], ["", "cto@brand.test"]],
        "SERVER_EMAIL": "errors@brand.test",
    }


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_with_sentry_dsn_an_unhandled_error_is_sent_to_sentry_with_its_request_id():
    """A real sentry-sdk in a real process, sending to a stand-in Sentry on this machine."""
    _Collector.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    code = """
import django, sentry_sdk
django.setup()
from django.test import Client
from django.test.utils import override_settings
with override_settings(ROOT_URLCONF="tests.ops.urls", ALLOWED_HOSTS=["testserver"]):
    response = Client(raise_request_exception=False).get("/boom/", headers={"X-Request-ID": "req-sentry-9"})
assert response.status_code == 500, response.status_code
sentry_sdk.flush(timeout=10)
"""
    try:
        subprocess.run(
            [sys.executable, "-c", code],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "loomworks.settings",
                "SECRET_KEY": "x" * 50,
                "DATABASE_URL": "sqlite:///:memory:",
                "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/42",
                "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            },
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        server.shutdown()
    sent = b"\n".join(_Collector.received).decode()
    assert "ZeroDivisionError" in sent
    assert "the view divided by zero" in sent
    assert "req-sentry-9" in sent
