"""Fixtures for the notification tests: a partner team, brand admins, a mail server that says no."""

import socket

import pytest

from loomworks.core.actors import Actor
from loomworks.partners.models import MemberRole
from tests.factories import AdminFactory, MemberFactory, PartnerFactory, UserFactory


class Team:
    """A partner with an owner and a manager who get e-mail, one who turned it off, one who left."""

    def __init__(self):
        self.partner = PartnerFactory(name="Atelier Nord")
        self.owner = MemberFactory(
            partner=self.partner, user=UserFactory(first_name="Ana", last_name="Silva")
        )
        self.manager = MemberFactory(partner=self.partner, role=MemberRole.MANAGER)
        self.quiet = MemberFactory(
            partner=self.partner, role=MemberRole.MANAGER, email_notifications=False
        )
        self.former = MemberFactory(partner=self.partner, role=MemberRole.MANAGER, is_active=False)
        self.actor = Actor.partner(self.owner.user, self.partner)

    @property
    def mailed_addresses(self) -> list[str]:
        return sorted([self.owner.user.email, self.manager.user.email])

    @property
    def active_users(self) -> list:
        return [self.owner.user, self.manager.user, self.quiet.user]


@pytest.fixture
def team(db):
    return Team()


@pytest.fixture
def other_admin(db):
    return AdminFactory()


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nobody listens on: connecting to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
