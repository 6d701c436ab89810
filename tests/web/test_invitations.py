"""Invitations: a member added without a password is e-mailed a link to choose one.

Also the admins' re-send (console button and API route) and the "Forgot your
password?" flow, which uses the same kind of link.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from loomworks.accounts.models import User
from loomworks.core.actors import Actor
from loomworks.events.api import drain
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.notifications.models import EmailState, OutgoingEmail
from loomworks.partners import services as partners
from loomworks.partners.models import PartnerMember
from tests.api.admin_fixtures import *  # noqa: F403
from tests.factories import PASSWORD, MemberFactory, PartnerFactory, UserFactory
from tests.web.console.helpers import flashes, text

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "loom-and-shuttle-42"
INVITE_LINK = re.compile(r"http://testserver(/invite/[\w-]+/[\w-]+/)")
RESET_LINK = re.compile(r"http://testserver(/password-reset/[\w-]+/[\w-]+/)")


@pytest.fixture
def console(admin_user):
    """A brand admin's browser session."""
    client = Client()
    client.force_login(admin_user)
    return client


def invite(partner=None, **fields) -> PartnerMember:
    """Add a member without a password, as the admin API and the console do; deliver the events."""
    member = partners.member_add(
        partner=partner or PartnerFactory(name="Atelier Nord"),
        actor=Actor.system(),
        email=fields.pop("email", "noa@atelier-nord.test"),
        first_name=fields.pop("first_name", "Noa"),
        **fields,
    )
    drain()
    return member


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def link_in(message, pattern=INVITE_LINK) -> str:
    [(html, _mimetype)] = message.alternatives
    [path] = set(pattern.findall(message.body))
    assert f"http://testserver{path}" in html
    return path


def set_password(client: Client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    """Follow an e-mailed link and submit the form; returns the answer to the POST."""
    opened = client.get(path)
    assert opened.status_code == 302  # Django moves the token out of the address bar
    form_url = opened.url
    assert client.get(form_url).status_code == 200
    return client.post(
        form_url, {"new_password1": password, "new_password2": password if again is None else again}
    )


def can_log_in(email: str, password: str) -> bool:
    response = Client().post("/login", {"email": email, "password": password})
    return response.status_code == 302


# ---------------------------------------------------------------- the invitation e-mail


def test_a_member_added_without_a_password_is_emailed_one_invitation():
    member = invite()

    [message] = mail.outbox
    assert message.to == ["noa@atelier-nord.test"]
    assert message.subject == "You are invited to Loomworks for Atelier Nord"
    assert "Hello Noa," in message.body
    assert "The link works once, for 3 days." in message.body  # PASSWORD_RESET_TIMEOUT's default
    assert "http://testserver/login" in message.body
    path = link_in(message)
    assert path.startswith("/invite/")
    [email] = OutgoingEmail.objects.filter(recipient=member.user)
    assert (email.kind, email.state, email.partner_id, email.run_id) == (
        "partner_member.invited",
        EmailState.SENT,
        member.partner_id,
        None,
    )


def test_the_invitation_is_published_with_the_member_in_the_same_transaction():
    partner = PartnerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        partners.member_add(partner=partner, actor=Actor.system(), email="gone@example.test")
        raise RuntimeError("the caller's transaction fails")
    assert not Event.objects.filter(name="partner_member.invited").exists()
    assert not User.objects.filter(email="gone@example.test").exists()


def test_a_redelivered_invitation_event_sends_nothing_more():
    invite()
    event = Event.objects.get(name="partner_member.invited")
    Delivery.objects.filter(event=event).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now(), lease_until=None
    )
    drain()

    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.count() == 1


def test_a_member_given_a_password_is_not_invited():
    partners.member_add(
        partner=PartnerFactory(), actor=Actor.system(), email="ana@example.test", password=PASSWORD
    )
    drain()

    assert mail.outbox == []
    assert not Event.objects.filter(name="partner_member.invited").exists()
    assert can_log_in("ana@example.test", PASSWORD)


def test_the_api_invites_an_owner_created_without_a_password(admin_api):
    response = admin_api.post(
        "/partners",
        {"name": "Atelier Sud", "handle": "atelier-sud", "admin": {"email": "lea@sud.test"}},
    )
    assert response.status_code == 201
    assert response.json()["admin"]["password_set"] is False
    drain()

    [message] = mails_to("lea@sud.test")
    assert "Atelier Sud" in message.subject


