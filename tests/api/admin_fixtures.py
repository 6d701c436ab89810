"""Fixtures for the admin API tests: HTTP clients that call as an admin, a partner, or nobody.

Test modules take them with `from tests.api.admin_fixtures import *`.
"""

import pytest

from loomworks.accounts.services import token_issue

__all__ = ["Api", "admin_api", "anonymous_api", "partner_api"]


class Api:
    """A JSON client for `/api/...`; paths without `/api` in front are under `/api/admin`."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else f"/api/admin{path}"

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(self._url(path), params or {}, **self._headers())

    def _send(self, method: str, path: str, body):
        # No body at all (as `curl -X POST` sends) unless one is given.
        data = "" if body is None else body
        send = getattr(self.client, method)
        return send(self._url(path), data, content_type="application/json", **self._headers())

    def post(self, path: str, body=None):
        return self._send("post", path, body)

    def patch(self, path: str, body=None):
        return self._send("patch", path, body)

    def put(self, path: str, body=None):
        return self._send("put", path, body)

    def delete(self, path: str, body=None):
        return self.client.delete(self._url(path), **self._headers())


@pytest.fixture
def admin_api(client, admin_user):
    return Api(client, token_issue(user=admin_user))


@pytest.fixture
def partner_api(client, workshop):
    return Api(client, token_issue(user=workshop.user))


@pytest.fixture
def anonymous_api(client):
    return Api(client)
