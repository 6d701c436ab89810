"""Fixtures shared by the whole suite."""

import pytest
from django.db import connection

from loomworks.core.actors import Actor
from loomworks.events.api import drain
from loomworks.production import services
from loomworks.production.models import ProductionRun
from tests.factories import (
    AdminFactory,
    DesignFactory,
    MemberFactory,
    PartnerFactory,
    TemplateFactory,
)


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests, with the reason, when the suite runs on SQLite."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL row locks; set LOOMWORKS_TEST_DATABASE_URL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the dashboard keeps its closed-run totals a
    minute: one test's runs must not show in the next one's counts)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def admin(admin_user):
    """The actor for a brand admin."""
    return Actor.admin(admin_user)


@pytest.fixture
def system():
    return Actor.system()


class Workshop:
    """A partner with one member, and the actor that member acts as."""

    def __init__(self, **partner_fields):
        self.member = MemberFactory(partner=PartnerFactory(**partner_fields))
        self.partner = self.member.partner
        self.user = self.member.user
        self.actor = Actor.partner(self.user, self.partner)


@pytest.fixture
def make_workshop(db):
    return Workshop


@pytest.fixture
def workshop(make_workshop):
    return make_workshop()


@pytest.fixture
def other_workshop(make_workshop):
    return make_workshop()


@pytest.fixture
def design(db):
    return DesignFactory()


@pytest.fixture
def template(db):
    return TemplateFactory()


@pytest.fixture
def make_run(db, admin, design):
    """Build a run and take it to `status` through the real services."""

    def build(
        status="pending_review",
        *,
        partner=None,
        actor=None,
        quantity=10,
        templates=None,
        run_type="production",
        **fields,
    ) -> ProductionRun:
        run = services.run_create(
            design=fields.pop("design", design),
            actor=admin,
            quantity=quantity,
            run_type=run_type,
            partner=partner,
            status="draft" if status == "draft" else "pending_review",
            **fields,
        )
        if status in ("draft", "pending_review"):
            return run
        if status == "cancelled":
            return services.run_cancel(run=run, actor=admin, reason="test").run
        run = services.run_approve(run=run, actor=admin).run
        if status == "approved":
            return run
        templates = templates if templates is not None else [TemplateFactory()]
        run = services.run_dispatch(
            run=run, template_ids=[t.pk for t in templates], actor=admin
        ).run
        if status == "sent_to_partner":
            return run
        if status == "awaiting_reassignment":
            return services.run_decline(run=run, actor=actor, reason="capacity")
        run = services.run_accept(run=run, actor=actor)
        if status == "in_progress":
            return run
        if status == "completed":
            return services.run_complete(run=run, actor=admin)
        raise ValueError(status)

    return build


@pytest.fixture
def drained():
    """Run every pending event delivery now, the way the dispatcher would."""
    return drain


@pytest.fixture
def counted(make_run, make_workshop, admin, drained):
    """Two workshops whose scorecards are counted by hand in tests/insights/scorecard_fixture.py."""
    from tests.insights.scorecard_fixture import Fixture

    return Fixture(make_run, make_workshop, admin, drained)
