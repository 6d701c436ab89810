"""Brand admins see what partners do, what the cascades decide, and what failed."""

import datetime

import pytest
from django.db import transaction

from loomworks.core.actors import Actor
from loomworks.events import registry
from loomworks.events.api import drain, publish, subscriber
from loomworks.events.models import Event
from loomworks.events.names import declare
from loomworks.notifications.models import Audience, Notification
from loomworks.notifications.selectors import feed_for
from loomworks.notifications.summaries import actor_label
from loomworks.production import services as production
from loomworks.production.models import RunStatus
from loomworks.work.models import Task
from tests.factories import AdminFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return [entry.kind for entry in feed_for(user, limit=100).notifications]


def summaries(user) -> list[str]:
    return [entry.summary for entry in feed_for(user, limit=100).notifications]


def first_task(run) -> Task:
    return Task.objects.filter(run=run, parent__isnull=True).order_by("position").first()


def test_a_whole_run_life_reaches_both_feeds_newest_first(
    team, make_run, admin, admin_user, other_admin, design
):
    """Dispatch → accept → comment → complete, each step drained as the dispatcher would."""
    run = make_run("approved", partner=team.partner, quantity=40)
    run = production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin).run
    drain()
    production.run_accept(run=run, actor=team.actor)
    drain()
    task = first_task(run)
    production.task_comment_add(task=task, actor=team.actor, body="Is the sand thread in stock?")
    production.task_comment_add(task=task, actor=admin, body="Yes, two cones.")
    drain()
    production.run_complete(run=run, actor=admin)
    drain()

    label = f"{run.reference} (40 × {design.name})"
    # The other admin hears of everything, the send included; the admin who
    # sent and completed the run is not told of their own actions.
    feed = feed_for(other_admin)
    assert [entry.kind for entry in feed.notifications] == [
        "production_run.completed",
        "task.comment_added",
        "production_run.accepted",
        "production_run.sent_to_partner",
    ]
    assert [entry.summary for entry in feed.notifications] == [
        f"{admin_user.display_name} completed {label}.",
        f"Ana Silva (Atelier Nord) commented on “{task.title}” of {run.reference}: "
        "“Is the sand thread in stock?”",
        f"Ana Silva (Atelier Nord) accepted {label}.",
        f"{admin_user.display_name} sent {label} to Atelier Nord.",
    ]
    assert {entry.run_id for entry in feed.notifications} == {run.pk}
    assert feed.notifications[1].task_id == task.pk
    assert (feed.count, feed.unread) == (4, 4)
    assert kinds(admin_user) == ["task.comment_added", "production_run.accepted"]

    partner_feed = feed_for(team.owner.user)
    assert [entry.kind for entry in partner_feed.notifications] == [
        "production_run.completed",
        "task.comment_added",  # the brand's reply
        "production_run.sent_to_partner",
    ]
    assert partner_feed.notifications[0].summary == f"{label} is completed."
    assert partner_feed.notifications[1].summary == (
        f"The brand commented on “{task.title}” of {run.reference}: “Yes, two cones.”"
    )
    assert (partner_feed.count, partner_feed.unread) == (3, 3)
    assert {entry.audience for entry in partner_feed.notifications} == {Audience.PARTNER}
    assert kinds(team.former.user) == []


def test_decline_start_and_finish_are_on_the_admin_feed(team, make_run, admin, admin_user):
    declined = make_run("sent_to_partner", partner=team.partner)
    production.run_decline(run=declined, actor=team.actor, reason="capacity", notes="Full in May")
    run = make_run("in_progress", partner=team.partner, actor=team.actor)
    production.run_start(run=run, actor=team.actor)
    production.run_finish(run=run, actor=team.actor)
    drain()

    assert kinds(admin_user) == [
        "production_run.finished",
        "production_run.started",
        "production_run.accepted",
        "production_run.declined",
    ]
    finished, started, _accepted, declined_entry = summaries(admin_user)
    assert finished.startswith("Ana Silva (Atelier Nord) marked ")
    assert finished.endswith(" finished.")
    assert started.startswith("Ana Silva (Atelier Nord) started ")
    assert declined_entry.startswith(f"Ana Silva (Atelier Nord) declined {declined.reference} (")
    assert declined_entry.endswith(": No capacity: Full in May.")


def test_promised_date_is_in_the_acceptance_sentence(team, make_run, admin, admin_user):
    run = make_run("sent_to_partner", partner=team.partner)
    production.run_accept(run=run, actor=team.actor, promised_date=datetime.date(2031, 5, 2))
    drain()
    assert summaries(admin_user)[0].endswith(" and promised it for May 2, 2031.")


