"""My runs: the workshop's home, as cards, newest first, open work by default."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.partners.models import PartnerMember
from loomworks.production import services
from loomworks.production.models import RunHistory
from tests.factories import DesignFactory

pytestmark = pytest.mark.django_db


def references(response) -> list[str]:
    return re.findall(r'class="run-card__ref">(PR-\d+)<', response.content.decode())


def test_cards_show_design_reference_status_quantity_and_task_progress(partner_client, sent_run):
    page = partner_client.get("/partner/").content.decode()

    assert sent_run.design.name in page
    assert sent_run.reference in page
    assert ">Waiting for your answer</span>" in page  # the workshop's words, not the brand's
    assert "Sent to partner" not in page
    assert "10 pieces" in page
    assert "0 of 2 checklist items ticked" in page
    assert f'href="/partner/production-runs/{sent_run.pk}/"' in page


def test_lists_only_the_partners_own_runs_newest_first(
    partner_client, make_run, workshop, other_workshop
):
    first = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)
    second = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    theirs = make_run("sent_to_partner", partner=other_workshop.partner, actor=other_workshop.actor)
    make_run("pending_review", partner=workshop.partner)  # not approved yet: not the partner's

    response = partner_client.get("/partner/")

    assert references(response) == [second.reference, first.reference]
    assert theirs.reference not in response.content.decode()


def test_open_work_is_the_default_and_done_runs_are_under_done(
    partner_client, make_run, workshop, admin
):
    upcoming = make_run("approved", partner=workshop.partner)
    waiting = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)
    working = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    done = make_run("completed", partner=workshop.partner, actor=workshop.actor)
    cancelled = services.run_cancel(
        run=make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor),
        actor=admin,
        reason="No longer needed",
    ).run

    assert references(partner_client.get("/partner/")) == [
        working.reference,
        waiting.reference,
        upcoming.reference,
    ]
    assert references(partner_client.get("/partner/?show=waiting")) == [
        waiting.reference,
        upcoming.reference,
    ]
    assert references(partner_client.get("/partner/?show=in_progress")) == [working.reference]
    assert references(partner_client.get("/partner/?show=done")) == [
        cancelled.reference,
        done.reference,
    ]
    chips = partner_client.get("/partner/").content.decode()
    assert re.search(r"Open work <span class=\"filter__n\">3</span>", chips)
    assert re.search(r"Done <span class=\"filter__n\">2</span>", chips)


def test_sample_and_production_tabs(partner_client, make_run, workshop):
    sample = make_run(
        "sent_to_partner", partner=workshop.partner, actor=workshop.actor, run_type="sample"
    )
    batch = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)

    assert references(partner_client.get("/partner/?type=sample")) == [sample.reference]
    assert references(partner_client.get("/partner/?type=production")) == [batch.reference]
    assert references(partner_client.get("/partner/?type=bogus&show=bogus")) == [
        batch.reference,
        sample.reference,
    ]


def test_twenty_runs_a_page(partner_client, make_run, workshop):
    runs = [make_run("approved", partner=workshop.partner) for _ in range(21)]

    first = partner_client.get("/partner/")
    second = partner_client.get("/partner/?page=2")

    assert len(references(first)) == 20
    assert references(second) == [runs[0].reference]
    assert "Page 1 of 2" in first.content.decode()


def test_a_late_run_shows_its_due_date_in_red(partner_client, make_run, workshop):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor, due_date=yesterday)

    page = partner_client.get("/partner/").content.decode()

    assert re.search(
        r'<span class="deadline late">Due \d+ \w+ \d{4}</span> <span class="chip chip--late">late</span>',
        page,
    )


def test_a_late_run_the_partner_gave_a_date_for_shows_the_promised_date_it_missed(
    partner_client, make_run, workshop
):
    import time_machine

    from loomworks.production import services

    today = timezone.localdate()
    run = make_run(
        "sent_to_partner",
        partner=workshop.partner,
        actor=workshop.actor,
        due_date=today + datetime.timedelta(days=30),
    )
    services.run_accept(
        run=run, actor=workshop.actor, promised_date=today + datetime.timedelta(days=2)
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=4), tick=False):
        missed = (today + datetime.timedelta(days=2)).strftime("%-d %b %Y")
        for url in ("/partner/", f"/partner/production-runs/{run.pk}/"):
            page = partner_client.get(url).content.decode()
            assert f'<span class="deadline late">Promised {missed}</span>' in page
            assert "Due " not in page


def test_runs_sent_since_the_last_visit_are_marked_new_once(partner_client, make_run, workshop):
    now = timezone.now()
    seen = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)
    RunHistory.objects.filter(run=seen, kind="dispatch").update(
        occurred_at=now - datetime.timedelta(hours=2)
    )
    PartnerMember.objects.filter(pk=workshop.member.pk).update(
        last_seen_runs_at=now - datetime.timedelta(hours=1)
    )
    fresh = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)

    first = partner_client.get("/partner/").content.decode()
    again = partner_client.get("/partner/").content.decode()

    assert "1 run was sent to you since your last visit." in first
    assert first.count('class="chip chip--new"') == 1
    assert "chip--new" in _card(first, fresh.reference)
    assert "chip--new" not in _card(first, seen.reference)
    assert "chip--new" not in again
    workshop.member.refresh_from_db()
    assert workshop.member.last_seen_runs_at >= now


def _card(page: str, reference: str) -> str:
    start = page.index(f">{reference}<")
    return page[page.rindex("<li>", 0, start) : page.index("</li>", start)]


def test_a_members_first_visit_marks_runs_waiting_for_them_as_new(
    partner_client, make_run, workshop
):
    waiting = make_run("sent_to_partner", partner=workshop.partner, actor=workshop.actor)
    make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    page = partner_client.get("/partner/").content.decode()

    assert page.count('class="chip chip--new"') == 1
    assert "chip--new" in _card(page, waiting.reference)


def test_empty_list_explains_where_runs_come_from(partner_client):
    page = partner_client.get("/partner/").content.decode()
    assert "New runs appear here as soon as the brand sends them." in page


def test_the_list_costs_the_same_queries_for_one_run_or_many(partner_client, make_run, workshop):
    make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    with CaptureQueriesContext(connection) as one:
        assert partner_client.get("/partner/").status_code == 200

    for _ in range(6):
        make_run(
            "in_progress",
            partner=workshop.partner,
            actor=workshop.actor,
            design=DesignFactory(),
        )
    with CaptureQueriesContext(connection) as many:
        assert partner_client.get("/partner/").status_code == 200

    assert len(many) == len(one)
