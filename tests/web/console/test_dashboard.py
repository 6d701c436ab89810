"""The dashboard: counts by status, the lists that need someone, and the admin feed."""

import datetime

from django.utils import timezone

from loomworks.events.api import drain
from loomworks.notifications.models import Audience, Notification
from loomworks.production import services
from tests.factories import AdminFactory
from tests.web.console.helpers import count_queries, text


def section(page: str, key: str) -> str:
    start = page.index(f'id="needs-{key}"')
    return page[start : page.index("</section>", start)]


def test_counts_by_status_link_to_the_filtered_list(console, make_run):
    make_run("pending_review")
    make_run("pending_review")
    make_run("approved")
    response = console.get("/admin/")
    counts = {entry["status"]: entry["count"] for entry in response.context["status_counts"]}
    assert counts["pending_review"] == 2 and counts["approved"] == 1 and counts["completed"] == 0
    assert 'href="/admin/production-runs/?status=pending_review"' in text(response)


def test_pending_review_and_awaiting_reassignment(console, make_run, workshop):
    waiting = make_run("pending_review")
    declined = make_run("awaiting_reassignment", partner=workshop.partner, actor=workshop.actor)
    page = text(console.get("/admin/"))
    assert waiting.reference in section(page, "pending_review")
    assert declined.reference in section(page, "awaiting_reassignment")
    assert declined.reference not in section(page, "pending_review")


def test_ready_to_dispatch_and_blocked_come_from_finished_dependencies(console, split_run, admin):
    done = split_run()
    cutting, *sewing = done.children
    _complete(cutting, done.workshops[0], admin)
    drain()

    stopped = split_run()
    services.run_cancel(run=stopped.children[0], actor=admin, reason="Machine broke")
    drain()

    page = text(console.get("/admin/"))
    ready = section(page, "ready_to_dispatch")
    assert all(part.reference in ready for part in sewing)
    blocked = section(page, "blocked")
    assert all(part.reference in blocked for part in stopped.children[1:])
    assert cutting.reference not in ready


def test_ready_to_dispatch_lists_every_approved_run_that_can_be_sent(
    console, make_run, split_run, make_workshop, admin
):
    old, new = make_workshop(), make_workshop()
    first_step = make_run("approved", partner=new.partner)
    reassigned = make_run("awaiting_reassignment", partner=old.partner, actor=old.actor)
    services.run_reassign(run=reassigned, partner=new.partner, actor=admin)
    no_partner = make_run("approved")
    split = split_run()
    cutting, *sewing = split.children

    ready = section(text(console.get("/admin/")), "ready_to_dispatch")
    assert first_step.reference in ready and reassigned.reference in ready
    assert cutting.reference in ready  # the first step of a split run
    assert no_partner.reference not in ready and split.run.reference not in ready
    assert not any(part.reference in ready for part in sewing)  # they wait for cutting


def test_a_run_with_a_quantity_to_confirm_is_not_ready_to_dispatch(console, make_run, workshop):
    from loomworks.production.models import ProductionRun

    run = make_run("approved", partner=workshop.partner, quantity=10)
    # As the step before leaves it when it delivered fewer pieces than planned.
    ProductionRun.objects.filter(pk=run.pk).update(proposed_quantity=8)
    assert run.reference not in section(text(console.get("/admin/")), "ready_to_dispatch")


def _complete(run, workshop, admin):
    from tests.factories import TemplateFactory

    services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=run, actor=workshop.actor)
    services.run_complete(run=run, actor=admin)


def test_overdue_runs(console, make_run):
    late = make_run("approved", due_date=timezone.localdate() - datetime.timedelta(days=3))
    make_run("approved", due_date=timezone.localdate() + datetime.timedelta(days=3))
    page = text(console.get("/admin/"))
    overdue = section(page, "overdue")
    assert late.reference in overdue and ">late<" in overdue
    assert 'href="/admin/production-runs/?late=true"' in overdue


