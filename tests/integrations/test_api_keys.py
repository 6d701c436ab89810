"""API keys: shown once, stored hashed, scoped per route, revocable, and what they write
is attributed to them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from loomworks.api.router import api
from loomworks.core.models import AuditEntry
from loomworks.integrations.models import ApiKey
from loomworks.integrations.scopes import ROUTES, SCOPES, scope_for
from loomworks.production.models import RunHistory
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.admin_fixtures import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_for(client, admin_api):
    """Make a key through the API, and a client that calls with it."""

    def make(*scopes, name="Shop sync"):
        response = admin_api.post("/api-keys", {"name": name, "scopes": list(scopes)})
        assert response.status_code == 201, response.json()
        return Api(client, response.json()["key"]), response.json()

    return make


def test_a_key_is_shown_once_and_stored_hashed(admin_api):
    response = admin_api.post("/api-keys", {"name": "Shop sync", "scopes": ["runs:read"]})
    assert response.status_code == 201
    body = response.json()
    raw = body["key"]
    assert raw.startswith("lwk_") and len(raw) > 40
    stored = ApiKey.objects.get()
    assert stored.key_hash == ApiKey.hash(raw) and raw not in (stored.key_hash, stored.hint)
    assert body["api_key"]["hint"] == raw[:10]
    listed = admin_api.get("/api-keys").json()["api_keys"]
    assert "key" not in listed[0] and raw not in str(listed)
    audit = AuditEntry.objects.get(action="api_key.created")
    assert audit.actor_kind == "admin" and audit.target_id == stored.pk


def test_a_key_works_as_a_bearer_on_the_routes_its_scopes_open(key_for, make_run):
    make_run("pending_review")
    reader, _created = key_for("runs:read")
    assert reader.get("/production-runs").status_code == 200
    refused = reader.post("/designs", {"name": "Nope"})
    assert refused.status_code == 403
    assert "catalog:write" in refused.json()["detail"]


def test_a_key_cannot_reach_routes_for_people_or_partners(key_for):
    key, _created = key_for(*SCOPES)
    assert key.post("/api-keys", {"name": "x", "scopes": ["runs:read"]}).status_code == 403
    assert key.get("/notifications").status_code == 403
    assert key.get("/api/auth/me").status_code == 403
    assert key.get("/api/partners/production-runs").status_code == 403


def test_a_revoked_key_answers_401(key_for, admin_api):
    key, created = key_for("runs:read")
    assert key.get("/production-runs").status_code == 200
    response = admin_api.client.delete(
        f"/api/admin/api-keys/{created['api_key']['id']}",
        HTTP_AUTHORIZATION=f"Bearer {admin_api.token}",
    )
    assert response.status_code == 204
    assert key.get("/production-runs").status_code == 401
    assert AuditEntry.objects.filter(action="api_key.revoked").count() == 1


def test_an_unknown_scope_is_refused_naming_the_field(admin_api):
    response = admin_api.post("/api-keys", {"name": "x", "scopes": ["runs:everything"]})
    assert response.status_code == 422
    assert response.json()["field"] == "scopes"
    assert not ApiKey.objects.exists()


def test_writes_made_with_a_key_are_attributed_to_it_in_history(key_for, make_run):
    run = make_run("pending_review")
    key, created = key_for("runs:write", name="ERP bridge")
    response = key.post(f"/production-runs/{run.pk}/approve", {})
    assert response.status_code == 200, response.json()
    row = RunHistory.objects.get(run=run, kind="approve")
    assert row.actor_name == "API key ERP bridge"
    assert row.actor_id is None
    assert row.details["api_key_id"] == created["api_key"]["id"]
    history = key.get(f"/production-runs/{run.pk}/history")
    assert history.status_code == 403  # reading history needs runs:read


def test_last_use_is_written_at_most_once_a_minute(key_for):
    key, _created = key_for("runs:read")
    key.get("/production-runs")
    stored = ApiKey.objects.get()
    first_use = stored.last_used_at
    assert first_use is not None
    key.get("/production-runs")
    assert ApiKey.objects.get().last_used_at == first_use
    ApiKey.objects.update(last_used_at=first_use - timedelta(minutes=2))
    key.get("/production-runs")
    assert ApiKey.objects.get().last_used_at > first_use - timedelta(seconds=1)
    assert ApiKey.objects.get().last_used_at <= timezone.now()


# ---------------------------------------------------------------- the route table


PEOPLE_ONLY = {
    ("GET", "/api/admin/api-key-scopes"),
    ("GET", "/api/admin/api-keys"),
    ("POST", "/api/admin/api-keys"),
    ("DELETE", "/api/admin/api-keys/{key_id}"),
    ("PUT", "/api/admin/production-run-policy"),
    ("PUT", "/api/admin/output-policy"),
    ("PUT", "/api/admin/costing-policy"),
    ("GET", "/api/admin/notifications"),
    ("POST", "/api/admin/notifications/read-all"),
    ("POST", "/api/admin/notifications/{notification_id}/read"),
    ("GET", "/api/admin/notifications/preferences"),
    ("PATCH", "/api/admin/notifications/preferences"),
    ("PATCH", "/api/admin/reminder-rules"),
    # Spreadsheet imports are a person's (with a token); a program writes record by record.
    ("POST", "/api/admin/imports/{kind}"),
    ("GET", "/api/admin/imports/{kind}/template.csv"),
}


def test_every_admin_route_has_a_scope_or_is_for_people_on_purpose():
    paths = api.get_openapi_schema()["paths"]
    unplaced = []
    for path, operations in paths.items():
        if not path.startswith("/api/admin/"):
            continue
        for method in operations:
            method = method.upper()
            concrete = path.replace("{", "x").replace("}", "")
            scope = scope_for(method, concrete)
            if scope is None and (method, path) not in PEOPLE_ONLY:
                unplaced.append((method, path))
            if scope is not None:
                assert scope in SCOPES
                assert (method, path) not in PEOPLE_ONLY, (method, path)
    assert unplaced == []
    assert all(pattern.pattern.startswith("^/") for pattern, _read, _write in ROUTES)
