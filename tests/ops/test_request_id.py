"""Every request has an id: in the X-Request-ID header and on every log line it causes."""

import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings

from loomworks.core import requestid
from loomworks.ops.logs import logging_config

pytestmark = pytest.mark.django_db


def test_a_response_carries_a_new_request_id(client):
    first = client.get("/login")
    second = client.get("/login")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_callers_request_id_is_kept_when_sane(client):
    response = client.get("/login", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response["X-Request-ID"] == "edge-7f3a.42"


@pytest.mark.parametrize("given", ["two words", "a" * 129, "evil\nline", "ünïcode", ""])
def test_an_unfit_request_id_is_replaced(client, given):
    response = client.get("/login", headers={"X-Request-ID": given})
    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32


def test_a_log_line_written_during_a_request_names_its_id(failing_client, console_log):
    response = failing_client.get("/boom/", headers={"X-Request-ID": "req-123"})
    lines = [line for line in console_log.getvalue().splitlines() if "about to fail" in line]
    assert response.status_code == 500
    assert lines and "[req-123]" in lines[0]


def test_outside_a_request_the_id_is_a_dash(client):
    client.get("/login")
    assert requestid.current() == "-"


@pytest.fixture
def json_logs():
    """Logging configured as with LOG_FORMAT=json, for the length of the test."""
    logging.config.dictConfig(logging_config(fmt="json"))
    yield
    logging.config.dictConfig(django_settings.LOGGING)


def test_json_log_lines_are_objects_with_the_request_id(json_logs, failing_client, console_log):
    failing_client.get("/boom/", headers={"X-Request-ID": "req-json-1"})
    records = [
        json.loads(line) for line in console_log.getvalue().splitlines() if line.startswith("{")
    ]
    info = next(r for r in records if r["message"] == "about to fail")
    error = next(r for r in records if r["logger"] == "django.request")
    assert info["request_id"] == error["request_id"] == "req-json-1"
    assert info["level"] == "INFO" and "time" in info
    assert error["level"] == "ERROR"
    assert "ZeroDivisionError" in error["exc_info"]


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logging_config(fmt="xml")


def test_djangos_line_about_a_refused_request_names_its_id(client, console_log):
    client.get("/no-such-page/", headers={"X-Request-ID": "req-404"})
    assert "WARNING django.request [req-404] Not Found: /no-such-page/" in console_log.getvalue()
