"""`/api/admin/partners`: partners with their owner, and their members."""

import pytest
from django.contrib.auth import get_user_model

from loomworks.partners.models import Partner, PartnerMember
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

NEW_PARTNER = {
    "name": "Atelier Nord",
    "handle": "atelier-nord",
    "email": "Hello@Atelier-Nord.test",
    "phone": "+33 1 23 45 67 89",
    "admin": {
        "email": "ana@atelier-nord.test",
        "first_name": "Ana",
        "last_name": "Lind",
        "password": "long-enough-1",
    },
}


def test_create_a_partner_with_its_owner_who_can_log_in(admin_api, client):
    response = admin_api.post("/partners", NEW_PARTNER)

    assert response.status_code == 201
    body = response.json()
    assert body["partner"]["name"] == "Atelier Nord"
    assert body["partner"]["handle"] == "atelier-nord"
    assert body["partner"]["status"] == "active"
    assert body["partner"]["email"] == "hello@atelier-nord.test"
    assert body["admin"]["role"] == "owner"
    assert body["admin"]["email"] == "ana@atelier-nord.test"
    assert body["admin"]["name"] == "Ana Lind"
    assert body["admin"]["partner_id"] == body["partner"]["id"]
    login = client.post(
        "/api/auth/token",
        {"email": "ana@atelier-nord.test", "password": "long-enough-1"},
        content_type="application/json",
    )
    assert login.json()["user"]["partner_id"] == body["partner"]["id"]


def test_an_owner_without_a_password_cannot_log_in_yet(admin_api):
    payload = {**NEW_PARTNER, "admin": {"email": "ana@atelier-nord.test"}}

    assert admin_api.post("/partners", payload).status_code == 201
    assert not get_user_model().objects.get(email="ana@atelier-nord.test").has_usable_password()


def test_a_taken_handle_is_409_and_nothing_is_written(admin_api):
    PartnerFactory(handle="atelier-nord")

    response = admin_api.post("/partners", NEW_PARTNER)

    assert response.status_code == 409
    assert "atelier-nord" in response.json()["detail"]
    assert not get_user_model().objects.filter(email="ana@atelier-nord.test").exists()


