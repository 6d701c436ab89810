"""Schemathesis over the partner API: hundreds of generated requests, no 5xx.

Every answer must also be documented: its status code, content type and body
match the OpenAPI document the API publishes.

The requests go to the real Django WSGI application, authenticated as a
partner member, against seeded runs, tasks and checklist items of that
partner and of another one. Path ids are drawn from those rows as well as
generated, so the calls reach the handlers and the services, not only the
404 branch. Both schema-conforming and deliberately broken input is sent.
"""

import itertools

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loomworks.accounts.services import token_issue
from loomworks.api.router import api
from loomworks.work.models import Task
from tests.factories import MaterialFactory, TemplateFactory

pytestmark = pytest.mark.django_db

REQUESTS = 600
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema()).include(
    path_regex=r"^/api/partners/"
)


@pytest.fixture
def wsgi_app():
    """Django's WSGI app, kept from closing the test's database connection after each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(make_run, workshop, other_workshop):
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
    subtasks = list(
        tasks.filter(parent__isnull=False)
        .order_by("run__number", "parent__position", "position")
        .values_list("parent_id", "pk")
    )
    return {
        "token": token_issue(user=workshop.user),
        "run_ids": [run.pk for run in [*mine, theirs]],
        "task_ids": top_level,
        "subtask_pairs": subtasks,
        "material_id": material.pk,
    }


def _strategies(seeded):
    """Generated ids and real ones, schema-conforming input and broken input."""
    yield schema.as_strategy(GenerationMode.POSITIVE)
    yield schema.as_strategy(GenerationMode.NEGATIVE)
    runs = itertools.cycle(seeded["run_ids"])
    for run_id, (task_id, subtask_id) in zip(runs, seeded["subtask_pairs"], strict=False):
        yield schema.as_strategy(
            GenerationMode.POSITIVE,
            path_parameters={"run_id": run_id, "task_id": task_id, "subtask_id": subtask_id},
        )
    for run_id, task_id in zip(seeded["run_ids"], seeded["task_ids"], strict=False):
        yield schema.as_strategy(
            GenerationMode.NEGATIVE, path_parameters={"run_id": run_id, "task_id": task_id}
        )


def _with_a_real_material(material_id):
    """Half the consumption logs name a material that exists, so they reach the service."""

    def swap(drawn):
        case, use_real = drawn
        if use_real and isinstance(case.body, dict) and "material_id" in case.body:
            case.body["material_id"] = material_id
        return case

    return swap


def test_partner_api_answers_generated_requests_without_a_server_error(seeded, wsgi_app):
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    sent = []
    cases = st.tuples(st.one_of(list(_strategies(seeded))), st.booleans()).map(
        _with_a_real_material(seeded["material_id"])
    )

    @given(case=cases)
    @settings(
        max_examples=REQUESTS,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(app=wsgi_app, headers=headers)
        sent.append(response.status_code)
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                response_schema_conformance,
                status_code_conformance,
                content_type_conformance,
            ],
        )

    check()

    assert len(sent) >= 500
    assert not [status for status in sent if status >= 500]
    # The run reached past validation and scoping, not only 404s and 422s.
    assert {200, 201, 404, 409, 422} <= set(sent)
