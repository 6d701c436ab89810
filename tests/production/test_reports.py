"""The console's reports and the workshops' load, counted by hand on small fixtures."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.production import services
from loomworks.production.models import ProductionRun
from loomworks.production.reports import (
    late_report,
    throughput_by_week,
    week_start,
    work_in_progress,
)
from loomworks.production.selectors import RunFilters, reassign_candidates, run_list
from loomworks.production.services import Assignment
from loomworks.production.workshop_load import load_timeline, open_load_by_partner

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def set_fields(run, **fields):
    """Dates and totals a fixture needs (never the status: that only moves by transition)."""
    ProductionRun.objects.filter(pk=run.pk).update(**fields)
    return ProductionRun.objects.get(pk=run.pk)


def in_work(make_run, workshop, *, quantity=10, started=False, finished=False):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, quantity=quantity)
    if started or finished:
        run = services.run_start(run=run, actor=workshop.actor)
    if finished:
        run = services.run_finish(run=run, actor=workshop.actor)
    return run


def split(make_run, admin, partners, quantity=10):
    run = make_run("pending_review", quantity=quantity)
    half = quantity // 2
    return services.run_approve(
        run=run,
        actor=admin,
        assignments=[
            Assignment(partner_id=partners[0].pk, quantity=half, order=1),
            Assignment(partner_id=partners[1].pk, quantity=quantity - half, order=1),
        ],
    )


@pytest.fixture
def workshops(make_workshop):
    return make_workshop(name="Alder"), make_workshop(name="Birch")


# ---------------------------------------------------------------- work in progress


def test_work_in_progress_counts_open_runs_by_stage_and_partner(make_run, admin, workshops):
    alder, birch = workshops
    make_run("draft", quantity=2)
    make_run("pending_review", quantity=6)
    make_run("sent_to_partner", partner=alder.partner, quantity=10)
    in_work(make_run, alder, quantity=20)
    in_work(make_run, alder, quantity=5, started=True)
    in_work(make_run, alder, quantity=7, finished=True)
    make_run("approved", partner=birch.partner, quantity=3)
    make_run("awaiting_reassignment", partner=birch.partner, actor=birch.actor, quantity=4)
    make_run("completed", partner=birch.partner, actor=birch.actor, quantity=100)
    make_run("cancelled", quantity=100)
    split(make_run, admin, [alder.partner, birch.partner], quantity=8)  # parts 4 + 4, approved

    wip = work_in_progress()

    stages = {s.key: (s.runs, s.pieces) for s in wip.stages}
    assert stages == {
        "review": (2, 8),
        "approved": (3, 11),  # Birch's 3 and the two parts; the split parent is left out
        "sent": (1, 10),
        "declined": (1, 4),
        "accepted": (1, 20),
        "started": (1, 5),
        "finished": (1, 7),
    }
    assert (wip.runs, wip.pieces) == (10, 65)
    rows = {row.partner_name: row for row in wip.partners}
    assert [c.runs for c in rows["Alder"].cells] == [0, 1, 1, 0, 1, 1, 1]
    assert (rows["Alder"].runs, rows["Alder"].pieces) == (5, 46)
    assert (rows["Birch"].runs, rows["Birch"].pieces) == (2, 7)
    # The declined run has gone back to the brand: no partner holds it now.
    no_partner = wip.partners[-1]
    assert no_partner.partner_id is None
    assert (no_partner.runs, no_partner.pieces) == (3, 12)


# ---------------------------------------------------------------- throughput


def test_throughput_counts_completed_runs_per_week_with_empty_weeks(make_run, workshops):
    alder, birch = workshops
    this_monday = week_start(TODAY)
    last_monday = this_monday - 7 * DAY

    def completed(workshop, quantity, on: datetime.date, good=None):
        run = make_run(
            "completed", partner=workshop.partner, actor=workshop.actor, quantity=quantity
        )
        moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
        return set_fields(run, completed_at=moment, produced_quantity=good)

    completed(alder, 10, this_monday, good=9)
    completed(birch, 5, this_monday)
    completed(alder, 4, last_monday + 6 * DAY, good=4)  # Sunday: still last week
    completed(alder, 99, this_monday - 5 * 7 * DAY)  # before the period
    make_run("in_progress", partner=alder.partner, actor=alder.actor)

    report = throughput_by_week(start=this_monday - 21 * DAY, end=TODAY)

    assert [w.start for w in report.weeks] == [this_monday - 7 * DAY * n for n in (3, 2, 1, 0)]
    assert [(w.runs, w.pieces, w.good) for w in report.weeks] == [
        (0, 0, 0),
        (0, 0, 0),
        (1, 4, 4),
        (2, 15, 9),
    ]
    assert (report.runs, report.pieces, report.good) == (3, 19, 13)
    only_birch = throughput_by_week(start=this_monday, end=TODAY, partner_id=birch.partner.pk)
    assert [(w.runs, w.pieces) for w in only_birch.weeks] == [(1, 5)]


# ---------------------------------------------------------------- late runs


def test_late_runs_have_one_cause_each_and_match_the_late_filter(make_run, admin, workshops):
    alder, birch = workshops
    past = TODAY - 3 * DAY

    def late(run, **fields):
        return set_fields(run, due_date=past, **fields)

    late(make_run("pending_review", quantity=1))  # not_approved
    late(make_run("approved", partner=alder.partner, quantity=2))  # not_sent
    late(make_run("sent_to_partner", partner=alder.partner, quantity=3))  # not_accepted
    late(make_run("awaiting_reassignment", partner=birch.partner, actor=birch.actor, quantity=4))
    late(in_work(make_run, alder, quantity=5))  # not_started
    late(in_work(make_run, alder, quantity=6, started=True))  # in_work
    late(in_work(make_run, birch, quantity=7, finished=True))  # finished
    late(in_work(make_run, birch, quantity=8, started=True), rejected_quantity=2)  # rework
    # Promised after the due date: the promise counts, so it is not late.
    set_fields(make_run("sent_to_partner", partner=alder.partner), promised_date=TODAY + DAY)
    # A promise that passed counts even with a due date still ahead.
    set_fields(
        make_run("sent_to_partner", partner=birch.partner, quantity=9),
        due_date=TODAY + 9 * DAY,
        promised_date=past,
    )  # not_accepted
    late(make_run("completed", partner=alder.partner, actor=alder.actor))  # ended: not late
    parts = split(make_run, admin, [alder.partner, birch.partner], quantity=10)
    late(parts.run)  # split
    second = make_run("approved", partner=birch.partner, quantity=11)
    ProductionRun.objects.filter(pk=second.pk).update(due_date=past)
    from loomworks.production.models import RunDependency

    RunDependency.objects.create(run=second, depends_on=parts.children[0])  # blocked

    report = late_report()

    causes = {c.key: (c.runs, c.pieces) for c in report.causes if c.runs}
    assert causes == {
        "not_approved": (1, 1),
        "not_sent": (1, 2),
        "not_accepted": (2, 12),
        "declined": (1, 4),
        "not_started": (1, 5),
        "in_work": (1, 6),
        "finished": (1, 7),
        "rework": (1, 8),
        "split": (1, 10),
        "blocked": (1, 11),
    }
    assert report.runs == run_list(RunFilters(late=True)).count() == 11
    assert report.oldest[0].days_late == 3
    assert {run.reference for run in report.oldest} == {
        run.reference for run in run_list(RunFilters(late=True))
    }
    birch_only = late_report(partner_id=birch.partner.pk)
    assert {c.key for c in birch_only.causes if c.runs} == {
        "finished",
        "rework",
        "not_accepted",
        "blocked",
    }


# ---------------------------------------------------------------- workshop load


def test_open_load_counts_booked_runs_pieces_left_next_date_and_late(make_run, workshops):
    alder, birch = workshops
    set_fields(make_run("approved", partner=alder.partner, quantity=3), due_date=TODAY + 10 * DAY)
    set_fields(
        in_work(make_run, alder, quantity=10), promised_date=TODAY + 2 * DAY, produced_quantity=4
    )
    set_fields(make_run("sent_to_partner", partner=alder.partner, quantity=5), due_date=TODAY - DAY)
    make_run("completed", partner=alder.partner, actor=alder.actor, quantity=50)
    make_run("pending_review", partner=alder.partner, quantity=50)  # not booked yet

    loads = open_load_by_partner([alder.partner.pk, birch.partner.pk], today=TODAY)

    alder_load = loads[alder.partner.pk]
    assert (alder_load.runs, alder_load.pieces, alder_load.late) == (3, 3 + 6 + 5, 1)
    assert alder_load.next_due == TODAY + 2 * DAY
    assert (loads[birch.partner.pk].runs, loads[birch.partner.pk].next_due) == (0, None)
    candidates = {c.partner.pk: c for c in reassign_candidates()}
    assert candidates[alder.partner.pk].open_quantity == 14
    assert candidates[alder.partner.pk].next_due == TODAY + 2 * DAY


def test_load_timeline_puts_runs_in_week_columns(make_run, workshops):
    alder, birch = workshops
    monday = week_start(TODAY)
    set_fields(make_run("approved", partner=alder.partner, quantity=3), due_date=TODAY - DAY)
    set_fields(make_run("approved", partner=alder.partner, quantity=4), due_date=TODAY)
    set_fields(make_run("approved", partner=alder.partner, quantity=5), due_date=monday + 8 * DAY)
    set_fields(make_run("approved", partner=alder.partner, quantity=6), due_date=monday + 13 * DAY)
    set_fields(make_run("approved", partner=alder.partner, quantity=7), due_date=monday + 70 * DAY)
    make_run("approved", partner=alder.partner, quantity=8)  # no date
    set_fields(make_run("approved", partner=birch.partner, quantity=9), promised_date=TODAY)

    timeline = load_timeline(today=TODAY, weeks=4)

    assert timeline.weeks == tuple(monday + 7 * n * DAY for n in range(4))
    rows = {row.partner_name: row for row in timeline.partners}
    alder_row = rows["Alder"]
    assert (alder_row.late.runs, alder_row.late.pieces) == (1, 3)
    assert [(c.runs, c.pieces) for c in alder_row.weeks] == [(1, 4), (2, 11), (0, 0), (0, 0)]
    assert (alder_row.later.pieces, alder_row.undated.pieces) == (7, 8)
    assert (alder_row.runs, alder_row.pieces) == (6, 33)
    assert alder_row.weeks[1].level == 4  # the heaviest cell
    assert [(c.runs, c.pieces) for c in rows["Birch"].weeks] == [(1, 9), (0, 0), (0, 0), (0, 0)]


# ---------------------------------------------------------------- constant queries


@pytest.mark.parametrize("size", [1, 4])
def test_reports_take_constant_queries(make_run, workshops, size):
    alder, birch = workshops
    for index in range(size):
        set_fields(make_run("sent_to_partner", partner=alder.partner), due_date=TODAY - DAY)
        in_work(make_run, birch, started=bool(index % 2))
        make_run("completed", partner=birch.partner, actor=birch.actor)
    with CaptureQueriesContext(connection) as captured:
        work_in_progress()
        throughput_by_week(start=TODAY - 30 * DAY, end=TODAY)
        late_report()
        load_timeline(today=TODAY)
        open_load_by_partner([alder.partner.pk, birch.partner.pk], today=TODAY)
    assert len(captured.captured_queries) == 1 + 1 + 2 + 2 + 1
