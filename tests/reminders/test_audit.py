"""Changes to how people are reached, and to the reminder rules, leave a general audit row."""

import pytest

from loomworks.accounts.services import user_preferences_set
from loomworks.core.models import AuditEntry
from loomworks.partners.services import member_whatsapp_set
from loomworks.reminders.services import rules_update

pytestmark = pytest.mark.django_db


def test_a_person_changing_their_settings_is_audited_with_before_and_after(admin, admin_user):
    user_preferences_set(
        user=admin_user, actor=admin, time_zone="Europe/Paris", digest_enabled=False
    )
    [entry] = AuditEntry.objects.filter(action="user.preferences_changed")
    assert entry.actor_id == admin_user.pk and entry.actor_kind == "admin"
    assert (entry.target_type, entry.target_id) == ("user", str(admin_user.pk))
    assert entry.details["time_zone"][1] == "Europe/Paris"
    assert entry.details["digest_enabled"] == [True, False]


def test_saving_the_same_settings_again_writes_no_row(admin, admin_user):
    user_preferences_set(user=admin_user, actor=admin, time_zone="Europe/Paris")
    user_preferences_set(user=admin_user, actor=admin, time_zone="Europe/Paris")
    assert AuditEntry.objects.filter(action="user.preferences_changed").count() == 1


def test_a_member_giving_a_whatsapp_number_and_consent_is_audited(workshop):
    member_whatsapp_set(
        member=workshop.member, actor=workshop.actor, phone="+351 912 345 678", consent=True
    )
    [entry] = AuditEntry.objects.filter(action="partner_member.whatsapp_changed")
    assert entry.actor_id == workshop.user.pk and entry.actor_kind == "partner"
    assert entry.target_id == str(workshop.member.pk)
    assert entry.details == {"phone": ["", "+351912345678"], "whatsapp_consent": [False, True]}


def test_a_change_to_the_reminder_rules_joins_the_audit_trail(admin, admin_user):
    rules_update(actor=admin, changes={"unaccepted_hours": 12})
    [entry] = AuditEntry.objects.filter(action="reminder_rules.changed")
    assert entry.actor_id == admin_user.pk
    assert entry.details["unaccepted_hours"][1] == 12
