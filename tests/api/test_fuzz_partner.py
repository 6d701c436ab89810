"""Schemathesis over the partner API, operation by operation, with a partner member's token:
no 5xx, and every answer is documented (status code, content type and body match the
OpenAPI document the API publishes).

The requests go to the real Django WSGI application against seeded runs, tasks and
checklist items of that partner and of another one. Path ids are drawn from those rows
as well as generated, so the calls reach the handlers and the services, not only the
404 branch. Both schema-conforming and deliberately broken input is sent; how many,
and the seed, are explained in `tests/api/fuzzing.py`.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections

from loomworks.accounts.services import token_issue
from loomworks.work.models import Task
from loomworks.wsgi import application
from tests.api.fuzzing import EXAMPLES, fuzz_operations
from tests.factories import MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The app runs inside the test's transaction: a request must not close its connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(make_run, workshop, other_workshop, wsgi_keeps_the_test_connection):
    """Runs in every status a partner sees, with tasks, for the caller and for a stranger."""
    material = MaterialFactory()
    templates = [TemplateFactory(checklist=["One", "Two", "Three"]), TemplateFactory()]
    mine = [
        make_run(status, partner=workshop.partner, actor=workshop.actor, templates=templates)
        for status in ("approved", "sent_to_partner", "in_progress", "in_progress", "completed")
    ]
    theirs = make_run(
        "in_progress",
        partner=other_workshop.partner,
        actor=other_workshop.actor,
        templates=templates,
    )
    tasks = Task.objects.filter(run__in=[*mine, theirs]).order_by("run__number", "position")
    top_level = list(tasks.filter(parent__isnull=True).values_list("pk", flat=True))
    subtask_pairs = list(
        tasks.filter(parent__isnull=False)
        .order_by("run__number", "parent__position", "position")
        .values_list("parent_id", "pk")
    )
    return {
        "token": token_issue(user=workshop.user),
        "ids": {
            "run_id": [run.pk for run in [*mine, theirs]],
            "task_id": top_level,
            "subtask_id": [pk for _parent, pk in subtask_pairs],
            "material_id": [material.pk],
        },
        "pairs": {("task_id", "subtask_id"): subtask_pairs},
    }


def test_partner_api_keeps_its_contract_under_generated_requests(seeded):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
        path_regex=r"^/api/(partners/|auth/(me|token)$)"
    )

    report = fuzz_operations(
        schema,
        token=seeded["token"],
        ids=seeded["ids"],
        pairs=seeded["pairs"],
        # A query value schemathesis breaks is often still a valid string once sent in
        # a URL; judged here: no 5xx and documented answers.
        reject_negative_data=False,
    )

    print(report.summary())
    assert not report.failures, f"{report.summary()}\n" + "\n\n".join(
        f"{label}: {failure}" for label, failure in report.failures.items()
    )
    counts = report.positive_counts()
    assert len(counts) >= 25
    assert min(counts.values()) >= EXAMPLES, counts
    # The run reached past validation and scoping, not only 404s and 422s.
    statuses = {code for codes in report.statuses.values() for code in codes}
    assert {200, 201, 404, 409, 422} <= statuses, statuses


def test_an_admin_token_on_the_partner_api_is_refused_everywhere(seeded, admin_user):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
        path_regex=r"^/api/partners/"
    )

    report = fuzz_operations(
        schema,
        token=token_issue(user=admin_user),
        ids=seeded["ids"],
        examples=3,
        negative_examples=0,
    )

    assert not report.failures, report.failures
    assert {code for codes in report.statuses.values() for code in codes} == {403}