def test_the_invitation_is_not_sent_when_the_member_set_a_password_meanwhile():
    member = partners.member_add(
        partner=PartnerFactory(), actor=Actor.system(), email="quick@example.test"
    )
    assert Event.objects.filter(name="partner_member.invited").exists()  # waiting in the outbox
    member.user.set_password(NEW_PASSWORD)
    member.user.save()
    drain()

    assert mail.outbox == []


def test_the_invitation_says_how_long_the_link_works(settings):
    settings.PASSWORD_RESET_TIMEOUT = 12 * 3600
    invite()

    [message] = mail.outbox
    assert "The link works once, for 12 hours." in message.body


# ---------------------------------------------------------------- the link


def test_the_invitation_link_sets_the_password_and_brings_the_member_home(client):
    member = invite()
    path = link_in(mail.outbox[0])

    page = client.get(client.get(path).url)
    assert "Choose your password" in text(page)
    assert "noa@atelier-nord.test" in text(page)

    response = set_password(client, path)
    assert response.status_code == 302
    assert response.url == "/partner/"
    home = client.get("/partner/")
    assert home.status_code == 200
    assert flashes(home) == ["Your password is set. Welcome to Loomworks!"]
    member.user.refresh_from_db()
    assert member.user.has_usable_password()
    assert can_log_in("noa@atelier-nord.test", NEW_PASSWORD)


def test_the_invitation_link_works_once(client):
    invite()
    path = link_in(mail.outbox[0])
    set_password(client, path)

    again = Client().get(path, follow=True)
    page = text(again)
    assert again.status_code == 200
    assert "This link no longer works" in page
    assert "Ask the brand for a new invitation." in page
    assert "<form" not in page.split("</header>")[-1].split('class="login card"')[-1]


def test_an_expired_invitation_link_says_to_ask_the_brand_for_a_new_one(client, monkeypatch):
    invite()
    path = link_in(mail.outbox[0])
    later = datetime.now() + timedelta(days=3, minutes=1)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)

    page = text(client.get(path, follow=True))
    assert "This link no longer works" in page
    assert "Ask the brand for a new invitation." in page
    assert not can_log_in("noa@atelier-nord.test", NEW_PASSWORD)


@pytest.mark.parametrize(
    "path", ["/invite/MQ/not-a-token/", "/invite/zzzz/abc-123/", "/invite/!!/set-password/"]
)
def test_a_broken_invitation_link_shows_the_same_friendly_page(client, path):
    invite()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "This link no longer works" in text(response)


