""" "Forgot your password?" cannot flood an inbox, and never tells whether an address is known."""

import pytest
from django.core import mail
from django.test import Client

from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db

SAME_ANSWER = "a link to choose a new password is on its way"


def ask(email: str, client_address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=client_address).post("/password-reset", {"email": email}, follow=True)


def test_fifteen_requests_for_one_address_send_three_emails(settings):
    MemberFactory(user=UserFactory(email="ana@example.test"))

    answers = [ask("ana@example.test", f"198.51.100.{i}") for i in range(15)]

    assert len(mail.outbox) == settings.PASSWORD_RESET_EMAIL_LIMIT == 3
    assert all(a.status_code == 200 and SAME_ANSWER in a.content.decode() for a in answers)


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address_past_the_limit():
    MemberFactory(user=UserFactory(email="ana@example.test"))

    known = [ask("ana@example.test", f"198.51.100.{i}") for i in range(5)][-1]
    unknown = [ask("nobody@example.test", f"198.51.100.{i + 10}") for i in range(5)][-1]

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [("/login", 302)]
    assert SAME_ANSWER in known.content.decode()
    assert SAME_ANSWER in unknown.content.decode()


def test_one_client_trying_many_addresses_is_asked_to_wait(settings):
    people = [UserFactory(email=f"p{i}@example.test") for i in range(12)]

    answers = [ask(person.email) for person in people]

    assert len(mail.outbox) == settings.PASSWORD_RESET_CLIENT_LIMIT == 10
    assert [a.status_code for a in answers[-2:]] == [429, 429]
    assert "Too many requests for new passwords came from here" in answers[-1].content.decode()


def test_the_count_is_per_window(settings):
    from datetime import timedelta

    from django.utils import timezone

    from loomworks.accounts.models import PasswordResetRequest

    MemberFactory(user=UserFactory(email="ana@example.test"))
    for i in range(3):
        ask("ana@example.test", f"198.51.100.{i}")
    PasswordResetRequest.objects.update(
        requested_at=timezone.now() - timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES + 1)
    )

    ask("ana@example.test")

    assert len(mail.outbox) == 4
    assert PasswordResetRequest.objects.count() == 1  # the old rows are gone
