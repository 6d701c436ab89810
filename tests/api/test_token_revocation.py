"""API tokens end when their owner's password changes or their membership is switched off."""

import pytest
from django.core import mail
from django.test import Client

from loomworks.accounts.models import ApiToken
from loomworks.accounts.services import admin_create_or_update, token_issue
from loomworks.core.actors import Actor
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def answers(token: str, path: str = "/api/auth/me") -> int:
    return Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_a_password_reset_ends_the_tokens_issued_before(client, workshop):
    token = token_issue(user=workshop.user)
    assert answers(token) == 200

    client.post("/password-reset", {"email": workshop.user.email})
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/password-reset/" in word)
    form = client.get(link.replace("http://testserver", ""), follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"},
    )

    assert answers(token) == 401
    assert ApiToken.objects.get(key_hash=ApiToken.hash(token)).revoked_at is not None
    fresh = client.post(
        "/api/auth/token",
        {"email": workshop.user.email, "password": "a-brand-new-secret"},
        content_type="application/json",
    )
    assert answers(fresh.json()["token"]) == 200


def test_a_password_set_in_code_ends_them_too(workshop):
    token = token_issue(user=workshop.user)

    workshop.user.set_password("another-long-secret")
    workshop.user.save()

    assert answers(token) == 401


def test_createadmin_changing_a_password_ends_that_admins_tokens(admin_user):
    token = token_issue(user=admin_user)

    admin_create_or_update(
        email=admin_user.email, password="rotated-admin-secret", actor=Actor.system()
    )

    assert answers(token) == 401


def test_saving_a_person_without_a_new_password_keeps_their_tokens(workshop):
    token = token_issue(user=workshop.user)

    workshop.user.first_name = "Renamed"
    workshop.user.save()

    assert answers(token) == 200


def test_switching_a_membership_off_ends_the_members_tokens_for_good(workshop):
    token = token_issue(user=workshop.user)
    assert answers(token, "/api/partners/production-runs") == 200

    workshop.member.is_active = False
    workshop.member.save()
    workshop.member.is_active = True
    workshop.member.save()

    assert answers(token, "/api/partners/production-runs") == 401
    assert answers(token_issue(user=workshop.user), "/api/partners/production-runs") == 200


def test_another_persons_tokens_are_untouched(workshop, other_workshop):
    theirs = token_issue(user=other_workshop.user)

    workshop.user.set_password(PASSWORD + "-new")
    workshop.user.save()

    assert answers(theirs) == 200