def test_two_different_passwords_are_refused_and_the_link_still_works(client):
    invite()
    path = link_in(mail.outbox[0])

    response = set_password(client, path, again="something-else-77")
    assert response.status_code == 200
    assert "The two passwords are not the same." in text(response)
    short = client.post(
        response.wsgi_request.path, {"new_password1": "abc", "new_password2": "abc"}
    )
    assert "too short" in text(short)
    done = client.post(
        response.wsgi_request.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302


def test_an_inactive_person_sets_a_password_but_is_not_logged_in(client):
    member = invite()
    User.objects.filter(pk=member.user_id).update(is_active=False)
    path = link_in(mail.outbox[0])

    response = set_password(client, path)
    assert response.url == "/login"
    assert client.get("/partner/").status_code == 302  # still anonymous


# ---------------------------------------------------------------- re-sending


def test_an_admin_resends_the_invitation_from_the_partner_page(console):
    member = invite()
    page = text(console.get(f"/admin/partners/{member.partner_id}/"))
    assert "invited" in page
    assert f"/admin/partners/{member.partner_id}/members/{member.pk}/invite/" in page

    response = console.post(
        f"/admin/partners/{member.partner_id}/members/{member.pk}/invite/", follow=True
    )
    assert flashes(response) == ["A new invitation is on its way to noa@atelier-nord.test."]
    drain()
    first, second = mails_to("noa@atelier-nord.test")
    assert "Here is a new invitation" in second.body
    # Both links work until the password is set; then neither does.
    set_password(Client(), link_in(second))
    assert "This link no longer works" in text(Client().get(link_in(first), follow=True))


def test_the_partner_page_offers_no_resend_for_members_with_a_password(console):
    member = MemberFactory()
    page = text(console.get(f"/admin/partners/{member.partner_id}/"))
    assert "/invite/" not in page
    refused = console.post(
        f"/admin/partners/{member.partner_id}/members/{member.pk}/invite/", follow=True
    )
    assert flashes(refused) == [
        f'{member.user.email} has set a password already; they can use "Forgot your password?" '
        "on the login page."
    ]
    drain()
    assert mail.outbox == []


def test_the_api_resends_an_invitation(admin_api):
    member = invite()
    mail.outbox.clear()

    response = admin_api.post(f"/partners/{member.partner_id}/members/{member.pk}/invite")
    assert response.status_code == 202
    assert response.json()["member"]["id"] == member.pk
    assert response.json()["member"]["password_set"] is False
    drain()
    [message] = mail.outbox
    assert message.to == ["noa@atelier-nord.test"]


def test_the_api_refuses_to_resend_to_a_member_who_has_a_password(admin_api):
    member = MemberFactory()
    response = admin_api.post(f"/partners/{member.partner_id}/members/{member.pk}/invite")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Forgot your password?" in response.json()["detail"]


def test_the_api_refuses_to_resend_to_an_inactive_member(admin_api):
    member = invite()
    PartnerMember.objects.filter(pk=member.pk).update(is_active=False)
    response = admin_api.post(f"/partners/{member.partner_id}/members/{member.pk}/invite")
    assert response.status_code == 409


def test_the_resend_route_answers_404_for_a_member_of_another_partner_or_nobody(admin_api):
    member = invite()
    other = PartnerFactory()
    for path in (
        f"/partners/{other.pk}/members/{member.pk}/invite",
        f"/partners/{member.partner_id}/members/mem_nobody/invite",
        f"/partners/ptr_nobody/members/{member.pk}/invite",
    ):
        assert admin_api.post(path).status_code == 404, path


def test_the_resend_route_is_for_brand_admins_only(anonymous_api, partner_api, workshop):
    path = f"/partners/{workshop.partner.pk}/members/{workshop.member.pk}/invite"
    assert anonymous_api.post(path).status_code == 401
    assert partner_api.post(path).status_code == 403


# ---------------------------------------------------------------- forgot your password?


def test_the_login_page_links_to_forgot_your_password(client):
    page = text(client.get("/login"))
    assert 'href="/password-reset"' in page
    assert "Forgot your password?" in page


def test_forgot_your_password_emails_a_link_that_sets_a_new_one(client):
    user = UserFactory(email="ana@example.test", first_name="Ana")
    MemberFactory(user=user)

    response = client.post("/password-reset", {"email": "Ana@Example.test"}, follow=True)
    assert response.redirect_chain[-1][0] == "/login"
    assert flashes(response) == [
        "If an account uses Ana@Example.test, a link to choose a new password is on its way. "
        "Check your inbox."
    ]
    [message] = mail.outbox
    assert message.to == ["ana@example.test"]
    assert message.subject == "Choose a new password for Loomworks"
    assert "The link works once, for 3 days." in message.body
    path = link_in(message, RESET_LINK)

    done = set_password(client, path)
    assert done.url == "/partner/"
    assert flashes(client.get("/partner/")) == ["Your new password is saved. You are logged in."]
    assert can_log_in("ana@example.test", NEW_PASSWORD)
    assert not can_log_in("ana@example.test", PASSWORD)
    again = text(Client().get(path, follow=True))
    assert "This link no longer works" in again
    assert 'href="/password-reset"' in again


def test_forgot_your_password_says_the_same_for_an_unknown_address(client):
    response = client.post("/password-reset", {"email": "nobody@example.test"}, follow=True)
    assert flashes(response) == [
        "If an account uses nobody@example.test, a link to choose a new password is on its way. "
        "Check your inbox."
    ]
    assert mail.outbox == []


def test_forgot_your_password_also_helps_someone_who_lost_their_invitation(client):
    invite()
    mail.outbox.clear()

    client.post("/password-reset", {"email": "noa@atelier-nord.test"})
    [message] = mail.outbox
    assert set_password(client, link_in(message, RESET_LINK)).url == "/partner/"


def test_a_brand_admin_resetting_their_password_lands_on_the_console(client, admin_user):
    client.post("/password-reset", {"email": admin_user.email})
    [message] = mail.outbox
    assert set_password(client, link_in(message, RESET_LINK)).url == "/admin/"


def test_a_partner_added_in_the_console_without_a_password_invites_its_owner_in_their_language(
    console,
):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "Atelier Porto",
            "handle": "atelier-porto",
            "status": "active",
            "owner_email": "rui@porto.test",
            "owner_first_name": "Rui",
            "owner_language": "pt",
        },
        follow=True,
    )
    assert flashes(response) == [
        "Atelier Porto is added, with rui@porto.test as its owner.",
        "An invitation to choose a password is on its way to rui@porto.test.",
    ]
    drain()
    [message] = mails_to("rui@porto.test")
    assert message.subject == "Convite para usar o Loomworks com Atelier Porto"
    assert User.objects.get(email="rui@porto.test").language == "pt"
