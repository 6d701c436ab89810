"""Fixtures for the console's pages: logged-in clients and a few ready-made situations."""

import pytest
from django.test import Client

from loomworks.production import services
from loomworks.production.services import Assignment
from tests.factories import TemplateFactory


@pytest.fixture
def console(admin_user):
    """A browser session of a brand admin."""
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def htmx(console):
    """The same session, asking the way htmx does (only the piece to swap)."""

    def get(url, data=None, **kwargs):
        return console.get(url, data, headers={"HX-Request": "true"}, **kwargs)

    def post(url, data=None, **kwargs):
        return console.post(url, data or {}, headers={"HX-Request": "true"}, **kwargs)

    get.post = post
    return get


@pytest.fixture
def split_run(make_run, admin, make_workshop):
    """A run of 10 approved in two order groups: cutting by one partner, sewing split 6 + 4."""

    def build(quantity=10, **fields):
        cutter, sewer_a, sewer_b = make_workshop(), make_workshop(), make_workshop()
        run = make_run("pending_review", quantity=quantity, **fields)
        result = services.run_approve(
            run=run,
            actor=admin,
            assignments=[
                Assignment(
                    partner_id=cutter.partner.pk, quantity=quantity, role="cutting", order=1
                ),
                Assignment(partner_id=sewer_a.partner.pk, quantity=6, role="sewing", order=2),
                Assignment(
                    partner_id=sewer_b.partner.pk, quantity=quantity - 6, role="sewing", order=2
                ),
            ],
        )
        result.workshops = (cutter, sewer_a, sewer_b)
        return result

    return build


@pytest.fixture
def templates(db):
    return [
        TemplateFactory(name="Cutting", checklist=["Lay", "Cut"]),
        TemplateFactory(name="Sewing", checklist=["Join", "Hem", "Press"]),
        TemplateFactory(name="Packing", checklist=[]),
    ]
