"""Schemathesis over the admin API, operation by operation, with an admin's token: no 5xx,
and every answer matches the OpenAPI document (status code declared, content type, body
valid against its schema). Broken requests must also be refused (negative data rejection).

Ids in paths and bodies are drawn from seeded data half of the time, so requests reach
the services and their state checks instead of stopping at "not found". How many
requests, and the seed, are explained in `tests/api/fuzzing.py`.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from loomworks.accounts.services import token_issue
from loomworks.catalog.models import Design, Material, Product
from loomworks.catalog.services import product_create
from loomworks.core.actors import Actor
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun
from loomworks.work.models import Task, TaskTemplate
from loomworks.wsgi import application
from tests.api.fuzzing import EXAMPLES, fuzz_operations
from tests.factories import (
    DesignFactory,
    MaterialFactory,
    MemberFactory,
    PartnerFactory,
    TemplateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The app runs inside the test's transaction: a request must not close its connection
    (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(make_run, admin_user, workshop, other_workshop, wsgi_keeps_the_test_connection):
    """Ids of every kind the admin API names, objects in many states."""
    templates = [TemplateFactory(), TemplateFactory(checklist=[])]
    PartnerFactory(status="inactive")
    MemberFactory(partner=workshop.partner)
    MaterialFactory()
    design = DesignFactory()
    product_create(
        actor=Actor.admin(admin_user), title="Shirt", design_id=design.pk, variants=[{"sku": "S-1"}]
    )
    make_run()
    make_run("draft")
    make_run("approved", partner=workshop.partner)
    make_run("sent_to_partner", partner=workshop.partner, templates=templates)
    make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)
    make_run("completed", partner=workshop.partner, actor=workshop.actor)
    make_run("cancelled")
    make_run("awaiting_reassignment", partner=workshop.partner, actor=workshop.actor)
    return {
        "token": token_issue(user=admin_user),
        "ids": {
            "run_id": list(ProductionRun.objects.values_list("pk", flat=True)),
            "partner_id": list(Partner.objects.values_list("pk", flat=True)),
            "design_id": list(Design.objects.values_list("pk", flat=True)),
            "task_id": list(Task.objects.values_list("pk", flat=True)),
            "product_id": list(Product.objects.values_list("pk", flat=True)),
            "template_ids": list(TaskTemplate.objects.values_list("pk", flat=True)),
            "material_id": list(Material.objects.values_list("pk", flat=True)),
        },
    }


def api_schema(path_regex: str):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    return schema.include(path_regex=path_regex)


def test_the_admin_api_keeps_its_contract_under_generated_requests(seeded):
    schema = api_schema(r"^/api/(admin/|auth/(me|token)$)")

    report = fuzz_operations(schema, token=seeded["token"], ids=seeded["ids"])

    print(report.summary())
    assert not report.failures, f"{report.summary()}\n" + "\n\n".join(
        f"{label}: {failure}" for label, failure in report.failures.items()
    )
    counts = report.positive_counts()
    assert len(counts) >= 40
    assert min(counts.values()) >= EXAMPLES, counts
    # The seeded ids let requests through: most operations succeeded at least once.
    succeeded = {label for label, codes in report.statuses.items() if min(codes) < 300}
    assert len(succeeded) >= 25, sorted(set(counts) - succeeded)


def test_a_partner_token_on_the_admin_api_is_refused_everywhere(seeded, workshop):
    schema = api_schema(r"^/api/admin/")

    report = fuzz_operations(
        schema,
        token=token_issue(user=workshop.user),
        ids=seeded["ids"],
        examples=3,
        negative_examples=0,
    )

    assert not report.failures, report.failures
    assert {code for codes in report.statuses.values() for code in codes} == {403}