def test_a_taken_member_email_is_409_and_no_partner_is_left_behind(admin_api, workshop):
    payload = {**NEW_PARTNER, "admin": {"email": workshop.user.email.upper()}}

    response = admin_api.post("/partners", payload)

    assert response.status_code == 409
    assert not Partner.objects.filter(handle="atelier-nord").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "  "}, "name"),
        ({"handle": "not a slug!"}, "handle"),
        ({"status": "sleeping"}, "status"),
        ({"email": "not-an-email"}, "email"),
        ({"admin": {"email": "nope"}}, "admin.email"),
        ({"admin": {"email": "a@b.test", "password": "short"}}, "admin.password"),
        ({"admin": None}, "admin"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_invalid_partner_input_is_422_naming_the_field(admin_api, change, field):
    response = admin_api.post("/partners", {**NEW_PARTNER, **change})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Partner.objects.exists()


def test_list_partners_with_filters_and_paging(admin_api):
    PartnerFactory(name="Atelier Nord", handle="nord")
    PartnerFactory(name="Sud Couture", handle="sud", status="inactive")
    PartnerFactory(name="Ouest Mailles", handle="ouest")

    everyone = admin_api.get("/partners").json()
    inactive = admin_api.get("/partners", {"status": "inactive"}).json()
    searched = admin_api.get("/partners", {"q": "NORD"}).json()
    paged = admin_api.get("/partners", {"limit": 1, "offset": 1}).json()

    assert [p["name"] for p in everyone["partners"]] == [
        "Atelier Nord",
        "Ouest Mailles",
        "Sud Couture",
    ]
    assert (everyone["count"], everyone["limit"], everyone["offset"]) == (3, 20, 0)
    assert [p["handle"] for p in inactive["partners"]] == ["sud"]
    assert [p["handle"] for p in searched["partners"]] == ["nord"]
    assert [p["handle"] for p in paged["partners"]] == ["ouest"]
    assert paged["count"] == 3


@pytest.mark.parametrize(
    "params, field",
    [({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"status": "x"}, "status")],
)
def test_bad_list_parameters_are_422(admin_api, params, field):
    response = admin_api.get("/partners", params)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_read_one_partner_or_404(admin_api, workshop):
    found = admin_api.get(f"/partners/{workshop.partner.pk}")
    missing = admin_api.get("/partners/ptr_nothing")

    assert found.status_code == 200
    assert found.json()["partner"]["id"] == workshop.partner.pk
    assert missing.status_code == 404


def test_patch_a_partner_changes_only_what_is_sent(admin_api, workshop):
    response = admin_api.patch(
        f"/partners/{workshop.partner.pk}", {"status": "inactive", "phone": None}
    )

    assert response.status_code == 200
    partner = response.json()["partner"]
    assert partner["status"] == "inactive"
    assert partner["phone"] == ""
    assert partner["name"] == workshop.partner.name


@pytest.mark.parametrize(
    "change, field",
    [
        ({"status": "gone"}, "status"),
        ({"handle": "new-handle"}, "handle"),
        ({"name": None}, "name"),
        ({"email": "nope"}, "email"),
    ],
)
def test_invalid_partner_patch_is_422(admin_api, workshop, change, field):
    response = admin_api.patch(f"/partners/{workshop.partner.pk}", change)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_patch_an_unknown_partner_is_404_but_bad_input_is_422_first(admin_api):
    assert admin_api.patch("/partners/ptr_nothing", {"status": "active"}).status_code == 404
    assert admin_api.patch("/partners/ptr_nothing", {"status": "gone"}).status_code == 422


def test_add_and_list_members(admin_api, workshop):
    response = admin_api.post(
        f"/partners/{workshop.partner.pk}/members",
        {
            "email": "Bo@Workshop.test",
            "first_name": "Bo",
            "role": "admin",
            "password": "pass-word-9",
        },
    )

    assert response.status_code == 201
    member = response.json()["member"]
    assert (member["email"], member["role"], member["name"]) == ("bo@workshop.test", "admin", "Bo")
    listing = admin_api.get(f"/partners/{workshop.partner.pk}/members").json()
    assert [m["email"] for m in listing["members"]] == [workshop.user.email, "bo@workshop.test"]
    assert listing["count"] == 2


def test_member_role_defaults_to_manager(admin_api, workshop):
    response = admin_api.post(f"/partners/{workshop.partner.pk}/members", {"email": "c@w.test"})

    assert response.json()["member"]["role"] == "manager"


def test_a_member_email_taken_anywhere_is_409(admin_api, workshop, other_workshop):
    response = admin_api.post(
        f"/partners/{workshop.partner.pk}/members", {"email": other_workshop.user.email}
    )

    assert response.status_code == 409
    assert PartnerMember.objects.filter(partner=workshop.partner).count() == 1


def test_member_errors(admin_api, workshop):
    url = f"/partners/{workshop.partner.pk}/members"

    assert admin_api.post(url, {"email": "x@y.test", "role": "boss"}).json()["field"] == "role"
    assert admin_api.post(url, {"email": "x"}).status_code == 422
    assert admin_api.post("/partners/ptr_nothing/members", {"email": "x@y.test"}).status_code == 404
    assert admin_api.post("/partners/ptr_nothing/members", {"email": "x"}).status_code == 422
    assert admin_api.get("/partners/ptr_nothing/members").status_code == 404


def test_partner_routes_refuse_partners_and_strangers(partner_api, anonymous_api, workshop):
    for api, status in ((partner_api, 403), (anonymous_api, 401)):
        assert api.get("/partners").status_code == status
        assert api.post("/partners", NEW_PARTNER).status_code == status
        assert api.get(f"/partners/{workshop.partner.pk}").status_code == status
        assert (
            api.patch(f"/partners/{workshop.partner.pk}", {"status": "active"}).status_code
            == status
        )
        assert api.get(f"/partners/{workshop.partner.pk}/members").status_code == status
        assert api.post(f"/partners/{workshop.partner.pk}/members", {}).status_code == status
