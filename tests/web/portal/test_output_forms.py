"""The portal's output forms: numbers in the person's language, the hand-over, undoing a tick,
correcting a material entry."""

from decimal import Decimal

import pytest

from loomworks.catalog.models import Material
from loomworks.core.errors import InvalidInput
from loomworks.core.numbers import AmbiguousNumber, parse_amount
from loomworks.production import services
from loomworks.production.models import ConsumptionLog, Delivery
from loomworks.production.services.output import clean_rejections
from loomworks.work.models import Task

pytestmark = pytest.mark.django_db


def planned_material(run) -> Material:
    return Material.objects.get(pk=run.snapshot["materials"][0]["material_id"])


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "language, text, value",
    [
        ("fr", "42,5", Decimal("42.5")),
        ("pt", "42,5", Decimal("42.5")),
        ("fr", "1 234,5", Decimal("1234.5")),
        ("pt", "0,125", Decimal("0.125")),
        ("en", "42.5", Decimal("42.5")),
        ("en", "1,234.5", Decimal("1234.5")),
        ("fr", "42.5", Decimal("42.5")),  # a lone dot with one decimal is clear
    ],
)
def test_numbers_are_read_in_the_persons_language(language, text, value):
    assert parse_amount(text, language) == value


@pytest.mark.parametrize(
    "language, text",
    [
        ("fr", "1,234.5"),  # both marks: which one is the decimal?
        ("pt", "1.234,5"),
        ("fr", "1.234"),  # a thousand, or one and a bit?
        ("pt", "1.234"),
        ("en", "42,5"),
        ("fr", "1e5"),
        ("fr", "douze"),
    ],
)
def test_what_could_be_read_two_ways_is_refused(language, text):
    with pytest.raises(AmbiguousNumber):
        parse_amount(text, language)


@pytest.mark.parametrize("language", ["fr", "pt"])
def test_a_decimal_comma_logs_material_in_french_and_portuguese(
    language, partner_client, working_run, workshop
):
    workshop.user.language = language
    workshop.user.save(update_fields=["language"])
    linen = planned_material(working_run)

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": linen.pk, "quantity": "12,5"},
    )

    assert response.status_code == 302, response.content.decode()[:500]
    assert ConsumptionLog.objects.get().quantity == Decimal("12.5")
    page = partner_client.get(response["Location"]).content.decode()
    assert "12,5 m" in page  # shown back the way it was typed


def test_an_ambiguous_quantity_is_refused_beside_the_field(partner_client, working_run, workshop):
    workshop.user.language = "fr"
    workshop.user.save(update_fields=["language"])
    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": planned_material(working_run).pk, "quantity": "1.234"},
    )
    assert response.status_code == 422
    assert "peut se lire de deux façons" in response.content.decode()
    assert not ConsumptionLog.objects.exists()


def test_a_decimal_comma_is_refused_in_english(partner_client, working_run):
    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": planned_material(working_run).pk, "quantity": "12,5"},
    )
    assert response.status_code == 422
    assert "Write the number like 42.5." in response.content.decode()


def test_a_workshop_corrects_its_entry_on_the_run_page(partner_client, working_run, workshop):
    log = services.consumption_log_add(
        run=working_run, actor=workshop.actor, material=planned_material(working_run), quantity=2
    )
    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption/{log.pk}",
        {"quantity": "1.75", "notes": "weighed again"},
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.quantity, log.notes) == (Decimal("1.75"), "weighed again")


# ---------------------------------------------------------------- the hand-over


def test_a_batch_then_the_hand_over_from_the_run_page(partner_client, working_run):
    url = f"/partner/production-runs/{working_run.pk}/deliveries"
    batch = partner_client.post(
        url, {"good": "6", "reason_0": "stain", "rejected_0": "1", "final": "0"}
    )
    assert batch.status_code == 302
    page = partner_client.get(batch["Location"]).content.decode()
    assert "Delivery recorded on" in page and "1 rejected: Stain" in page

    short = partner_client.post(url, {"good": "2", "final": "1"})
    assert short.status_code == 422
    assert "say why fewer" in short.content.decode()
    assert Delivery.objects.count() == 1

    handed = partner_client.post(
        url, {"good": "2", "final": "1", "shortfall_reason": "short cloth"}
    )
    assert handed.status_code == 302
    working_run.refresh_from_db()
    assert working_run.status == "completed" and working_run.produced_quantity == 8


def test_a_rejected_line_needs_its_reason(partner_client, working_run):
    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/deliveries",
        {"good": "1", "rejected_1": "2", "final": "0"},
    )
    assert response.status_code == 422
    assert "Choose why these pieces were rejected." in response.content.decode()


def test_a_tick_is_undone_on_the_run_page(partner_client, working_run, workshop):
    task = Task.objects.get(run=working_run, parent__isnull=True)
    first = task.subtasks.order_by("position").first()
    partner_client.post(f"/partner/tasks/{task.pk}/subtasks/{first.pk}/complete")
    page = partner_client.get(f"/partner/production-runs/{working_run.pk}/").content.decode()
    assert f"/partner/tasks/{task.pk}/subtasks/{first.pk}/reopen" in page

    partner_client.post(f"/partner/tasks/{task.pk}/subtasks/{first.pk}/reopen")

    assert Task.objects.get(pk=first.pk).status == "pending"


def test_a_true_is_not_a_number_of_pieces():
    with pytest.raises(InvalidInput):
        clean_rejections([{"reason": "stain", "quantity": True}], {"stain": "Stain"})


@pytest.mark.parametrize(("language", "country"), [("hi", ""), ("en", "IN")])
def test_a_workshop_in_india_types_quantities_in_lakhs(
    language, country, partner_client, working_run, workshop
):
    """Hindi, or English at a workshop whose country is India: 1,00,000.5 is a lakh and a half."""
    workshop.user.language = language
    workshop.user.save(update_fields=["language"])
    workshop.partner.country = country
    workshop.partner.save(update_fields=["country"])
    linen = planned_material(working_run)

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": linen.pk, "quantity": "1,00,000.5"},
    )

    assert response.status_code == 302, response.content.decode()[:500]
    assert ConsumptionLog.objects.get().quantity == Decimal("100000.5")


def test_lakhs_are_refused_in_english_outside_india(partner_client, working_run, workshop):
    workshop.user.language = "en"
    workshop.user.save(update_fields=["language"])
    workshop.partner.country = "GB"
    workshop.partner.save(update_fields=["country"])
    linen = planned_material(working_run)

    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": linen.pk, "quantity": "1,00,000.5"},
    )

    assert response.status_code == 422
    assert "Write the number like 42.5." in response.content.decode()
    assert not ConsumptionLog.objects.exists()
