"""Who gets into the partner API: members of an active partner, and nobody else."""

import pytest
from django.test import Client

from loomworks.partners.models import PartnerMember, PartnerStatus
from tests.api.partner_support import PartnerApi
from tests.factories import AdminFactory, MemberFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

ROUTES = [
    ("get", "/production-runs"),
    ("get", "/production-runs/run_x"),
    ("post", "/production-runs/run_x/accept"),
    ("get", "/assigned-tasks"),
    ("post", "/assigned-tasks/task_x/finish"),
    ("get", "/materials"),
]


def _call(api: PartnerApi, method: str, path: str):
    return api.get(path) if method == "get" else api.post(path)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_callers_get_401(method, path):
    response = getattr(Client(), method)(f"/api/partners{path}")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_bad_token_gets_401():
    response = Client().get(
        "/api/partners/production-runs", headers={"Authorization": "Bearer lw_not-a-token"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("status", [PartnerStatus.INACTIVE, PartnerStatus.PENDING])
def test_members_of_a_partner_that_is_not_active_get_403(method, path, status):
    member = MemberFactory(partner=PartnerFactory(status=status))

    response = _call(PartnerApi(member.user), method, path)

    assert response.status_code == 403
    assert member.partner.name in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_an_inactive_membership_gets_403(method, path):
    member = MemberFactory(is_active=False)

    response = _call(PartnerApi(member.user), method, path)
    assert response.status_code == 403
    assert "switched off" in response.json()["detail"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_brand_admin_gets_403(method, path):
    assert _call(PartnerApi(AdminFactory()), method, path).status_code == 403


def test_a_user_without_a_membership_gets_403():
    assert PartnerApi(UserFactory()).get("/production-runs").status_code == 403


def test_a_brand_admin_who_is_also_a_member_works_for_that_partner(workshop, make_run):
    admin = AdminFactory()
    PartnerMember.objects.create(partner=workshop.partner, user=admin)
    run = make_run("approved", partner=workshop.partner)

    response = PartnerApi(admin).get("/production-runs")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["production_runs"]] == [run.pk]


def test_a_partner_that_becomes_inactive_loses_access_at_once(workshop):
    api = PartnerApi(workshop.user)
    assert api.get("/production-runs").status_code == 200

    workshop.partner.status = PartnerStatus.INACTIVE
    workshop.partner.save()

    assert api.get("/production-runs").status_code == 403


def test_the_browser_session_works_and_unsafe_calls_need_csrf(workshop, make_run):
    run = make_run("sent_to_partner", partner=workshop.partner)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(workshop.user)

    assert browser.get("/api/partners/production-runs").status_code == 200
    refused = browser.post(
        f"/api/partners/production-runs/{run.pk}/accept", "{}", content_type="application/json"
    )
    assert refused.status_code == 403
    run.refresh_from_db()
    assert run.status == "sent_to_partner"
