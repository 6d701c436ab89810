"""The run page: what to make, the one next step, and the record of the work."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from loomworks.production import services
from loomworks.production.models import RunHistory
from loomworks.work.models import Task
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def page_of(client, run) -> str:
    response = client.get(f"/partner/production-runs/{run.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def action_bar(page: str) -> str:
    if 'id="next-step"' not in page:
        return ""
    start = page.index('id="next-step"')
    return page[start : page.index("</section>", start)]


def test_shows_the_design_as_it_was_ordered(partner_client, sent_run):
    sent_run.design.name = "Renamed later"
    sent_run.design.save()

    page = page_of(partner_client, sent_run)

    snapshot = sent_run.snapshot["design"]
    assert f'<h1 class="run-head__title">{snapshot["name"]}</h1>' in page
    assert "A relaxed shirt in washed linen." in page
    assert 'style="background:#D8C7A6"' in page and "Sand" in page
    assert '<th scope="col" class="num">Chest cm</th>' in page
    assert '<td class="num">102</td>' in page
    assert "Seam allowance" in page and "1 cm" in page
    assert 'href="#zoom-design"' in page and 'id="zoom-design"' in page


def test_shows_reference_stepper_progress_tasks_and_timeline(partner_client, sent_run):
    page = page_of(partner_client, sent_run)

    assert sent_run.reference in page
    assert 'class="stepper"' in page
    assert "0 of 2 checklist items ticked" in page
    assert "Cutting" in page and "Lay fabric" in page and "Cut panels" in page
    assert "Sent to the workshop" in page
    assert "Coming up → Waiting for your answer" in page


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("approved", []),
        ("sent_to_partner", ["Accept run", "Decline"]),
        ("in_progress", ["Start work"]),
        ("completed", []),
    ],
)
def test_one_next_step_for_each_stage(partner_client, make_run, workshop, status, buttons):
    run = make_run(status, partner=workshop.partner, actor=workshop.actor)

    bar = action_bar(page_of(partner_client, run))

    for label in buttons:
        assert label in bar
    if not buttons:
        assert bar == ""


def test_hand_over_is_the_one_end_step_after_start(partner_client, working_run, workshop):
    services.run_start(run=working_run, actor=workshop.actor)
    page = page_of(partner_client, working_run)
    bar = action_bar(page)
    assert "Hand over" in bar and "Start work" not in bar
    assert "Mark finished" not in page and "Complete run" not in page
    # The hand-over form: its confirmation says what happens to unticked items.
    assert "2 open checklist items will be closed on completion, not ticked." in page
    assert f"Yes, hand over {working_run.reference}" in page


def test_accepting_with_a_promised_date(partner_client, sent_run):
    promised = timezone.localdate() + datetime.timedelta(days=10)

    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/accept", {"promised_date": promised.isoformat()}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/partner/production-runs/{sent_run.pk}/"
    sent_run.refresh_from_db()
    assert sent_run.status == "in_progress"
    assert sent_run.promised_date == promised
    page = partner_client.get(response["Location"]).content.decode()
    assert f"You accepted {sent_run.reference}." in page
    assert "Start work" in action_bar(page)


def test_accepting_without_a_date(partner_client, sent_run):
    response = partner_client.post(f"/partner/production-runs/{sent_run.pk}/accept", {})
    assert response.status_code == 302
    sent_run.refresh_from_db()
    assert sent_run.status == "in_progress" and sent_run.promised_date is None


def test_a_promised_date_in_the_past_is_refused_beside_the_field_with_the_value_kept(
    partner_client, sent_run
):
    past = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()

    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/accept", {"promised_date": past}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<p class="field__error" id="promised-error">The promised date cannot be in the past.</p>'
        in page
    )
    assert f'value="{past}"' in page
    assert re.search(r'<details class="confirm confirm--primary" open>', page)
    sent_run.refresh_from_db()
    assert sent_run.status == "sent_to_partner"


def test_a_malformed_promised_date_is_refused_beside_the_field(partner_client, sent_run):
    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/accept", {"promised_date": "next friday"}
    )
    assert response.status_code == 422
    assert "Give a date like 2027-04-03." in response.content.decode()
    assert 'value="next friday"' in response.content.decode()


def test_declining_needs_a_reason(partner_client, sent_run):
    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/decline", {"notes": "Sorry, we are full"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert '<p class="field__error" id="reason-error">Choose a reason.</p>' in page
    assert "Sorry, we are full</textarea>" in page
    sent_run.refresh_from_db()
    assert sent_run.status == "sent_to_partner"


def test_declining_hands_the_run_back_and_it_leaves_the_list(partner_client, sent_run):
    response = partner_client.post(
        f"/partner/production-runs/{sent_run.pk}/decline",
        {"reason": "capacity", "notes": "Full until May"},
    )

    assert response.status_code == 302
    sent_run.refresh_from_db()
    assert sent_run.status == "awaiting_reassignment"
    history = RunHistory.objects.get(run=sent_run, kind="decline")
    assert history.details == {"reason": "capacity", "notes": "Full until May"}
    assert response["Location"] == "/partner/"
    listing = partner_client.get("/partner/").content.decode()
    assert f"You declined {sent_run.reference}." in listing
    assert partner_client.get(f"/partner/production-runs/{sent_run.pk}/").status_code == 404


def test_declining_twice_says_it_was_declined_not_404(partner_client, sent_run, other_workshop):
    url = f"/partner/production-runs/{sent_run.pk}/decline"
    body = {"reason": "capacity", "notes": "Full until May"}
    partner_client.post(url, body)
    again = partner_client.post(url, body, follow=True)
    assert again.status_code == 200
    assert f"You declined {sent_run.reference} already" in again.content.decode()
    assert RunHistory.objects.filter(run=sent_run, kind="decline").count() == 1
    # Another workshop asking about the same run still finds nothing.
    other = Client()
    other.force_login(other_workshop.user)
    assert other.post(url, body).status_code == 404


def test_start_finish_complete_through_the_page(partner_client, working_run):
    base = f"/partner/production-runs/{working_run.pk}"

    partner_client.post(f"{base}/start")
    partner_client.post(f"{base}/finish")
    response = partner_client.post(f"{base}/complete")

    working_run.refresh_from_db()
    assert working_run.status == "completed"
    assert working_run.started_at and working_run.finished_at and working_run.completed_at
    page = partner_client.get(response["Location"]).content.decode()
    assert f"{working_run.reference} is completed. Thank you!" in page
    assert action_bar(page) == ""


def test_an_action_out_of_turn_shows_the_reason_and_changes_nothing(partner_client, working_run):
    response = partner_client.post(f"/partner/production-runs/{working_run.pk}/complete")

    assert response.status_code == 302
    page = partner_client.get(response["Location"]).content.decode()
    assert f"Mark {working_run.reference} finished before completing it." in page
    assert "flash__item--error" in page
    working_run.refresh_from_db()
    assert working_run.status == "in_progress"


def test_a_repeated_accept_changes_nothing(partner_client, sent_run):
    url = f"/partner/production-runs/{sent_run.pk}/accept"
    partner_client.post(url, {})
    partner_client.post(url, {})

    assert RunHistory.objects.filter(run=sent_run, kind="accept").count() == 1


# ---------------------------------------------------------------- the checklist


def test_checklist_is_locked_with_a_reason_until_the_run_is_accepted(partner_client, sent_run):
    page = page_of(partner_client, sent_run)

    assert '<p class="task__lock">Accept the run first.</p>' in page
    assert 'aria-disabled="true"' in page
    assert "/subtasks/" not in page  # no form to tick a locked item


def test_ticking_an_item_without_javascript_saves_and_comes_back(partner_client, working_run):
    task = Task.objects.get(run=working_run, parent__isnull=True)
    item = task.subtasks.order_by("position").first()

    response = partner_client.post(f"/partner/tasks/{task.pk}/subtasks/{item.pk}/complete")

    assert response.status_code == 302
    assert response["Location"] == f"/partner/production-runs/{working_run.pk}/#task-{task.pk}"
    item.refresh_from_db()
    assert item.status == "completed"
    page = partner_client.get(response["Location"]).content.decode()
    assert "Ticked “Lay fabric”." in page
    assert "1 of 2 checklist items ticked" in page
    assert 'aria-checked="true"' in page


def test_ticking_an_item_with_htmx_returns_the_task_card_and_the_progress(
    partner_client, working_run
):
    task = Task.objects.get(run=working_run, parent__isnull=True)
    item = task.subtasks.order_by("position").first()

    response = partner_client.post(
        f"/partner/tasks/{task.pk}/subtasks/{item.pk}/complete", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<article class="task" id="task-')
    assert "<html" not in fragment
    assert "1 of 2 ticked" in fragment
    assert 'id="run-progress" class="run-progress" hx-swap-oob="true"' in fragment
    assert "1 of 2 checklist items ticked" in fragment


def test_ticking_the_last_item_completes_the_task_and_then_the_run(
    partner_client, working_run, drained
):
    task = Task.objects.get(run=working_run, parent__isnull=True)
    for item in task.subtasks.all():
        partner_client.post(f"/partner/tasks/{task.pk}/subtasks/{item.pk}/complete")
    drained()

    task.refresh_from_db()
    working_run.refresh_from_db()
    assert task.status == "completed"
    assert working_run.status == "completed"
    assert "This run is completed." in page_of(partner_client, working_run)


def test_ticking_before_accepting_shows_why(partner_client, sent_run):
    task = Task.objects.get(run=sent_run, parent__isnull=True)
    item = task.subtasks.first()

    response = partner_client.post(f"/partner/tasks/{task.pk}/subtasks/{item.pk}/complete")
    page = partner_client.get(response["Location"]).content.decode()
    assert f"Accept {sent_run.reference} before working on its tasks." in page

    htmx = partner_client.post(
        f"/partner/tasks/{task.pk}/subtasks/{item.pk}/complete", HTTP_HX_REQUEST="true"
    )
    assert f"Accept {sent_run.reference} before working on its tasks." in htmx.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"


def test_accept_and_finish_a_task_without_a_checklist(partner_client, make_run, workshop):
    run = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(name="Press", checklist=[])],
    )
    task = Task.objects.get(run=run)
    page = page_of(partner_client, run)
    assert "Accept task" in page and "Mark task done" in page

    partner_client.post(f"/partner/tasks/{task.pk}/accept")
    task.refresh_from_db()
    assert task.status == "accepted"
    response = partner_client.post(f"/partner/tasks/{task.pk}/finish", HTTP_HX_REQUEST="true")
    task.refresh_from_db()
    assert task.status == "completed"
    assert "“Press” is done." in response.content.decode()


# ---------------------------------------------------------------- comments


def test_comments_read_oldest_first_like_a_chat(partner_client, sent_run, admin):
    task = Task.objects.get(run=sent_run, parent__isnull=True)
    item = task.subtasks.first()
    services.task_comment_add(task=task, actor=admin, body="Please use the new marker.")
    services.task_comment_add(task=item, actor=admin, body="Careful with the grain.")

    response = partner_client.post(f"/partner/tasks/{task.pk}/comments", {"body": "Which marker?"})

    assert response.status_code == 302
    page = partner_client.get(response["Location"]).content.decode()
    first, second, third = (
        page.index("Please use the new marker."),
        page.index("Careful with the grain."),
        page.index("Which marker?"),
    )
    assert first < second < third
    assert "on “Lay fabric”" in page
    assert "comment--admin" in page and "comment--partner" in page


def test_a_blank_comment_is_refused_and_the_page_keeps_what_was_typed(partner_client, sent_run):
    task = Task.objects.get(run=sent_run, parent__isnull=True)

    response = partner_client.post(f"/partner/tasks/{task.pk}/comments", {"body": "   "})

    assert response.status_code == 422
    assert "Write something before sending the comment." in response.content.decode()
    assert not task.comments.exists()


def test_a_too_long_comment_keeps_its_text_beside_the_error(partner_client, sent_run):
    task = Task.objects.get(run=sent_run, parent__isnull=True)
    text = "x" * 10_001

    response = partner_client.post(f"/partner/tasks/{task.pk}/comments", {"body": text})

    assert response.status_code == 422
    page = response.content.decode()
    assert f">{text}</textarea>" in page
    assert f'id="comment-error-{task.pk}"' in page


def test_a_comment_sent_with_htmx_comes_back_in_the_thread(partner_client, sent_run):
    task = Task.objects.get(run=sent_run, parent__isnull=True)

    response = partner_client.post(
        f"/partner/tasks/{task.pk}/comments", {"body": "On it"}, HTTP_HX_REQUEST="true"
    )
    error = partner_client.post(
        f"/partner/tasks/{task.pk}/comments", {"body": ""}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert '<p class="comment__body">On it</p>' in response.content.decode()
    assert "></textarea>" in response.content.decode()  # the box is empty again
    assert error.status_code == 200
    assert "Write something before sending the comment." in error.content.decode()


def test_another_workshops_people_stay_anonymous(
    partner_client, make_run, workshop, other_workshop, admin
):
    run = make_run("sent_to_partner", partner=other_workshop.partner, actor=other_workshop.actor)
    services.run_decline(
        run=run, actor=other_workshop.actor, reason="capacity", notes="We are full"
    )
    services.run_reassign(run=run, partner=workshop.partner, actor=admin)
    services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)

    page = page_of(partner_client, run)

    assert other_workshop.user.display_name not in page
    assert other_workshop.partner.name not in page
    assert "We are full" not in page
    assert "Another workshop" in page


def test_a_question_asked_by_the_previous_workshop_stays_out_of_sight(
    partner_client, make_run, workshop, other_workshop, admin
):
    """Its words are another workshop's work: neither the body nor the name shows
    (the partner API hides it the same way), only the brand's and the workshop's own."""
    run = make_run("sent_to_partner", partner=other_workshop.partner, actor=other_workshop.actor)
    task = Task.objects.get(run=run, parent__isnull=True)
    services.task_comment_add(task=task, actor=other_workshop.actor, body="Is it washed?")
    services.task_comment_add(task=task, actor=admin, body="Cold wash, 30 degrees.")
    services.run_reassign(run=run, partner=workshop.partner, actor=admin)

    page = page_of(partner_client, run)
    card = partner_client.post(
        f"/partner/tasks/{task.pk}/comments", {"body": "Yes it is"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    for html in (page, card):
        assert "Is it washed?" not in html
        assert other_workshop.user.display_name not in html
        assert "Cold wash, 30 degrees." in html
    assert workshop.user.display_name in card and "Yes it is" in card


# ---------------------------------------------------------------- related runs


def test_related_runs_show_reference_role_and_status_but_never_the_other_partner(
    partner_client, admin, design, workshop, other_workshop
):
    parent = services.run_create(design=design, actor=admin, quantity=10)
    result = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            services.Assignment(
                partner_id=workshop.partner.pk, quantity=10, role="cutting", order=1
            ),
            services.Assignment(
                partner_id=other_workshop.partner.pk, quantity=10, role="stitching", order=2
            ),
        ],
    )
    mine, theirs = result.children

    page = page_of(partner_client, mine)

    assert 'id="related"' in page
    assert parent.reference in page and theirs.reference in page
    assert "stitching" in page
    assert other_workshop.partner.name not in page
    assert f'href="/partner/production-runs/{theirs.pk}/"' not in page


def test_a_huge_material_quantity_is_refused_in_plain_words(partner_client, working_run):
    from loomworks.catalog.models import Material

    material = Material.objects.first()
    response = partner_client.post(
        f"/partner/production-runs/{working_run.pk}/consumption",
        {"material": material.pk, "quantity": "12345678901234"},
    )
    page = response.content.decode()
    assert "That is more than any real quantity: keep it below 1,000,000,000." in page
    assert "digits in total" not in page
