"""With DEBUG off, a server error is answered with the API's JSON under /api/ and a page
elsewhere, each quoting the request id that its log line carries (the logging, mail and
Sentry set-up itself is tested in tests/ops/test_error_reports.py)."""

import logging

import pytest
from django.test import Client
from django.urls import path

from loomworks.urls import urlpatterns as site


def boom(request):
    raise RuntimeError("the loom jammed")


urlpatterns = [path("api/boom", boom), path("boom", boom), *site]
handler500 = "loomworks.web.error_pages.server_error"

pytestmark = [pytest.mark.urls("tests.test_error_reporting"), pytest.mark.django_db]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def console_line(record: logging.LogRecord) -> str:
    [handler] = [h for h in logging.getLogger("django").handlers if h.name == "console"]
    return handler.format(record)


def test_an_api_error_is_logged_with_its_request_id_and_answered_in_json(production, caplog):
    response = production.get("/api/boom")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    body = response.json()
    assert body["code"] == "server_error"
    assert request_id in body["detail"]
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert record.exc_info and "the loom jammed" in str(record.exc_info[1])
    assert record.request_id == request_id
    assert f"[{request_id}]" in console_line(record)


def test_a_page_error_shows_a_page_quoting_the_request_id(production, caplog):
    response = production.get("/boom", HTTP_X_REQUEST_ID="probe-0123456789")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "probe-0123456789"
    assert "probe-0123456789" in response.content.decode()
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == [
        "probe-0123456789"
    ]


def test_a_request_id_that_is_not_a_short_token_is_replaced(client):
    response = client.get("/login", HTTP_X_REQUEST_ID="<script>")

    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32
