"""Scorecards over the API: the admin's for any partner, a partner's for itself only."""

import pytest
from django.test import Client

from loomworks.accounts.services import token_issue
from tests.api.admin_fixtures import Api
from tests.api.partner_support import PartnerApi
from tests.insights.scorecard_fixture import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user):
    return Api(Client(), token_issue(user=admin_user))


def test_admin_reads_a_partners_scorecard_with_the_hand_counted_numbers(admin_api, counted):
    response = admin_api.get(f"/partners/{counted.a.partner.pk}/scorecard")
    assert response.status_code == 200, response.json()
    card = response.json()["scorecard"]
    assert card["partner_id"] == counted.a.partner.pk
    assert (card["accepted_runs"], card["accepted_pieces"], card["declined_runs"]) == (3, 35, 1)
    assert card["decline_rate"] == 0.25
    assert card["sent_to_accepted_hours"] == 28.0
    assert card["accepted_to_handed_over_hours"] == 120.0
    assert (card["on_time"], card["with_promised_date"], card["on_time_rate"]) == (1, 2, 0.5)
    assert (card["good_pieces"], card["rejected_pieces"], card["yield_rate"]) == (25, 5, 0.8333)
    assert card["rejections"][0] == {"reason": "stain", "label": "Stain", "pieces": 4}
    assert card["rework_rate"] == 0.5
    assert card["cost_per_piece"] == [
        {"currency": "EUR", "earned": "50.00", "pieces": 25, "per_piece": "2.00"}
    ]


def test_the_period_is_read_from_from_and_to(admin_api, counted):
    start, end = at(205).date().isoformat(), at(199).date().isoformat()
    card = admin_api.get(
        f"/partners/{counted.a.partner.pk}/scorecard", {"from": start, "to": end}
    ).json()["scorecard"]
    assert (card["from"], card["to"]) == (start, end)
    assert (card["handed_over_runs"], card["on_time_rate"]) == (1, None)


def test_a_period_that_ends_before_it_starts_is_422_naming_to(admin_api, counted):
    response = admin_api.get(
        f"/partners/{counted.a.partner.pk}/scorecard", {"from": "2026-05-10", "to": "2026-05-01"}
    )
    assert response.status_code == 422
    assert "to" in str(response.json())


def test_an_unknown_partner_is_404(admin_api, db):
    assert admin_api.get("/partners/prt_nothing/scorecard").status_code == 404


def test_a_partner_reads_its_own_scorecard_and_no_one_elses(counted):
    own = PartnerApi(counted.b.user).get("/scorecard")
    assert own.status_code == 200
    assert own.json()["scorecard"]["partner_id"] == counted.b.partner.pk
    assert own.json()["scorecard"]["accepted_runs"] == 1
    # The admin route is not the partner's, whatever partner it names.
    other = Api(Client(), token_issue(user=counted.b.user))
    assert other.get(f"/partners/{counted.a.partner.pk}/scorecard").status_code == 403


def test_dates_at_the_ends_of_the_calendar_are_refused_or_read_never_a_500(admin_api, counted):
    url = f"/partners/{counted.a.partner.pk}/scorecard"
    assert admin_api.get(url, {"from": "0001-01-01", "to": "9999-12-31"}).status_code == 422
    assert admin_api.get(url, {"from": "9999-12-30", "to": "9999-12-31"}).status_code == 200


def test_a_period_ending_at_the_first_day_there_is_answers_without_error(admin_api, counted):
    response = admin_api.get(f"/partners/{counted.a.partner.pk}/scorecard", {"to": "0001-01-01"})
    assert response.status_code == 200, response.content
