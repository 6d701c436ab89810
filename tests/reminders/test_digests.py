"""Morning digests: at 08:00 in each person's zone, in their language, once a day, and only if wanted."""

import datetime

import pytest

from loomworks.events.api import drain
from loomworks.notifications.models import OutgoingEmail
from loomworks.production import services as production
from loomworks.reminders.models import ChaseRules, Digest
from tests.factories import AdminFactory, MemberFactory, PartnerFactory
from tests.reminders.conftest import START

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


@pytest.fixture
def paris_admin(db):
    return AdminFactory(language="fr", time_zone="Europe/Paris", first_name="Claire")


@pytest.fixture
def lisbon_member(db):
    member = MemberFactory(partner=PartnerFactory(name="Atelier Porto"))
    member.user.language = "pt"
    member.user.time_zone = "Europe/Lisbon"
    member.user.first_name = "Rui"
    member.user.save()
    return member


@pytest.fixture
def open_work(clock, make_run, lisbon_member, paris_admin):
    """A run waiting for the Lisbon workshop's answer and one it works on, due soon."""
    from loomworks.core.actors import Actor

    partner = lisbon_member.partner
    actor = Actor.partner(lisbon_member.user, partner)
    waiting = make_run(
        "sent_to_partner", partner=partner, due_date=START.date() + datetime.timedelta(days=20)
    )
    working = make_run(
        "in_progress",
        partner=partner,
        actor=actor,
        due_date=START.date() + datetime.timedelta(days=4),
    )
    drain()
    OutgoingEmail.objects.all().delete()  # the "work sent" e-mails: not what these tests read
    return waiting, working


def digests_to(user) -> list[OutgoingEmail]:
    return list(
        OutgoingEmail.objects.filter(recipient=user, kind="digest.due").order_by("created_at")
    )


def test_each_person_gets_the_digest_at_eight_in_their_own_zone_in_their_language(
    clock, tick, open_work, paris_admin, lisbon_member
):
    clock.move_to(datetime.datetime(2031, 1, 14, 6, 59, tzinfo=UTC))  # 07:59 in Paris
    tick()
    assert digests_to(paris_admin) == []

    clock.move_to(datetime.datetime(2031, 1, 14, 7, 0, tzinfo=UTC))  # 08:00 Paris, 07:00 Lisbon
    tick()
    [french] = digests_to(paris_admin)
    assert digests_to(lisbon_member.user) == []
    assert french.subject == "Loomworks ce matin, 14 janvier 2031"
    assert "Bonjour Claire," in french.body_text
    assert "Ce qui attend quelqu'un" in french.body_text

    clock.move_to(datetime.datetime(2031, 1, 14, 8, 0, tzinfo=UTC))  # 08:00 in Lisbon
    tick()
    [portuguese] = digests_to(lisbon_member.user)
    assert portuguese.subject.startswith("Atelier Porto esta manhã, 14 de ")
    assert "janeiro de 2031" in portuguese.subject.lower()
    assert "O seu trabalho em aberto" in portuguese.body_text
    assert "1 lote aguarda a sua resposta" in portuguese.body_text
    waiting, working = open_work
    assert working.reference in portuguese.body_text and waiting.reference in portuguese.body_text
    assert "Rui" in portuguese.body_text


def test_a_digest_goes_once_a_day_whatever_ticks_happen(clock, tick, open_work, paris_admin):
    clock.move_to(datetime.datetime(2031, 1, 14, 7, 0, tzinfo=UTC))
    tick()
    tick()
    clock.shift(hours=2)
    tick()
    assert len(digests_to(paris_admin)) == 1
    assert Digest.objects.filter(recipient=paris_admin).count() == 1

    clock.move_to(datetime.datetime(2031, 1, 15, 7, 0, tzinfo=UTC))
    tick()
    assert len(digests_to(paris_admin)) == 2


def test_a_person_who_switched_digests_off_gets_none(clock, tick, open_work, paris_admin):
    paris_admin.digest_enabled = False
    paris_admin.save()
    clock.move_to(datetime.datetime(2031, 1, 14, 7, 0, tzinfo=UTC))
    tick()
    assert digests_to(paris_admin) == []


def test_the_digest_hour_set_by_the_admins_is_used(clock, tick, open_work, paris_admin):
    ChaseRules.objects.update_or_create(pk=1, defaults={"digest_hour": 6})
    clock.move_to(datetime.datetime(2031, 1, 14, 5, 0, tzinfo=UTC))  # 06:00 in Paris
    tick()
    assert len(digests_to(paris_admin)) == 1


def test_a_digest_missed_all_morning_waits_for_the_next_day(clock, tick, open_work, paris_admin):
    clock.move_to(datetime.datetime(2031, 1, 14, 11, 0, tzinfo=UTC))  # noon in Paris
    tick()
    assert digests_to(paris_admin) == []


def test_the_admin_digest_tells_what_went_late_and_what_completed(
    clock, tick, make_run, workshop, paris_admin, admin
):
    late = make_run("sent_to_partner", partner=workshop.partner, due_date=START.date())
    done = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    production.run_complete(run=done, actor=admin)
    clock.move_to(datetime.datetime(2031, 1, 14, 7, 0, tzinfo=UTC))
    tick()
    [digest] = digests_to(paris_admin)
    assert late.reference in digest.body_text
    assert done.reference in digest.body_text


def test_nobody_is_sent_an_empty_digest(clock, tick, paris_admin):
    clock.move_to(datetime.datetime(2031, 1, 14, 7, 0, tzinfo=UTC))
    tick()
    assert digests_to(paris_admin) == []
    assert Digest.objects.get(recipient=paris_admin).handled_at is not None


def test_a_hindi_workshop_reads_its_digest_in_hindi_at_eight_in_kolkata(clock, tick, make_run):
    from loomworks.core.actors import Actor

    member = MemberFactory(partner=PartnerFactory(name="Jaipur Prints"))
    member.user.language = "hi"
    member.user.time_zone = "Asia/Kolkata"
    member.user.first_name = "Meena"
    member.user.save()
    actor = Actor.partner(member.user, member.partner)
    make_run(
        "sent_to_partner",
        partner=member.partner,
        due_date=START.date() + datetime.timedelta(days=20),
    )
    make_run(
        "in_progress",
        partner=member.partner,
        actor=actor,
        due_date=START.date() + datetime.timedelta(days=4),
    )
    drain()
    OutgoingEmail.objects.all().delete()

    clock.move_to(datetime.datetime(2031, 1, 14, 2, 30, tzinfo=UTC))  # 08:00 in Kolkata
    tick()
    [hindi] = digests_to(member.user)
    assert hindi.subject == "आज सुबह Jaipur Prints, 14 जनवरी 2031"
    assert "नमस्ते Meena," in hindi.body_text
    assert "आपका बाकी काम" in hindi.body_text
    assert "1 बैच आपके जवाब का इंतज़ार कर रहा है" in hindi.body_text
