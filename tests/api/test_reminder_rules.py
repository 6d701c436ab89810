"""`/api/admin/reminder-rules` and `/notifications/preferences` on both APIs."""

import pytest

from loomworks.accounts.services import token_issue
from loomworks.partners.models import PartnerMember
from loomworks.reminders.models import ChaseRules, ChaseRulesChange

pytestmark = pytest.mark.django_db

RULES = "/api/admin/reminder-rules"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


def test_the_rules_read_with_their_defaults(client, admin_user):
    response = client.get(RULES, **bearer(admin_user))
    assert response.status_code == 200
    rules = response.json()["reminder_rules"]
    assert rules["unaccepted_hours"] == 24 and rules["escalation_hours"] == 24
    assert rules["not_started_days"] == 3 and rules["stalled_days"] == 5
    assert rules["digest_hour"] == 8 and rules["late_enabled"] is True


def test_a_patch_changes_only_what_it_names_and_is_recorded(client, admin_user):
    response = client.patch(
        RULES,
        {"stalled_days": 7, "late_enabled": False},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert response.status_code == 200
    body = response.json()["reminder_rules"]
    assert body["stalled_days"] == 7 and body["late_enabled"] is False
    assert body["unaccepted_hours"] == 24
    changes = client.get(f"{RULES}/changes", **bearer(admin_user)).json()["changes"]
    assert changes == [
        {
            "changed_at": changes[0]["changed_at"],
            "actor_type": "admin",
            "actor_id": admin_user.pk,
            "actor_name": admin_user.display_name,
            "changes": {"stalled_days": [5, 7], "late_enabled": [True, False]},
        }
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unaccepted_hours": 0}, "unaccepted_hours"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"stalled_days": "soon"}, "stalled_days"),
        ({"late_enabled": "maybe"}, "late_enabled"),
    ],
)
def test_a_bad_value_is_a_422_naming_its_field_and_nothing_changes(client, admin_user, body, field):
    response = client.patch(
        RULES, {"stalled_days": 9, **body}, content_type="application/json", **bearer(admin_user)
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert ChaseRules.current().stalled_days == 5
    assert not ChaseRulesChange.objects.exists()


def test_partners_get_403_and_anonymous_callers_401(client, workshop):
    assert client.get(RULES).status_code == 401
    assert client.get(RULES, **bearer(workshop.user)).status_code == 403
    assert (
        client.patch(
            RULES, {}, content_type="application/json", **bearer(workshop.user)
        ).status_code
        == 403
    )


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/admin/reminder-rules"])
    assert "get" in paths["/api/admin/reminder-rules/changes"]
    assert {"get", "patch"} <= set(paths["/api/partners/notifications/preferences"])


# ---------------------------------------------------------------- preferences


def test_a_member_sets_whatsapp_digest_and_zone_through_the_api(client, workshop):
    response = client.patch(
        "/api/partners/notifications/preferences",
        {"phone": "+33 6 12 34 56 78", "whatsapp_consent": True, "time_zone": "Europe/Paris"},
        content_type="application/json",
        **bearer(workshop.user),
    )
    assert response.status_code == 200
    assert response.json() == {
        "time_zone": "Europe/Paris",
        "digest_enabled": True,
        "email_notifications": True,
        "phone": "+33612345678",
        "whatsapp_consent": True,
    }
    assert PartnerMember.objects.get(pk=workshop.member.pk).whatsapp_consent_at is not None


def test_a_bad_number_is_a_422_naming_phone_and_nothing_is_saved(client, workshop):
    response = client.patch(
        "/api/partners/notifications/preferences",
        {"phone": "12", "whatsapp_consent": True, "time_zone": "Europe/Paris"},
        content_type="application/json",
        **bearer(workshop.user),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "phone"
    workshop.user.refresh_from_db()
    assert workshop.user.time_zone == ""


def test_an_admin_turns_email_and_digest_off_but_has_no_whatsapp(client, admin_user):
    url = "/api/admin/notifications/preferences"
    response = client.patch(
        url,
        {"email_notifications": False, "digest_enabled": False},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert response.json() == {
        "time_zone": "",
        "digest_enabled": False,
        "email_notifications": False,
        "phone": None,
        "whatsapp_consent": None,
    }
    refused = client.patch(
        url, {"phone": "+351912345678"}, content_type="application/json", **bearer(admin_user)
    )
    assert refused.status_code == 422 and refused.json()["field"] == "phone"


@pytest.mark.parametrize("body", [[1, 2, 3], {"stalled_dayz": 3}])
def test_a_body_that_is_not_an_object_of_known_fields_is_a_422(client, admin_user, body):
    for path in (RULES, "/api/admin/notifications/preferences"):
        response = client.patch(path, body, content_type="application/json", **bearer(admin_user))
        assert response.status_code == 422, path
