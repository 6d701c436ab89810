"""The console's reminder rules page (with its change log) and an admin's own notification settings."""

import pytest

from loomworks.reminders.models import ChaseRules, ChaseRulesChange

pytestmark = pytest.mark.django_db

RULES = "/admin/reminders/"


def form_values(**changes) -> dict:
    values = {
        "unaccepted_enabled": "on",
        "unaccepted_hours": "24",
        "escalation_enabled": "on",
        "escalation_hours": "24",
        "not_started_enabled": "on",
        "not_started_days": "3",
        "late_enabled": "on",
        "stalled_enabled": "on",
        "stalled_days": "5",
        "digest_hour": "8",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def test_the_rules_page_shows_the_defaults(console):
    page = console.get(RULES).content.decode()
    assert 'name="unaccepted_hours" value="24"' in page
    assert 'name="stalled_days" value="5"' in page
    assert "nobody changed them yet" in page


def test_saving_the_rules_changes_them_and_records_who_changed_what(console, admin_user):
    response = console.post(RULES, form_values(unaccepted_hours="12", stalled_enabled=None))
    assert response.status_code == 302
    rules = ChaseRules.current()
    assert rules.unaccepted_hours == 12
    assert rules.stalled_enabled is False
    [change] = ChaseRulesChange.objects.all()
    assert change.actor_id == admin_user.pk
    assert change.changes == {"unaccepted_hours": [24, 12], "stalled_enabled": [True, False]}

    page = console.get(RULES).content.decode()
    assert admin_user.display_name in page
    assert "Hours after sending: 24 → 12" in page
    assert "off" in page


def test_a_number_out_of_bounds_is_shown_beside_its_field_and_nothing_changes(console):
    response = console.post(RULES, form_values(unaccepted_hours="0", stalled_days="6"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Give a number from 1 to 720." in page
    assert 'value="0"' in page  # what was typed stays
    assert ChaseRules.current().stalled_days == 5
    assert not ChaseRulesChange.objects.exists()


def test_saving_the_same_values_records_no_change(console):
    console.post(RULES, form_values())
    assert not ChaseRulesChange.objects.exists()


def test_a_partner_cannot_open_the_rules(client, workshop):
    client.force_login(workshop.user)
    assert client.get(RULES).status_code == 403


def test_an_admin_sets_their_own_zone_digest_and_email(console, admin_user):
    response = console.post(
        "/admin/me/notifications/", {"time_zone": "Europe/Paris", "email_notifications": "on"}
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.time_zone == "Europe/Paris"
    assert admin_user.digest_enabled is False
    assert admin_user.email_notifications is True


def test_an_unknown_time_zone_is_refused_beside_its_field(console, admin_user):
    response = console.post("/admin/me/notifications/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "is not a time zone" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.time_zone == ""


def test_a_whatsapp_message_refused_shows_on_the_dashboard_and_the_members_page(
    console, workshop, make_run
):
    from loomworks.notifications.models import WhatsAppMessage, WhatsAppState

    run = make_run("approved", partner=workshop.partner)
    WhatsAppMessage.objects.create(
        event_id="evt_x",
        kind="production_run.sent_to_partner",
        recipient=workshop.user,
        partner=workshop.partner,
        run=run,
        to_number="+351912345678",
        template="loomworks_run_sent",
        language="en",
        state=WhatsAppState.FAILED,
        error_code="131026",
        error="HTTP 400, error 131026: (#131026) Message undeliverable",
    )
    dashboard = console.get("/admin/").content.decode()
    assert "Not delivered" in dashboard
    assert "(#131026) Message undeliverable" in dashboard and run.reference in dashboard
    page = console.get(f"/admin/partners/{workshop.partner.pk}/").content.decode()
    assert "Last WhatsApp message not delivered" in page
    assert "(#131026) Message undeliverable" in page


def test_the_dashboard_has_no_undelivered_section_when_everything_went(console):
    assert "Not delivered" not in console.get("/admin/").content.decode()
