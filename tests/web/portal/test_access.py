"""Who gets into the partner portal, and what another partner's work looks like: not there."""

import pytest

from loomworks.partners.models import PartnerStatus
from loomworks.work.models import Task, TaskComment, TaskStatus
from tests.factories import AdminFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_log_in_and_back(client):
    response = client.get("/partner/")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=%2Fpartner%2F"


def test_brand_admin_without_membership_is_sent_to_the_admin_console(client):
    client.force_login(AdminFactory())
    response = client.get("/partner/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_user_of_no_partner_gets_a_no_access_page(client):
    client.force_login(UserFactory())
    response = client.get("/partner/")
    assert response.status_code == 403
    assert "does not belong to a partner workshop" in response.content.decode()


def test_member_of_an_inactive_partner_cannot_use_the_portal(client):
    member = MemberFactory(partner__status=PartnerStatus.INACTIVE)
    client.force_login(member.user)
    response = client.get("/partner/")
    assert response.status_code == 403
    assert "Ask the brand to reactivate it" in response.content.decode()


def test_deactivated_member_cannot_use_the_portal(client):
    member = MemberFactory(is_active=False)
    client.force_login(member.user)
    assert client.get("/partner/").status_code == 403


def test_member_of_an_active_partner_gets_in(partner_client):
    response = partner_client.get("/partner/")
    assert response.status_code == 200
    assert response.templates[0].name == "portal/runs.html"


def test_another_partners_run_is_the_same_friendly_not_found_as_a_missing_one(
    client, make_run, other_workshop, workshop
):
    theirs = make_run("sent_to_partner", partner=other_workshop.partner, actor=other_workshop.actor)
    client.force_login(workshop.user)

    other = client.get(f"/partner/production-runs/{theirs.pk}/")
    missing = client.get("/partner/production-runs/run_doesnotexist/")

    assert other.status_code == missing.status_code == 404
    assert "We could not find that" in other.content.decode()
    assert other.content.decode().count(theirs.reference) == 0
    assert other_workshop.partner.name not in other.content.decode()


@pytest.mark.parametrize("action", ["accept", "start", "finish", "complete", "decline"])
def test_actions_on_another_partners_run_answer_not_found_and_change_nothing(
    client, make_run, other_workshop, workshop, action
):
    theirs = make_run("sent_to_partner", partner=other_workshop.partner, actor=other_workshop.actor)
    client.force_login(workshop.user)

    response = client.post(f"/partner/production-runs/{theirs.pk}/{action}", {"reason": "capacity"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "sent_to_partner"
    assert theirs.partner_id == other_workshop.partner.pk


def test_another_partners_task_answers_not_found_for_every_task_action(
    client, make_run, other_workshop, workshop
):
    theirs = make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)
    task = Task.objects.get(run=theirs, parent__isnull=True)
    subtask = task.subtasks.first()
    client.force_login(workshop.user)

    answers = [
        client.post(f"/partner/tasks/{task.pk}/accept").status_code,
        client.post(f"/partner/tasks/{task.pk}/finish").status_code,
        client.post(f"/partner/tasks/{task.pk}/subtasks/{subtask.pk}/complete").status_code,
        client.post(f"/partner/tasks/{task.pk}/comments", {"body": "hello"}).status_code,
        client.post(f"/partner/tasks/{subtask.pk}/accept").status_code,
    ]

    assert answers == [404] * 5
    assert set(Task.objects.filter(run=theirs).values_list("status", flat=True)) == {
        TaskStatus.PENDING
    }
    assert not TaskComment.objects.exists()


def test_own_task_with_another_partners_checklist_item_is_not_found(
    partner_client, working_run, make_run, other_workshop
):
    theirs = make_run("in_progress", partner=other_workshop.partner, actor=other_workshop.actor)
    mine = Task.objects.get(run=working_run, parent__isnull=True)
    their_item = Task.objects.filter(run=theirs, parent__isnull=False).first()

    response = partner_client.post(f"/partner/tasks/{mine.pk}/subtasks/{their_item.pk}/complete")

    assert response.status_code == 404
    their_item.refresh_from_db()
    assert their_item.status == TaskStatus.PENDING


def test_a_checklist_item_of_another_own_task_is_not_found(partner_client, working_run):
    task = Task.objects.get(run=working_run, parent__isnull=True)
    Task.objects.create(run=working_run, partner=task.partner, title="Second task", position=5)
    second = Task.objects.get(title="Second task")
    item = task.subtasks.first()

    response = partner_client.post(f"/partner/tasks/{second.pk}/subtasks/{item.pk}/complete")

    assert response.status_code == 404
