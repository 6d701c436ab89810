"""Numbers far beyond anything real (typed, pasted or forged) are refused beside their
field, never a 500 from a database integer that overflows."""

import re

import pytest

from loomworks.production.models import ProductionRun, RunStatus
from loomworks.work.models import TaskTemplate
from tests.web.console.helpers import text

pytestmark = pytest.mark.django_db

HUGE = str(10**25)


def refused(response) -> str:
    assert response.status_code == 200, response.status_code
    page = text(response)
    assert re.search(r"Give [\d,]+ or less\.", page), "the bound in plain words"
    assert "Ensure this value" not in page
    return page


def test_a_new_run_of_a_huge_quantity(console, design):
    refused(
        console.post(
            f"/admin/designs/{design.pk}/production-runs/",
            {"run_type": "sample", "quantity": HUGE, "notes": "kept"},
        )
    )
    assert not ProductionRun.objects.exists()


def test_editing_a_run_to_a_huge_quantity(console, make_run):
    run = make_run(quantity=5)
    refused(
        console.post(
            f"/admin/production-runs/{run.pk}/edit/",
            {"quantity": HUGE, "run_type": "production", "role": ""},
        )
    )
    run.refresh_from_db()
    assert run.quantity == 5


@pytest.mark.parametrize("field", ["quantity", "order"])
def test_approving_with_a_huge_quantity_or_order_group(console, make_run, workshop, field):
    run = make_run(quantity=20)
    row = {"a0-partner_id": workshop.partner.pk, "a0-quantity": "20", "a0-order": "1"}
    row[f"a0-{field}"] = HUGE
    refused(console.post(f"/admin/production-runs/{run.pk}/approve/", {"row": ["0"], **row}))
    run.refresh_from_db()
    assert run.status == RunStatus.PENDING_REVIEW


def test_a_template_of_a_huge_duration(console):
    refused(
        console.post(
            "/admin/templates/new/",
            {"name": "Dyeing", "priority": "high", "estimated_duration": HUGE, "checklist": ""},
        )
    )
    assert not TaskTemplate.objects.filter(name="Dyeing").exists()


def test_a_huge_page_number_shows_the_last_page(console, make_run):
    make_run()
    response = console.get("/admin/production-runs/", {"page": HUGE})
    assert response.status_code == 200


def test_a_bound_is_said_in_the_readers_language_and_number_format(console, design, admin_user):
    """The message is written when shown, not when the form class was made at import:
    a French reader gets French words and French digit groups."""
    admin_user.language = "fr"
    admin_user.save(update_fields=["language"])
    page = text(
        console.post(
            f"/admin/designs/{design.pk}/production-runs/",
            {"run_type": "sample", "quantity": HUGE, "notes": "kept"},
        )
    )
    assert re.search(r"1[\s\u00a0\u202f]000[\s\u00a0\u202f]000[\s\u00a0\u202f]000 ou moins", page)
    assert "Give" not in page and "Ensure this value" not in page
