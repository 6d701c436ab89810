"""A workshop sees its own scorecard in the portal: the brand's numbers, never another's."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_workshop_sees_its_own_scorecard_linked_from_the_nav(counted):
    client = logged_in(counted.a.user)
    runs = client.get(reverse("portal:runs")).content.decode()
    assert reverse("portal:scorecard") in runs
    response = client.get(reverse("portal:scorecard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-partner="{counted.a.partner.pk}"' in html
    assert "3 runs, 35 pieces" in html and "83.3%" in html and "€2.00" in html


def test_the_portal_shows_the_same_numbers_as_the_console(counted, admin_user):
    portal = logged_in(counted.a.user).get(reverse("portal:scorecard")).content.decode()
    admin = logged_in(admin_user).get(
        reverse("console:partner_detail", args=[counted.a.partner.pk])
    )

    def card(html):
        start = html.index('<dl class="facts scorecard"')
        return html[start : html.index("</dl>", start)]

    assert card(portal) == card(admin.content.decode())


def test_a_workshop_never_sees_another_partners_scorecard(counted):
    html = logged_in(counted.b.user).get(reverse("portal:scorecard")).content.decode()
    assert f'data-partner="{counted.b.partner.pk}"' in html
    assert counted.a.partner.pk not in html and "Atelier A" not in html
    # No parameter picks another partner: the scorecard is the member's own.
    html = (
        logged_in(counted.b.user)
        .get(reverse("portal:scorecard"), {"partner_id": counted.a.partner.pk})
        .content.decode()
    )
    assert counted.a.partner.pk not in html


def test_the_console_side_by_side_is_not_open_to_a_workshop(counted):
    response = logged_in(counted.a.user).get(reverse("console:partner_scorecards"))
    assert response.status_code in (302, 403, 404)
    assert b"Brodeur B" not in response.content


def test_a_bad_period_is_refused_naming_the_field(counted):
    response = logged_in(counted.a.user).get(reverse("portal:scorecard"), {"end": "31/31/2026"})
    assert response.status_code == 422
    assert 'id="id_end-error"' in response.content.decode()
