"""Fixtures for the language tests: a partner member who reads French, a run sent to them."""

import pytest
from django.test import Client

from loomworks.accounts.models import User


@pytest.fixture
def speaks():
    """Give `user` a language, as the picker does."""

    def choose(user, language: str):
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        return user

    return choose


@pytest.fixture
def portal(workshop):
    client = Client()
    client.force_login(workshop.user)
    return client