def test_cancellation_and_automatic_completion_are_told_plainly(
    team, make_run, admin, admin_user, other_admin
):
    cancelled = make_run("sent_to_partner", partner=team.partner)
    production.run_cancel(run=cancelled, actor=admin, reason="Fabric recalled")
    run = make_run("in_progress", partner=team.partner, actor=team.actor)
    for task in Task.objects.filter(run=run, parent__isnull=True):
        production.run_task_finish(task=task, actor=team.actor)
    drain()

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    completed, _accepted = summaries(admin_user)  # not their own cancellation
    assert completed.startswith(f"{run.reference} (")
    assert completed.endswith(f"completed by itself: Every task of {run.reference} is done.")
    cancelled_entry = summaries(other_admin)[-2]
    assert cancelled_entry.startswith(f"{admin_user.display_name} cancelled {cancelled.reference}")
    assert cancelled_entry.endswith(": Fabric recalled.")


def test_admin_comments_stay_off_the_admin_feed(team, make_run, admin, admin_user):
    run = make_run("sent_to_partner", partner=team.partner)
    drain()
    production.task_comment_add(task=first_task(run), actor=admin, body="Any questions?")
    drain()
    assert "task.comment_added" not in kinds(admin_user)


def test_dependent_runs_ready_to_dispatch_or_blocked_reach_the_admins(
    make_workshop, make_run, admin, admin_user
):
    cutter, sewer = make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=10)
    result = production.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            production.Assignment(partner_id=cutter.partner.pk, quantity=10, role="cutting"),
            production.Assignment(partner_id=sewer.partner.pk, quantity=10, role="sewing", order=2),
        ],
    )
    cutting, sewing = result.children
    cutting = production.run_dispatch(
        run=cutting, template_ids=[TemplateFactory().pk], actor=admin
    ).run
    production.run_accept(run=cutting, actor=cutter.actor)
    production.run_complete(run=cutting, actor=admin)
    drain()

    assert kinds(admin_user)[0] == "production_run.ready_to_dispatch"
    assert summaries(admin_user)[0] == (
        f"{sewing.reference} (sewing, 10 × {parent.design.name}) is ready to dispatch: "
        "every run it waits for has completed."
    )
    # The parent followed its part into work: that is not a second acceptance on the feed.
    assert kinds(admin_user).count("production_run.accepted") == 1


def test_a_cancelled_dependency_blocks_the_next_step_on_the_admin_feed(
    make_workshop, make_run, admin, admin_user
):
    cutter, sewer = make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=10)
    cutting, sewing = production.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            production.Assignment(partner_id=cutter.partner.pk, quantity=10, order=1),
            production.Assignment(partner_id=sewer.partner.pk, quantity=10, order=2),
        ],
    ).children
    production.run_cancel(run=cutting, actor=admin, reason="Mill closed")
    drain()

    blocked = [e for e in feed_for(admin_user).notifications if e.kind.endswith(".blocked")]
    assert [e.summary for e in blocked] == [
        f"{sewing.reference} (10 × {parent.design.name}) is blocked: "
        f"{cutting.reference}, which it waits for, was cancelled."
    ]
    assert blocked[0].run_id == sewing.pk


def test_only_active_brand_admins_get_admin_entries(team, make_run, admin, admin_user):
    retired = AdminFactory(is_active=False)
    run = make_run("sent_to_partner", partner=team.partner)
    production.run_accept(run=run, actor=team.actor)
    drain()

    assert kinds(admin_user) == ["production_run.accepted"]
    assert kinds(retired) == []
    assert not Notification.objects.filter(
        recipient=team.owner.user, kind="production_run.accepted"
    ).exists()


def test_admin_entries_are_not_added_twice_when_the_event_is_delivered_again(
    team, make_run, admin, admin_user
):
    run = make_run("sent_to_partner", partner=team.partner)
    production.run_accept(run=run, actor=team.actor)
    drain()
    accepted = Event.objects.get(name="production_run.accepted", aggregate_id=run.pk)
    with transaction.atomic():
        for listener in registry.subscribers_for(accepted.name):
            listener.handler(accepted)

    assert Notification.objects.filter(event_id=accepted.pk).count() == 1


BROKEN = "tests.notifications.broken_follow_up"
declare(BROKEN)


@subscriber(BROKEN, name="tests.notifications.always_fails")
def _always_fails(event: Event) -> None:
    raise RuntimeError("the warehouse system is down")


def test_follow_up_work_that_fails_every_attempt_reaches_the_admin_feed(
    settings, make_run, admin_user
):
    settings.EVENTS_MAX_ATTEMPTS = 2
    run = make_run("pending_review")
    with transaction.atomic():
        publish(BROKEN, {"run_id": run.pk})

    drain(ignore_backoff=True)

    [entry] = feed_for(admin_user).notifications
    assert entry.kind == "outbox.delivery_dead"
    assert entry.run_id == run.pk
    assert entry.summary == (
        f"Follow-up work for {run.reference} failed and was given up after 2 attempts "
        f"({BROKEN} → tests.notifications.always_fails): "
        "RuntimeError: the warehouse system is down"
    )


def test_system_actor_is_named_loomworks():
    assert actor_label(Actor.system().as_payload()) == "Loomworks"
