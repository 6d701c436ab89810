"""Event names are constants: an unknown one stops the start-up, or the publish."""

import pytest
from django.apps import apps
from django.db import transaction

from loomworks.events import registry
from loomworks.events.api import EventName, publish, subscriber


def test_a_subscriber_for_an_unknown_event_is_refused_when_it_registers():
    with pytest.raises(ValueError, match=r"production_run\.acepted"):

        @subscriber("production_run.acepted", name="tests.names.typo")
        def _never(event):  # pragma: no cover - never registered
            pass

    assert registry.get("tests.names.typo") is None


@pytest.mark.django_db
def test_publishing_an_unknown_event_is_refused():
    with transaction.atomic(), pytest.raises(ValueError, match="EventName"):
        publish("production_run.teleported", {})


def test_every_subscriber_of_the_product_listens_to_known_names():
    assert apps.ready
    product = [s for s in registry.all_subscribers() if s.name.startswith("loomworks.")]
    assert product, "the apps fill the registry at start-up"
    for listener in product:
        assert all(name in EventName._value2member_map_ for name in listener.events), listener


def test_the_constants_are_the_names_stored_in_the_outbox():
    assert EventName.RUN_ACCEPTED == "production_run.accepted"
    assert f"{EventName.TASK_COMPLETED}" == "task.completed"
