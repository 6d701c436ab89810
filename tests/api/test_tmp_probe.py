import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from loomworks.production import services
from tests.api.admin_fixtures import *  # noqa
from tests.api.partner_support import PartnerApi
from tests.factories import TemplateFactory
pytestmark = pytest.mark.django_db

def test_probe(admin_api, make_run, workshop, admin):
    parent = make_run(quantity=10)
    first, second = services.run_approve(run=parent, actor=admin, assignments=[
        services.Assignment(partner_id=workshop.partner.pk, quantity=10, order=1, template_ids=[TemplateFactory(checklist=["a","b"]).pk]),
        services.Assignment(partner_id=workshop.partner.pk, quantity=10, order=2)]).children
    admin_api.get(f"/production-runs/{first.pk}")
    with CaptureQueriesContext(connection) as q:
        admin_api.get(f"/production-runs/{first.pk}")
    for x in q.captured_queries: print(x["sql"][:600], "\n")
    api = PartnerApi(workshop.user)
    api.get(f"/production-runs/{first.pk}")
    with CaptureQueriesContext(connection) as q:
        r = api.get(f"/production-runs/{first.pk}")
    print("PARTNER", r.status_code)
    for x in q.captured_queries: print(x["sql"][:600], "\n")
