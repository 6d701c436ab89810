"""A run's date, and the date a late run missed, are decided once in the read model.

Both audiences' read objects carry `deadline` (the promised date, else the due
date), `deadline_kind` ("promised" or "due": people read "Promised …" or
"Due …") and `is_late`; the pages only format them.
"""

import datetime

import pytest
from django.utils import timezone

from loomworks.production import services
from loomworks.production.partner_selectors import partner_run_view
from loomworks.production.selectors import admin_run

pytestmark = pytest.mark.django_db


def test_a_promised_date_is_the_deadline_and_a_late_run_names_it_as_missed(make_run, workshop):
    today = timezone.localdate()
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=today)
    services.run_accept(
        run=run, actor=workshop.actor, promised_date=today + datetime.timedelta(days=3)
    )
    run.refresh_from_db()
    run.promised_date = today - datetime.timedelta(days=2)  # as if promised long ago
    run.save(update_fields=["promised_date"])

    for view in (admin_run(run.pk), partner_run_view(run)):
        assert view.deadline == today - datetime.timedelta(days=2)
        assert view.deadline_kind == "promised"
        assert view.is_late and view.missed_date == view.deadline


def test_without_a_promise_the_due_date_is_the_deadline(make_run, workshop):
    today = timezone.localdate()
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=today)
    view = admin_run(run.pk)
    assert (view.deadline, view.deadline_kind) == (today, "due")
    assert not view.is_late and view.missed_date is None


def test_a_run_without_dates_has_no_deadline(make_run):
    view = admin_run(make_run("approved").pk)
    assert (view.deadline, view.deadline_kind, view.missed_date) == (None, "", None)
