"""Material use: one builder for the console and the portal, per material and unit.

The plan is the snapshot's bill of materials × the run's quantity; what a
workshop logged is set beside it. A use logged in another unit than the plan
(kg of a fabric planned in m) is never added to the plan's figure: it is a
row of its own, on both pages.
"""

from decimal import Decimal

import pytest
from django.test import Client

from loomworks.catalog.models import Material
from loomworks.production import services
from loomworks.production.run_records import material_use

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    linen = Material.objects.get(pk=run.snapshot["materials"][0]["material_id"])
    for quantity, unit in (("2", None), ("0.5", "m"), ("3", "kg")):
        services.consumption_log_add(
            run=run, actor=workshop.actor, material=linen, quantity=quantity, unit=unit
        )
    return run, linen


def test_kilograms_are_never_added_to_metres(logged):
    run, linen = logged

    rows = {(row.name, row.unit): row for row in material_use(run.pk, run.snapshot, run.quantity)}

    planned = rows[(run.snapshot["materials"][0]["name"], "m")]
    assert (planned.planned, planned.used) == (Decimal("15.000"), Decimal("2.500"))
    assert (planned.used_text, planned.remaining_text, planned.is_over) == ("2.5", "12.5", False)
    other_unit = rows[(linen.name, "kg")]
    assert (other_unit.planned, other_unit.used_text, other_unit.unplanned) == (None, "3", True)


def test_the_console_and_the_portal_show_the_same_rows(logged, admin_user, workshop):
    run, _linen = logged
    console, portal = Client(), Client()
    console.force_login(admin_user)
    portal.force_login(workshop.user)

    admin_page = console.get(f"/admin/production-runs/{run.pk}/").content.decode()
    partner_page = portal.get(f"/partner/production-runs/{run.pk}/").content.decode()

    assert "2.5 m" in admin_page and "3 kg" in admin_page and "5.5" not in admin_page
    assert "2.5 of 15 m used" in partner_page and "3 kg used, not in the plan" in partner_page
