"""Fixtures for the partner portal's page tests."""

import pytest

from tests.factories import TemplateFactory


@pytest.fixture
def partner_client(client, workshop):
    """A browser session logged in as the workshop's member."""
    client.force_login(workshop.user)
    return client


@pytest.fixture
def checklist_template(db):
    return TemplateFactory(name="Cutting", checklist=["Lay fabric", "Cut panels"])


@pytest.fixture
def sent_run(make_run, workshop, checklist_template):
    """A run sent to the workshop: one task with two checklist items."""
    return make_run(
        "sent_to_partner",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[checklist_template],
    )


@pytest.fixture
def working_run(make_run, workshop, checklist_template):
    """A run the workshop accepted."""
    return make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[checklist_template],
    )
