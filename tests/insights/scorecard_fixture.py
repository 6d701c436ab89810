"""The scorecard fixture, counted by hand (see tests/insights/test_scorecards.py).

Workshop A, over the last 90 days (T is today, times at 09:00 local):

    run  pieces  sent     accepted      handed over  promised  good  rejected          rework
    r1   10      T-10d    T-9d  (24 h)  T-5d  (4 d)  T-6d late    8  2 stain           -
    r2   20      T-8d     T-8d+12 h     T-2d+12h(6d) T-2d on time 17  1 fabric, 2 stain  3 pieces
    r3    5      T-3d     T-1d  (48 h)  -            -            -  -                 -
    r4    7      sent to A, declined by A, then given to workshop B (who accepts it)
    r0   30      handed over by A 200 days ago: outside the period

    accepted           3 runs, 35 pieces; declined 1 → decline rate 1 / 4 = 25 %
    sent → accepted    (24 + 12 + 48) h / 3 = 28 h
    handed over        2 runs (r1, r2), 25 good + 5 rejected pieces
    accepted → handed  (4 d + 6 d) / 2 = 5 d
    on time            1 of 2 with a promised date = 50 %
    yield              25 / 30;  rejection rate 5 / 30;  stain 4, fabric fault 1
    rework rate        1 of 2 handed over = 50 %
    cost per piece     2.00 EUR a piece × (8 + 17) good pieces = 50.00 EUR / 25 = 2.00 EUR
"""

import datetime

from django.utils import timezone

from loomworks.money import services as money
from loomworks.production import services as production
from loomworks.production.models import ProductionRun
from tests.factories import TemplateFactory


def at(days_ago: float, hours: float = 0) -> datetime.datetime:
    """09:00 local time `days_ago` days before today, plus `hours`."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    nine = datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_current_timezone())
    return nine + datetime.timedelta(hours=hours)


def stamp(run, **moments):
    """The fixture's clock: when each step happened (the services stamped 'now')."""
    ProductionRun.objects.filter(pk=run.pk).update(**moments)


class Fixture:
    def __init__(self, make_run, make_workshop, admin, drained):
        self.a = make_workshop(name="Atelier A")
        self.b = make_workshop(name="Brodeur B")
        template = TemplateFactory()
        for shop in (self.a, self.b):
            money.rate_set(
                partner=shop.partner,
                actor=admin,
                unit="piece",
                amount="2.00",
                currency="EUR",
                task_template_id=template.pk,
            )

        def handed_over(quantity, good, rejected, partner=self.a):
            run = make_run(
                "in_progress",
                partner=partner.partner,
                actor=partner.actor,
                quantity=quantity,
                templates=[template],
            )
            production.delivery_record(
                run=run,
                actor=partner.actor,
                good=good,
                rejected=rejected,
                final=True,
                shortfall_reason="" if good == quantity else "some rejected",
            )
            drained()
            run.refresh_from_db()
            assert run.status == "completed"
            return run

        self.r1 = handed_over(10, 8, [{"reason": "stain", "quantity": 2}])
        stamp(
            self.r1,
            last_sent_at=at(10),
            accepted_at=at(9),
            completed_at=at(5),
            promised_date=at(6).date(),
        )
        self.r2 = handed_over(
            20, 17, [{"reason": "fabric_fault", "quantity": 1}, {"reason": "stain", "quantity": 2}]
        )
        stamp(
            self.r2,
            last_sent_at=at(8),
            accepted_at=at(8, 12),
            completed_at=at(2, 12),
            promised_date=at(2).date(),
        )
        self.r2.refresh_from_db()
        production.run_rework(run=self.r2, actor=admin, quantity=3)

        self.r3 = make_run(
            "in_progress", partner=self.a.partner, actor=self.a.actor, quantity=5,
            templates=[template],
        )  # fmt: skip
        stamp(self.r3, last_sent_at=at(3), accepted_at=at(1))

        r4 = make_run(
            "awaiting_reassignment", partner=self.a.partner, actor=self.a.actor, quantity=7,
            templates=[template],
        )  # fmt: skip
        r4 = production.run_reassign(run=r4, partner=self.b.partner, actor=admin)
        r4 = production.run_dispatch(run=r4, template_ids=[template.pk], actor=admin).run
        production.run_accept(run=r4, actor=self.b.actor)

        self.r0 = handed_over(30, 30, [])
        stamp(self.r0, last_sent_at=at(202), accepted_at=at(201), completed_at=at(200))
