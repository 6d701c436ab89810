"""Partners and members edited in the console: a partner's profile, members' details,
deactivation after an in-page confirmation saying what is lost; audited."""

import pytest

from loomworks.accounts.models import ApiToken
from loomworks.accounts.services import token_issue
from loomworks.core.models import AuditEntry
from loomworks.partners.models import MemberRole, Partner, PartnerMember
from tests.factories import MemberFactory
from tests.web.console.helpers import count_queries, flashes, text


def test_edit_a_partner_profile(console, workshop, admin_user):
    partner = workshop.partner
    response = console.post(
        f"/admin/partners/{partner.pk}/edit/",
        {
            "name": "Atelier Norte",
            "contact_name": "Rosa Lima",
            "email": "ROSA@norte.example",
            "phone": "+351 912 345 678",
            "address": "Rua das Flores 12\n4050-265 Porto",
            "country": "PT",
            "languages": ["pt", "en"],
            "roles": ["finishing", "cutting", "stitching"],
        },
        follow=True,
    )
    assert "Atelier Norte is saved." in flashes(response)
    partner = Partner.objects.get(pk=partner.pk)
    assert (partner.name, partner.contact_name, partner.email, partner.country) == (
        "Atelier Norte",
        "Rosa Lima",
        "rosa@norte.example",
        "PT",
    )
    assert partner.languages == ["pt", "en"]
    assert partner.roles == ["cutting", "stitching", "finishing"]
    page = text(response)
    assert "Portugal" in page and "Portuguese, English" in page
    assert "Cutting, Stitching, Finishing" in page
    entry = AuditEntry.objects.get(action="partner.updated", target_id=partner.pk)
    assert entry.actor_id == admin_user.pk and "roles" in entry.details["changed"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"languages": ["zz"]}, "languages"),
        ({"roles": ["juggling"]}, "roles"),
    ],
)
def test_bad_partner_input_is_beside_its_field(console, workshop, changes, field):
    partner = workshop.partner
    data = {"name": "Renamed", "contact_name": "Someone", **changes}
    response = console.post(f"/admin/partners/{partner.pk}/edit/", data)
    assert field in response.context["form"].errors
    partner.refresh_from_db()
    assert partner.name != "Renamed" and partner.contact_name == ""
    assert not AuditEntry.objects.filter(target_type="partner").exists()


def test_deactivating_a_partner_asks_first_and_says_what_is_lost(console, workshop):
    partner = workshop.partner
    page = text(console.get(f"/admin/partners/{partner.pk}/"))
    assert "Deactivate " + partner.name in page
    assert "can no longer use the portal or the API" in page
    # Without the confirmation nothing changes.
    response = console.post(
        f"/admin/partners/{partner.pk}/status/", {"status": "inactive"}, follow=True
    )
    assert "Confirm that you want to deactivate the partner." in flashes(response)
    partner.refresh_from_db()
    assert partner.status == "active"
    console.post(f"/admin/partners/{partner.pk}/status/", {"status": "inactive", "confirm": "yes"})
    partner.refresh_from_db()
    assert partner.status == "inactive"
    assert AuditEntry.objects.filter(action="partner.deactivated", target_id=partner.pk).exists()


def test_edit_a_member(console, workshop):
    member = MemberFactory(partner=workshop.partner, role=MemberRole.MANAGER)
    url = f"/admin/partners/{workshop.partner.pk}/members/{member.pk}/"
    response = console.post(
        url,
        {"first_name": "Ana", "last_name": "Sousa", "role": "admin", "language": "pt"},
        follow=True,
    )
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.user.first_name, member.role, member.user.language) == ("Ana", "admin", "pt")
    assert f"{member.user.email} is saved." in flashes(response)
    assert AuditEntry.objects.filter(action="partner_member.updated", target_id=member.pk).exists()


def test_the_only_owner_cannot_be_demoted(console, workshop):
    owner = workshop.member
    PartnerMember.objects.filter(pk=owner.pk).update(role=MemberRole.OWNER)
    url = f"/admin/partners/{workshop.partner.pk}/members/{owner.pk}/"
    response = console.post(url, {"role": "manager", "first_name": "X"})
    assert "role" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.role == MemberRole.OWNER and owner.user.first_name != "X"


def test_deactivating_a_member_confirms_and_ends_access_and_tokens(console, client, workshop):
    member = MemberFactory(partner=workshop.partner, role=MemberRole.MANAGER)
    token_issue(user=member.user)
    token_issue(user=member.user)
    page = text(console.get(f"/admin/partners/{workshop.partner.pk}/"))
    assert "Their 2 API tokens are revoked for good" in page
    assert "They can no longer sign in to the portal" in page

    partner_browser = client
    partner_browser.force_login(member.user)
    assert partner_browser.get("/partner/").status_code == 200

    url = f"/admin/partners/{workshop.partner.pk}/members/{member.pk}/active/"
    response = console.post(url, {"is_active": "false"}, follow=True)
    assert "Confirm that you want to deactivate this member." in flashes(response)
    member.refresh_from_db()
    assert member.is_active

    response = console.post(url, {"is_active": "false", "confirm": "yes"}, follow=True)
    assert "is deactivated" in " ".join(flashes(response))
    member.refresh_from_db()
    assert not member.is_active
    assert not ApiToken.objects.filter(user=member.user, revoked_at__isnull=True).exists()
    assert partner_browser.get("/partner/").status_code == 403
    assert AuditEntry.objects.filter(
        action="partner_member.deactivated", target_id=member.pk
    ).exists()

    console.post(url, {"is_active": "true"})
    member.refresh_from_db()
    assert member.is_active
    assert not ApiToken.objects.filter(user=member.user, revoked_at__isnull=True).exists()


def test_partner_page_queries_do_not_grow_with_members(console, workshop):
    url = f"/admin/partners/{workshop.partner.pk}/"
    few = count_queries(lambda: console.get(url))
    for _ in range(5):
        token_issue(user=MemberFactory(partner=workshop.partner).user)
    assert count_queries(lambda: console.get(url)) == few


def test_unknown_partner_or_member_is_404(console, workshop, other_workshop):
    assert console.get("/admin/partners/ptr_nope/edit/").status_code == 404
    other = other_workshop.member
    url = f"/admin/partners/{workshop.partner.pk}/members/{other.pk}/"
    assert console.get(url).status_code == 404
    assert (
        console.post(url + "active/", {"is_active": "false", "confirm": "yes"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.is_active
