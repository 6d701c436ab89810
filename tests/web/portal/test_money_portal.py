"""The portal's money: the workshop's price on the accept screen, its statement (and CSV);
never another workshop's price or statement."""

import csv
import datetime
import io

import pytest
from django.test import Client

from loomworks.money import services as money
from loomworks.production import services

pytestmark = pytest.mark.django_db


def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_accept_screen_shows_the_workshops_own_price(
    workshop, other_workshop, admin, make_run, drained
):
    money.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="sewing",
        unit="piece",
        amount="2.5",
        currency="EUR",
    )
    run = make_run("sent_to_partner", partner=workshop.partner, role="sewing")
    drained()
    page = portal(workshop.user).get(f"/partner/production-runs/{run.pk}/").content.decode()
    assert 'data-action="accept"' in page
    assert "Your price:" in page and "€2.50 per piece" in page
    # Another workshop cannot open the run, so never sees its price.
    assert portal(other_workshop.user).get(f"/partner/production-runs/{run.pk}/").status_code == 404


def test_the_price_is_in_the_members_language(workshop, admin, make_run, drained):
    workshop.user.language = "fr"
    workshop.user.save(update_fields=["language"])
    run = make_run("approved", partner=workshop.partner)
    from loomworks.money.services import run_dispatch_priced
    from tests.factories import TemplateFactory

    run_dispatch_priced(
        run=run,
        template_ids=[TemplateFactory().pk],
        actor=admin,
        price={"unit": "run", "amount": "1234.5", "currency": "EUR"},
    )
    page = portal(workshop.user).get(f"/partner/production-runs/{run.pk}/").content.decode()
    assert "1\u202f234,50\xa0€ par série" in page


def test_the_statement_is_the_workshops_own_and_its_csv_adds_up(
    workshop, other_workshop, admin, make_run, drained
):
    money.rate_set(
        partner=workshop.partner,
        actor=admin,
        role="cutting",
        unit="piece",
        amount="1.25",
        currency="EUR",
    )
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, role="cutting")
    drained()
    services.delivery_record(run=run, actor=workshop.actor, good=10, final=True)
    drained()
    money.payment_record(
        partner=workshop.partner,
        actor=admin,
        amount="5",
        currency="EUR",
        paid_on=datetime.date.today(),
        method="cash",
    )
    money.adjustment_record(
        partner=other_workshop.partner,
        actor=admin,
        kind="bonus",
        amount="999",
        currency="EUR",
        reason="theirs",
    )
    client = portal(workshop.user)
    page = client.get("/partner/statement/").content.decode()
    assert 'data-total="earned">€12.50' in page
    assert 'data-total="closing">€7.50' in page
    assert "999" not in page
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get("/partner/statement/", {"format": "csv"}).streaming_content
                ).decode()
            )
        )
    )
    assert rows[-1][1] == "Closing balance" and rows[-1][4] == "7.50"
    assert sum(float(row[4]) for row in rows[1:-1]) == 7.5
    other = portal(other_workshop.user).get("/partner/statement/").content.decode()
    assert "€999.00" in other and "€12.50" not in other


def test_a_reason_that_looks_like_a_formula_stays_text_in_the_csv(workshop, admin):
    money.adjustment_record(
        partner=workshop.partner,
        actor=admin,
        kind="bonus",
        amount="1",
        currency="EUR",
        reason='=HYPERLINK("http://x")',
    )
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    portal(workshop.user)
                    .get("/partner/statement/", {"format": "csv"})
                    .streaming_content
                ).decode()
            )
        )
    )
    [line] = [row for row in rows if "HYPERLINK" in row[3]]
    assert line[3].startswith("'=") and line[4] == "1.00"
