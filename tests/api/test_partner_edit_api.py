"""PATCH /api/admin/partners/{id} (profile, roles, status) and
PATCH /api/admin/partners/{id}/members/{id}: audited; bad input names the field."""

import pytest

from loomworks.accounts.models import ApiToken
from loomworks.accounts.services import token_issue
from loomworks.core.models import AuditEntry
from loomworks.partners.models import MemberRole, Partner, PartnerMember
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_edit_a_partner_profile(admin_api, workshop, admin_user):
    partner = workshop.partner
    response = admin_api.patch(
        f"/partners/{partner.pk}",
        {
            "contact_name": "Rosa Lima",
            "address": "Rua das Flores 12, Porto",
            "country": "pt",
            "languages": ["PT", "en", "pt"],
            "roles": ["dyeing", "cutting"],
        },
    )
    assert response.status_code == 200
    body = response.json()["partner"]
    assert (body["country"], body["languages"], body["roles"]) == (
        "PT",
        ["pt", "en"],
        ["cutting", "dyeing"],
    )
    entry = AuditEntry.objects.get(action="partner.updated", target_id=partner.pk)
    assert entry.actor_id == admin_user.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"languages": ["pt", "zz"]}, "languages[1]"),
        ({"languages": None}, "languages"),
        ({"roles": ["juggling"]}, "roles[0]"),
        ({"name": ""}, "name"),
        ({"handle": "new"}, "handle"),
    ],
)
def test_a_bad_partner_edit_names_the_field_and_writes_nothing(admin_api, workshop, body, field):
    response = admin_api.patch(f"/partners/{workshop.partner.pk}", {"contact_name": "Half", **body})
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == field
    assert Partner.objects.get(pk=workshop.partner.pk).contact_name == ""
    assert not AuditEntry.objects.filter(target_type="partner").exists()


def test_edit_and_switch_off_a_member(admin_api, workshop):
    member = MemberFactory(partner=workshop.partner, role=MemberRole.MANAGER)
    token_issue(user=member.user)
    url = f"/partners/{workshop.partner.pk}/members/{member.pk}"
    response = admin_api.patch(url, {"first_name": "Ana", "role": "admin"})
    assert response.status_code == 200
    assert (response.json()["member"]["first_name"], response.json()["member"]["role"]) == (
        "Ana",
        "admin",
    )
    response = admin_api.patch(url, {"is_active": False})
    assert response.json()["member"]["is_active"] is False
    assert not ApiToken.objects.filter(user=member.user, revoked_at__isnull=True).exists()
    actions = set(AuditEntry.objects.filter(target_id=member.pk).values_list("action", flat=True))
    assert actions == {"partner_member.updated", "partner_member.deactivated"}


def test_member_edit_refusals(admin_api, workshop, other_workshop):
    owner = workshop.member
    url = f"/partners/{workshop.partner.pk}/members/{owner.pk}"
    response = admin_api.patch(url, {"is_active": False})
    assert response.status_code == 409
    assert PartnerMember.objects.get(pk=owner.pk).is_active
    response = admin_api.patch(url, {"role": "boss"})
    assert (response.status_code, response.json()["field"]) == (422, "role")
    response = admin_api.patch(url, {"is_active": "no"})
    assert (response.status_code, response.json()["field"]) == (422, "is_active")
    # A member of another partner is not found through this one.
    other = f"/partners/{workshop.partner.pk}/members/{other_workshop.member.pk}"
    assert admin_api.patch(other, {"first_name": "X"}).status_code == 404
