"""Every write to partners and their members leaves an audit row naming its actor."""

import pytest
from django.test import Client

from loomworks.core.models import AuditEntry
from loomworks.partners.models import Partner, PartnerMember
from tests.api.admin_fixtures import *  # noqa: F403
from tests.api.admin_fixtures import Api

pytestmark = pytest.mark.django_db

NEW_PARTNER = {
    "name": "Atelier Nord",
    "handle": "atelier-nord",
    "admin": {"email": "ana@atelier-nord.test", "first_name": "Ana", "password": "long-enough-1"},
}


@pytest.fixture
def console(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_creating_a_partner_through_the_api_audits_it_and_its_owner(admin_api, admin_user):
    response = admin_api.post("/partners", NEW_PARTNER)
    assert response.status_code == 201, response.json()
    partner = Partner.objects.get(handle="atelier-nord")
    owner = PartnerMember.objects.get(partner=partner)
    created = AuditEntry.objects.get(action="partner.created")
    assert (created.target_type, created.target_id) == ("partner", partner.pk)
    assert (created.actor_kind, created.actor_id) == ("admin", admin_user.pk)
    assert created.details["handle"] == "atelier-nord"
    added = AuditEntry.objects.get(action="partner_member.added")
    assert (added.target_id, added.actor_id) == (str(owner.pk), admin_user.pk)
    assert added.details["role"] == "owner" and added.details["invited"] is False


def test_a_refused_partner_leaves_no_audit_row(admin_api):
    response = admin_api.post("/partners", {**NEW_PARTNER, "handle": "not a slug"})
    assert response.status_code == 422
    assert not AuditEntry.objects.exists()


def test_creating_a_partner_with_an_api_key_names_the_key(client, admin_api):
    response = admin_api.post("/api-keys", {"name": "ERP bridge", "scopes": ["partners:write"]})
    assert response.status_code == 201, response.json()
    key = Api(client, response.json()["key"])
    response = key.post("/partners", NEW_PARTNER)
    assert response.status_code == 201, response.json()
    created = AuditEntry.objects.get(action="partner.created")
    assert created.actor_kind == "api_key" and created.actor_id is None
    assert created.api_key_id and created.actor_name == "API key ERP bridge"


def test_the_console_audits_a_new_partner(console, admin_user):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "Atelier Sud",
            "handle": "atelier-sud",
            "status": "active",
            "owner_email": "owner@sud.test",
            "owner_first_name": "Inès",
        },
    )
    assert response.status_code == 302
    partner = Partner.objects.get(handle="atelier-sud")
    created = AuditEntry.objects.get(action="partner.created", target_id=partner.pk)
    assert created.actor_id == admin_user.pk
    added = AuditEntry.objects.get(action="partner_member.added")
    assert added.details["invited"] is True and added.actor_id == admin_user.pk


def test_adding_a_member_and_resending_the_invitation_are_audited(admin_api, workshop, admin_user):
    url = f"/partners/{workshop.partner.pk}/members"
    response = admin_api.post(url, {"email": "noa@nord.test", "role": "manager"})
    assert response.status_code == 201, response.json()
    member_id = response.json()["member"]["id"]
    response = admin_api.post(f"{url}/{member_id}/invite")
    assert response.status_code == 202, response.json()
    actions = list(
        AuditEntry.objects.filter(target_id=str(member_id))
        .order_by("pk")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("partner_member.added", admin_user.pk),
        ("partner_member.invitation_resent", admin_user.pk),
    ]


def test_the_demo_seed_names_the_brand_admin():
    from loomworks import demo

    assert demo.seed() is not None
    created = AuditEntry.objects.filter(action="partner.created")
    assert created.exists()
    assert set(created.values_list("actor_kind", flat=True)) == {"admin"}
    assert None not in set(created.values_list("actor_id", flat=True))


def test_a_member_turning_off_email_in_the_portal_is_audited_as_them(client, workshop):
    client.force_login(workshop.user)
    response = client.post("/partner/settings/email", {})
    assert response.status_code == 302
    workshop.member.refresh_from_db()
    assert workshop.member.email_notifications is False
    entry = AuditEntry.objects.get(action="partner_member.preferences_changed")
    assert (entry.target_id, entry.actor_kind) == (str(workshop.member.pk), "partner")
    assert entry.actor_id == workshop.user.pk
    assert entry.details["email_notifications"] == [True, False]
    client.post("/partner/settings/email", {})  # no change, no second row
    assert AuditEntry.objects.filter(action="partner_member.preferences_changed").count() == 1


def test_the_same_preference_through_the_partner_api_is_audited(partner_api, workshop):
    response = partner_api.put("/api/partners/notifications/email", {"enabled": False})
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="partner_member.preferences_changed")
    assert entry.actor_id == workshop.user.pk and entry.actor_kind == "partner"


def test_choosing_a_language_is_audited_as_the_person(client, workshop):
    client.force_login(workshop.user)
    client.post("/language", {"language": "fr", "next": "/partner/"})
    entry = AuditEntry.objects.get(action="user.preferences_changed")
    assert (entry.target_id, entry.actor_id) == (str(workshop.user.pk), workshop.user.pk)
    assert entry.actor_kind == "partner"
    assert entry.details["language"] == [workshop.user.language, "fr"]
