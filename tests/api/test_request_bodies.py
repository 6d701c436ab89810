"""Bodies the API cannot or will not read are refused with its JSON error shape, never a 500.

Sizes are checked before the body is parsed; what fails while it is parsed
(no multipart boundary, a file name too long for a part header, too many
files) is a 4xx naming what to change, with DEBUG on or off.
"""

import io
import json

import pytest
from django.test import override_settings

from loomworks.accounts.services import token_issue
from loomworks.production.models import MediaFile, RunHistory
from tests.api.partner_support import PNG, PartnerApi

pytestmark = pytest.mark.django_db


def assert_api_error(response, status: int, code: str):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"detail", "code", "field"}
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.fixture
def uploads(workshop, make_run):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    api = PartnerApi(workshop.user)
    api.client.raise_request_exception = False
    return api, f"/api/partners/production-runs/{run.pk}/media", run


def files(*names):
    handles = []
    for name in names:
        handle = io.BytesIO(PNG)
        handle.name = name
        handles.append(handle)
    return handles


def test_a_12_mb_json_body_is_refused_before_it_is_read_even_anonymously(client, debug):
    client.raise_request_exception = False
    body = json.dumps({"email": "a@example.com", "password": "x" * (12 * 1024 * 1024)})

    response = client.post("/api/auth/token", body, content_type="application/json")

    assert_api_error(response, 413, "too_large")


@override_settings(MEDIA_MAX_UPLOAD_REQUEST_BYTES=64 * 1024)
def test_an_upload_over_the_total_per_request_is_refused_before_it_is_read(uploads, debug):
    api, url, _run = uploads
    big = io.BytesIO(PNG + b"\x00" * (80 * 1024))
    big.name = "big.png"

    response = api.client.post(url, {"files": [big]}, headers=api.headers)

    assert_api_error(response, 413, "too_large")
    assert not MediaFile.objects.exists()


def test_multipart_without_a_boundary_is_a_400(uploads, debug):
    api, url, _run = uploads

    response = api.client.post(
        url, b"--x\r\n", content_type="multipart/form-data", headers=api.headers
    )

    assert_api_error(response, 400, "malformed")


def test_a_1100_character_file_name_is_a_400(uploads, debug):
    api, url, _run = uploads

    response = api.client.post(url, {"files": files("a" * 1100 + ".png")}, headers=api.headers)

    assert_api_error(response, 400, "malformed")
    assert not MediaFile.objects.exists()


def test_more_files_than_allowed_at_once_is_a_400_naming_the_field(uploads, debug, settings):
    api, url, run = uploads
    count = settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1

    response = api.client.post(
        url, {"files": files(*[f"{i}.png" for i in range(count)])}, headers=api.headers
    )

    body = assert_api_error(response, 400, "too_many_files")
    assert body["field"] == "files"
    assert not MediaFile.objects.exists()
    assert not RunHistory.objects.filter(run=run, kind="media_added").exists()


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/partners/no-such-thing")

    assert_api_error(response, 404, "not_found")


def test_errors_of_the_api_carry_the_usual_shape(client):
    response = client.get("/api/auth/me")

    assert_api_error(response, 401, "not_authenticated")


def test_a_query_parameter_given_twice_is_refused_naming_it(client, admin_user):
    """No API parameter is a list: `?q=a&q=b` is ambiguous, so it is a 422, not a guess."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=admin_user)}"}

    response = client.get("/api/admin/designs?q=linen&q=wool", **headers)

    body = assert_api_error(response, 422, "invalid")
    assert body["field"] == "q"
    assert client.get("/api/admin/designs?q=linen", **headers).status_code == 200
