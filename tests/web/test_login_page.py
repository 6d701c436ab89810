"""The login page for people who are logged in already."""

import pytest

from tests.factories import AdminFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_logged_in_member_whose_access_was_switched_off_sees_the_login_page(client):
    member = MemberFactory()
    client.force_login(member.user)
    member.is_active = False
    member.save()

    response = client.get("/login")

    assert response.status_code == 200
    assert b"no access to Loomworks" in response.content
    assert "_auth_user_id" not in client.session  # the useless session is over


def test_they_can_log_in_as_someone_else_from_there(client):
    member = MemberFactory(is_active=False)
    client.force_login(member.user)
    other = MemberFactory()
    other.user.set_password("another-long-password")
    other.user.save()

    response = client.post(
        "/login", {"email": other.user.email, "password": "another-long-password"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/partner/"


def test_a_user_of_no_partner_sees_the_login_page_too(client):
    client.force_login(UserFactory())

    assert client.get("/login").status_code == 200


@pytest.mark.parametrize(("factory", "home"), [(AdminFactory, "/admin/"), (MemberFactory, None)])
def test_people_with_a_home_are_sent_there(client, factory, home):
    person = factory()
    user = getattr(person, "user", person)
    client.force_login(user)

    response = client.get("/login")

    assert response.status_code == 302
    assert response["Location"] == (home or "/partner/")