def test_lists_show_five_and_the_total(console, make_run):
    for _ in range(7):
        make_run("pending_review")
    pending = section(text(console.get("/admin/")), "pending_review")
    assert pending.count('class="needs__item"') == 5
    assert "7 in all." in pending


def test_empty_lists_say_nothing_waits(console, db):
    page = text(console.get("/admin/"))
    assert "No run waits for review." in page and "Nothing is late." in page


def test_feed_shows_the_admins_notifications_newest_first(console, admin_user, make_run):
    run = make_run()
    Notification.objects.create(
        recipient=admin_user,
        audience=Audience.ADMIN,
        kind="production_run.accepted",
        summary="Atelier accepted PR-1",
        run=run,
    )
    Notification.objects.create(
        recipient=admin_user,
        audience=Audience.ADMIN,
        kind="production_run.finished",
        summary="Atelier finished PR-1",
    )
    Notification.objects.create(
        recipient=AdminFactory(), audience=Audience.ADMIN, kind="x", summary="Someone else's news"
    )
    page = text(console.get("/admin/"))
    assert page.index("Atelier finished PR-1") < page.index("Atelier accepted PR-1")
    assert "Someone else&#x27;s news" not in page and "Someone else's news" not in page
    assert f'href="/admin/production-runs/{run.pk}/">{run.reference}</a>' in page
    assert '<span class="count-badge">2<span class="visually-hidden"> unread</span>' in page


def test_the_dashboard_runs_the_same_queries_for_few_or_many_runs(console, make_run, workshop):
    def add_runs(n):
        for _ in range(n):
            make_run("pending_review")
            make_run("approved", due_date=timezone.localdate() - datetime.timedelta(days=1))
            make_run("awaiting_reassignment", partner=workshop.partner, actor=workshop.actor)

    add_runs(1)
    few = count_queries(lambda: console.get("/admin/"))
    add_runs(6)
    full = count_queries(lambda: console.get("/admin/"))
    add_runs(6)
    assert count_queries(lambda: console.get("/admin/")) == full
    assert full <= few + 5  # at most one total per list, once a list is longer than it shows


def test_the_overdue_list_shows_each_late_run_with_the_date_it_missed(console, make_run, workshop):
    import time_machine

    from loomworks.production import services

    today = timezone.localdate()
    promised = make_run(
        "sent_to_partner", partner=workshop.partner, due_date=today + datetime.timedelta(days=30)
    )
    services.run_accept(
        run=promised, actor=workshop.actor, promised_date=today + datetime.timedelta(days=1)
    )
    due = make_run(
        "approved", partner=workshop.partner, due_date=today + datetime.timedelta(days=2)
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5), tick=False):
        page = console.get("/admin/").content.decode()
        listed = page[page.index('id="needs-overdue"') :]
        listed = listed[: listed.index("</section>")]
        promised_day = (today + datetime.timedelta(days=1)).strftime("%-d %b %Y")
        due_day = (today + datetime.timedelta(days=2)).strftime("%-d %b %Y")
        assert promised.reference in listed and due.reference in listed
        assert f'<span class="deadline late">Promised {promised_day}</span>' in listed
        assert f'<span class="deadline late">Due {due_day}</span>' in listed
        assert listed.count('<span class="chip chip--late">late</span>') == 2


def test_the_feed_reads_the_runs_it_names_together_for_one_or_many(
    console, make_run, workshop, drained
):
    def accepted_runs(n):
        for _ in range(n):
            make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
        drained()

    accepted_runs(1)
    console.get("/admin/")  # the closed-run totals go into the cache
    one = count_queries(lambda: console.get("/admin/"))
    accepted_runs(6)
    page = text(console.get("/admin/"))
    assert page.count("accepted PR-") >= 7
    assert count_queries(lambda: console.get("/admin/")) == one  # both from the cache
