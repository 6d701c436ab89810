"""Every console and portal page issue 20 times at 1M runs runs the same number of queries
at two sizes of data: 5 and 25 of everything (runs in each status, late runs, designs,
partners with members, tasks on the run shown). A page whose count grows with the data
would be an N+1, and slow at 1M whatever its indexes."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from loomworks.production import services
from tests.factories import DesignFactory, MemberFactory, TemplateFactory
from tests.web.console.helpers import count_queries

SMALL, LARGE = 5, 25  # a dashboard list shows 5: both sizes fill every list

CONSOLE_PAGES = {
    "dashboard": "/admin/",
    "runs": "/admin/production-runs/",
    "runs filtered": "/admin/production-runs/?status=in_progress&run_type=production",
    "runs late": "/admin/production-runs/?late=true",
    "runs of a partner": None,  # filled in with the workshop's id
    "designs": "/admin/designs/",
    "partners": "/admin/partners/",
    "run page": None,  # the newest in-progress run with tasks
}


class Data:
    """Grows a brand's data: each call adds `n` of every kind the pages list."""

    def __init__(self, make_run, make_workshop, workshop):
        self.make_run = make_run
        self.make_workshop = make_workshop
        self.workshop = workshop
        self.size = 0
        self.shown_run = None

    def grow_to(self, size: int) -> None:
        past = timezone.localdate() - datetime.timedelta(days=3)
        for _ in range(size - self.size):
            design = DesignFactory()
            other = self.make_workshop()
            MemberFactory(partner=other.partner)
            self.make_run("pending_review", design=design)
            self.make_run("approved", partner=other.partner, design=design)
            self.make_run("awaiting_reassignment", partner=other.partner, actor=other.actor)
            self.make_run("sent_to_partner", partner=self.workshop.partner, due_date=past)
            self.make_run("completed", partner=other.partner, actor=other.actor)
            self.make_run("cancelled", design=design)
        # The run shown on the run pages: one task per size step, so it grows too.
        self.shown_run = self.make_run(
            "in_progress",
            partner=self.workshop.partner,
            actor=self.workshop.actor,
            templates=[TemplateFactory(checklist=["Lay", "Cut"]) for _ in range(size // 5)],
            due_date=past,
        )
        self.size = size


@pytest.fixture
def data(make_run, make_workshop, workshop):
    return Data(make_run, make_workshop, workshop)


def _console_counts(client: Client, data: Data) -> dict[str, int]:
    urls = {
        **CONSOLE_PAGES,
        "runs of a partner": f"/admin/production-runs/?partner_id={data.workshop.partner.pk}",
        "run page": f"/admin/production-runs/{data.shown_run.pk}/",
    }
    counts = {}
    for page, url in urls.items():
        cache.clear()  # the dashboard's closed-run totals: count the uncached path
        counts[page] = count_queries(lambda url=url: client.get(url))
    return counts


def _portal_counts(client: Client, data: Data) -> dict[str, int]:
    urls = {
        "portal home": "/partner/",
        "portal open runs of a type": "/partner/?type=production&show=open",
        "portal run page": f"/partner/production-runs/{data.shown_run.pk}/",
    }
    return {page: count_queries(lambda url=url: client.get(url)) for page, url in urls.items()}


def test_console_pages_run_the_same_queries_for_5_or_25_of_everything(console, data):
    data.grow_to(SMALL)
    small = _console_counts(console, data)
    data.grow_to(LARGE)
    assert _console_counts(console, data) == small


def test_portal_pages_run_the_same_queries_for_5_or_25_of_everything(client, data, workshop):
    client.force_login(workshop.user)
    data.grow_to(SMALL)
    small = _portal_counts(client, data)
    data.grow_to(LARGE)
    assert _portal_counts(client, data) == small


def test_the_dashboard_counts_by_status_from_a_one_minute_cache(console, make_run, admin):
    def counts():
        response = console.get("/admin/")
        return {entry["status"]: entry["count"] for entry in response.context["status_counts"]}

    with time_machine.travel(timezone.now(), tick=False) as clock:
        make_run("cancelled")
        waiting = make_run("pending_review")
        assert (counts()["cancelled"], counts()["pending_review"]) == (1, 1)
        services.run_cancel(run=waiting, actor=admin, reason="Dropped")
        assert (counts()["cancelled"], counts()["pending_review"]) == (1, 1)  # a minute old
        page = console.get("/admin/").content.decode()
        assert waiting.reference not in page  # the lists are read live
        clock.shift(datetime.timedelta(seconds=61))
        assert (counts()["cancelled"], counts()["pending_review"]) == (2, 0)


@pytest.mark.postgres_only
def test_a_dashboard_list_past_the_cap_says_about_how_many(console, make_run, monkeypatch):
    from loomworks.web.console import selectors

    monkeypatch.setattr(selectors, "LIST_TOTAL_CAP", 6)
    for _ in range(8):
        make_run("pending_review")
    response = console.get("/admin/")
    pending = next(e for e in response.context["lists"] if e["key"] == "pending_review")
    assert pending["count_is_estimate"] and pending["count"] >= 7
    assert f"About {pending['count']} in all." in response.content.decode()


@pytest.mark.postgres_only
def test_a_runs_list_past_the_cap_says_about_how_many(console, make_run, settings):
    settings.LIST_COUNT_CAP = 3
    for _ in range(5):
        make_run("pending_review")
    response = console.get("/admin/production-runs/")
    paginator = response.context["page"].paginator
    assert paginator.count_is_estimate and paginator.count >= 4
    assert f"About {paginator.count} runs" in response.content.decode()


def test_a_runs_list_under_the_cap_counts_exactly(console, make_run):
    for _ in range(3):
        make_run("pending_review")
    response = console.get("/admin/production-runs/")
    assert not response.context["page"].paginator.count_is_estimate
    assert "3 runs" in response.content.decode()
