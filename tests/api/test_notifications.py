"""`GET /notifications` and `POST /notifications/{id}/read` on the admin and partner APIs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loomworks.accounts.services import token_issue
from loomworks.core.actors import Actor
from loomworks.events.api import drain
from loomworks.notifications.models import Audience, Notification
from loomworks.production import services as production
from tests.factories import AdminFactory, MemberFactory, TemplateFactory

pytestmark = pytest.mark.django_db

ADMIN_FEED = "/api/admin/notifications"
PARTNER_FEED = "/api/partners/notifications"


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


def add_entries(user, count: int, *, audience=Audience.ADMIN, run=None) -> list[Notification]:
    start = timezone.now() - datetime.timedelta(hours=1)
    return [
        Notification.objects.create(
            recipient=user,
            audience=audience,
            kind="production_run.accepted",
            summary=f"Entry {n}",
            run=run,
            created_at=start + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    ]


# ---------------------------------------------------------------- who may call


@pytest.mark.parametrize("path", [ADMIN_FEED, PARTNER_FEED])
def test_anonymous_callers_get_401(client, path):
    assert client.get(path).status_code == 401
    assert client.post(f"{path}/ntf_whatever/read").status_code == 401


def test_partner_users_get_403_on_the_admin_feed(client, workshop):
    headers = bearer(workshop.user)
    assert client.get(ADMIN_FEED, **headers).status_code == 403
    assert client.post(f"{ADMIN_FEED}/ntf_whatever/read", **headers).status_code == 403


def test_brand_admins_get_403_on_the_partner_feed(client, admin_user):
    assert client.get(PARTNER_FEED, **bearer(admin_user)).status_code == 403


def test_an_inactive_member_gets_403(client, workshop):
    workshop.member.is_active = False
    workshop.member.save()
    assert client.get(PARTNER_FEED, **bearer(workshop.user)).status_code == 403


# ---------------------------------------------------------------- the feeds over a run's life


def test_both_feeds_follow_a_run_from_dispatch_to_completion(
    client, workshop, make_run, admin, admin_user
):
    run = make_run("approved", partner=workshop.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()
    production.run_accept(run=run, actor=workshop.actor)
    drain()
    task = run.tasks.filter(parent__isnull=True).first()
    production.task_comment_add(task=task, actor=workshop.actor, body="Which thread?")
    drain()
    # Another admin completes it: the reader is told (their own dispatch is not on their feed).
    production.run_complete(run=run, actor=Actor.admin(AdminFactory()))
    drain()

    admin_body = client.get(ADMIN_FEED, **bearer(admin_user)).json()
    assert [n["kind"] for n in admin_body["notifications"]] == [
        "production_run.completed",
        "task.comment_added",
        "production_run.accepted",
    ]
    assert (admin_body["count"], admin_body["unread"]) == (3, 3)
    entry = admin_body["notifications"][0]
    assert set(entry) >= {"id", "kind", "summary", "run_id", "created_at", "read_at"}
    assert entry["run_id"] == run.pk
    assert entry["run_reference"] == run.reference
    assert entry["read_at"] is None
    times = [n["created_at"] for n in admin_body["notifications"]]
    assert times == sorted(times, reverse=True)

    partner_body = client.get(PARTNER_FEED, **bearer(workshop.user)).json()
    assert [n["kind"] for n in partner_body["notifications"]] == [
        "production_run.completed",
        "production_run.sent_to_partner",
    ]
    assert (partner_body["count"], partner_body["unread"]) == (2, 2)
    assert partner_body["notifications"][1]["summary"].endswith(" was sent to you.")


# ---------------------------------------------------------------- paging


def test_paging_with_limit_and_offset(client, admin_user):
    add_entries(admin_user, 5)
    body = client.get(f"{ADMIN_FEED}?limit=2&offset=1", **bearer(admin_user)).json()

    assert [n["summary"] for n in body["notifications"]] == ["Entry 3", "Entry 2"]
    assert (body["count"], body["unread"], body["limit"], body["offset"]) == (5, 5, 2, 1)


def test_the_default_page_is_twenty(client, admin_user):
    add_entries(admin_user, 21)
    body = client.get(ADMIN_FEED, **bearer(admin_user)).json()
    assert len(body["notifications"]) == 20
    assert body["count"] == 21


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "offset=-1", "limit=many", f"offset={10**25}"]
)
def test_bad_paging_is_422_naming_the_field(client, admin_user, query):
    response = client.get(f"{ADMIN_FEED}?{query}", **bearer(admin_user))
    assert response.status_code == 422
    assert response.json()["field"] == query.split("=")[0]


def test_unread_only(client, admin_user):
    older, newer = add_entries(admin_user, 2)
    newer.read_at = timezone.now()
    newer.save()
    body = client.get(f"{ADMIN_FEED}?unread=true", **bearer(admin_user)).json()
    assert [n["id"] for n in body["notifications"]] == [older.pk]
    assert (body["count"], body["unread"]) == (1, 1)


@pytest.mark.parametrize("feed", ["admin", "partner"])
def test_listing_costs_the_same_queries_for_one_entry_or_many(
    client, admin_user, workshop, make_run, feed
):
    user, path, audience = (
        (admin_user, ADMIN_FEED, Audience.ADMIN)
        if feed == "admin"
        else (workshop.user, PARTNER_FEED, Audience.PARTNER)
    )
    run = make_run("pending_review")
    headers = bearer(user)
    add_entries(user, 1, audience=audience, run=run)
    with CaptureQueriesContext(connection) as one:
        assert client.get(path, **headers).status_code == 200
    add_entries(user, 30, audience=audience, run=make_run("pending_review"))
    with CaptureQueriesContext(connection) as many:
        body = client.get(path, **headers).json()
    assert len(body["notifications"]) == 20
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------- read marks


def test_marking_read(client, admin_user):
    _older, newer = add_entries(admin_user, 2)
    headers = bearer(admin_user)

    response = client.post(f"{ADMIN_FEED}/{newer.pk}/read", **headers)

    assert response.status_code == 200
    marked = response.json()["notification"]
    assert marked["id"] == newer.pk
    assert marked["read_at"] is not None
    again = client.post(f"{ADMIN_FEED}/{newer.pk}/read", **headers)
    assert again.status_code == 200
    assert again.json()["notification"]["read_at"] == marked["read_at"]
    body = client.get(ADMIN_FEED, **headers).json()
    assert body["unread"] == 1
    assert [n["read_at"] is None for n in body["notifications"]] == [False, True]


def test_partner_marks_its_own_entry_read(client, workshop):
    [entry] = add_entries(workshop.user, 1, audience=Audience.PARTNER)
    response = client.post(f"{PARTNER_FEED}/{entry.pk}/read", **bearer(workshop.user))
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.read_at is not None


def test_another_users_notification_is_404_like_a_missing_one(client, admin_user, workshop):
    [other_admins] = add_entries(AdminFactory(), 1)
    colleague = MemberFactory(partner=workshop.partner).user
    [colleagues] = add_entries(colleague, 1, audience=Audience.PARTNER)

    for path, user, foreign in (
        (ADMIN_FEED, admin_user, other_admins),
        (PARTNER_FEED, workshop.user, colleagues),
    ):
        headers = bearer(user)
        response = client.post(f"{path}/{foreign.pk}/read", **headers)
        missing = client.post(f"{path}/ntf_doesnotexist/read", **headers)
        assert response.status_code == missing.status_code == 404
        assert response.json()["code"] == "not_found"
        foreign.refresh_from_db()
        assert foreign.read_at is None


def test_mark_all_read(client, admin_user):
    add_entries(admin_user, 3)
    headers = bearer(admin_user)
    response = client.post(f"{ADMIN_FEED}/read-all", **headers)
    assert response.json() == {"marked": 3}
    assert client.get(ADMIN_FEED, **headers).json()["unread"] == 0


# ---------------------------------------------------------------- e-mail preference


def test_a_member_turns_their_email_off_and_on(client, workshop):
    headers = bearer(workshop.user)
    url = f"{PARTNER_FEED}/email"
    assert client.get(url, **headers).json() == {"email_notifications": True}

    response = client.put(url, data={"enabled": False}, content_type="application/json", **headers)

    assert response.json() == {"email_notifications": False}
    workshop.member.refresh_from_db()
    assert workshop.member.email_notifications is False
    assert client.get(url, **headers).json() == {"email_notifications": False}


def test_email_preference_needs_a_boolean(client, workshop):
    response = client.put(
        f"{PARTNER_FEED}/email",
        data={"enabled": "sometimes"},
        content_type="application/json",
        **bearer(workshop.user),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "enabled"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", f"{ADMIN_FEED}/read-all"),
        ("post", f"{PARTNER_FEED}/read-all"),
        ("get", f"{PARTNER_FEED}/email"),
        ("put", f"{PARTNER_FEED}/email"),
    ],
)
def test_every_feed_route_is_401_without_a_token_and_403_for_the_wrong_kind_of_user(
    client, admin_user, workshop, method, path
):
    call = getattr(client, method)
    body = {"data": {"enabled": True}, "content_type": "application/json"}
    assert call(path, **body).status_code == 401
    wrong = admin_user if path.startswith(PARTNER_FEED) else workshop.user
    response = call(path, **body, **bearer(wrong))
    assert response.status_code == 403
    assert response.json()["detail"]


def test_email_preference_that_is_not_json_is_400(client, workshop):
    response = client.put(
        f"{PARTNER_FEED}/email",
        data="enabled=yes",
        content_type="application/json",
        **bearer(workshop.user),
    )
    assert response.status_code == 400
    workshop.member.refresh_from_db()
    assert workshop.member.email_notifications is True
