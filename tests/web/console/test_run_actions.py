"""Every action on a run page: a POST, one service call, a redirect with a flash message.
Bad input comes back beside its field with the typed values kept; a refused action
comes back as a flash with the reason."""

import pytest

from loomworks.partners.models import PartnerStatus
from loomworks.production.models import ProductionRun, RunHistory
from loomworks.work.models import Task, TaskComment
from tests.web.console.helpers import flashes, text


def url(run, action: str = "") -> str:
    return f"/admin/production-runs/{run.pk}/" + (f"{action}/" if action else "")


def fresh(run) -> ProductionRun:
    return ProductionRun.objects.get(pk=run.pk)


# ---------------------------------------------------------------- approve


def test_approve_page_starts_without_assignments(console, make_run):
    run = make_run()
    page = text(console.get(url(run, "approve")))
    assert f"Approve {run.reference}" in page
    assert "+ Add assignment" in page
    assert 'name="row"' not in page


def test_approve_without_assignments_approves_in_place(console, make_run):
    run = make_run()
    response = console.post(url(run, "approve"), {}, follow=True)
    assert response.redirect_chain[-1][0] == url(run)
    assert flashes(response) == [f"{run.reference} is approved."]
    assert fresh(run).status == "approved"
    assert not fresh(run).children.exists()


def test_add_assignment_adds_a_row_with_the_runs_quantity_and_approves_nothing(console, make_run):
    run = make_run(quantity=30)
    page = text(console.post(url(run, "approve"), {"add_row": "1"}))
    assert page.count('name="row"') == 1
    assert 'name="a0-quantity" value="30"' in page
    assert fresh(run).status == "pending_review"


def test_rows_keep_what_was_typed_when_another_is_added_or_removed(
    console, make_run, make_workshop
):
    run = make_run(quantity=30)
    one, two = make_workshop(), make_workshop()
    typed = {
        "row": ["0", "1"],
        "a0-partner_id": one.partner.pk,
        "a0-role": "cutting",
        "a0-quantity": "30",
        "a1-partner_id": two.partner.pk,
        "a1-role": "sewing",
        "a1-quantity": "30",
        "a1-order": "2",
    }
    page = text(console.post(url(run, "approve"), {**typed, "add_row": "1"}))
    assert page.count('name="row"') == 3
    assert 'value="cutting"' in page and 'value="sewing"' in page
    assert f'<option value="{two.partner.pk}" selected>' in page
    assert "field__error" not in page

    page = text(console.post(url(run, "approve"), {**typed, "remove_row": "0"}))
    assert page.count('name="row"') == 1
    assert 'value="cutting"' not in page
    assert 'name="a1-role"' in page and 'value="sewing"' in page
    assert fresh(run).status == "pending_review"


def test_htmx_row_changes_answer_the_page_whose_assignments_htmx_swaps_in(htmx, make_run):
    run = make_run()
    response = htmx.post(url(run, "approve"), {"add_row": "1"})
    page = text(response)
    assert 'id="assignments"' in page
    assert 'hx-select="#assignments"' in page
    assert 'name="a0-partner_id"' in page


def test_approve_with_two_partners_in_two_order_groups(console, make_run, make_workshop, templates):
    run = make_run(quantity=20)
    cutter, sewer = make_workshop(), make_workshop()
    response = console.post(
        url(run, "approve"),
        {
            "row": ["0", "1"],
            "a0-partner_id": cutter.partner.pk,
            "a0-role": "cutting",
            "a0-quantity": "20",
            "a0-order": "1",
            "a1-partner_id": sewer.partner.pk,
            "a1-role": "sewing",
            "a1-quantity": "20",
            "a1-order": "2",
            "a1-template_ids": [templates[1].pk],
        },
        follow=True,
    )
    parts = list(fresh(run).children.order_by("order_group"))
    assert [(p.partner, p.role, p.quantity, p.order_group) for p in parts] == [
        (cutter.partner, "cutting", 20, 1),
        (sewer.partner, "sewing", 20, 2),
    ]
    assert list(parts[1].depends_on.all()) == [parts[0]]
    assert parts[1].planned_template_ids == [templates[1].pk]
    assert fresh(run).status == "approved"
    [message] = flashes(response)
    assert message == (
        f"{run.reference} is approved and split into 2 parts: "
        f"{parts[0].reference} ({cutter.partner.name}), {parts[1].reference} ({sewer.partner.name})."
    )


def test_approve_with_templates_sends_a_part_that_waits_for_nothing(
    console, make_run, workshop, templates
):
    run = make_run(quantity=5)
    console.post(
        url(run, "approve"),
        {
            "row": ["0"],
            "a0-partner_id": workshop.partner.pk,
            "a0-quantity": "5",
            "a0-template_ids": [templates[0].pk],
        },
    )
    part = fresh(run).children.get()
    assert part.status == "sent_to_partner"


def test_a_row_without_partner_is_shown_beside_the_field(console, make_run):
    run = make_run(quantity=8)
    response = console.post(
        url(run, "approve"), {"row": ["0"], "a0-role": "dyeing", "a0-quantity": "8"}
    )
    page = text(response)
    assert response.status_code == 200
    assert "Choose a partner." in page
    assert 'value="dyeing"' in page
    assert fresh(run).status == "pending_review"


def test_quantities_that_do_not_add_up_are_refused_with_values_kept(
    console, make_run, make_workshop
):
    run = make_run(quantity=10)
    one, two = make_workshop(), make_workshop()
    page = text(
        console.post(
            url(run, "approve"),
            {
                "row": ["0", "1"],
                "a0-partner_id": one.partner.pk,
                "a0-quantity": "6",
                "a1-partner_id": two.partner.pk,
                "a1-quantity": "3",
            },
        )
    )
    assert "add up to 9 pieces" in page
    assert 'name="a0-quantity" value="6"' in page and 'name="a1-quantity" value="3"' in page
    assert fresh(run).status == "pending_review"
    assert not ProductionRun.objects.filter(parent=run).exists()


def test_an_inactive_partner_cannot_be_chosen(console, make_run, make_workshop):
    run = make_run(quantity=4)
    idle = make_workshop(status=PartnerStatus.INACTIVE)
    page = text(console.get(url(run, "approve")))
    assert idle.partner.name not in text(console.post(url(run, "approve"), {"add_row": "1"}))
    response = console.post(
        url(run, "approve"), {"row": ["0"], "a0-partner_id": idle.partner.pk, "a0-quantity": "4"}
    )
    assert "Select a valid choice" in text(response)
    assert "Approve" in page


def test_approving_a_run_that_is_no_longer_pending_is_a_flash_not_an_error(console, make_run):
    run = make_run("approved")
    response = console.post(url(run, "approve"), {}, follow=True)
    assert response.redirect_chain[-1][0] == url(run)
    [message] = flashes(response)
    assert "while it is Approved" in message


def test_the_approve_page_of_an_approved_run_sends_back_to_the_run(console, make_run):
    run = make_run("approved")
    response = console.get(url(run, "approve"), follow=True)
    assert response.redirect_chain[-1][0] == url(run)
    assert flashes(response) == [f"{run.reference} is approved; it cannot be approved now."]


# ---------------------------------------------------------------- dispatch


def test_dispatch_makes_tasks_in_the_order_given(console, make_run, workshop, templates):
    run = make_run("approved", partner=workshop.partner)
    cutting, sewing, packing = templates
    response = console.post(
        url(run, "dispatch"),
        {
            "template_ids": [cutting.pk, sewing.pk, packing.pk],
            f"position_{sewing.pk}": "1",
            f"position_{cutting.pk}": "2",
        },
        follow=True,
    )
    assert flashes(response) == [
        f"{run.reference} is sent to {workshop.partner.name} with 3 tasks."
    ]
    assert fresh(run).status == "sent_to_partner"
    titles = list(
        Task.objects.filter(run=run, parent__isnull=True)
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles == ["Sewing", "Cutting", "Packing"]
    assert Task.objects.filter(run=run, parent__title="Sewing").count() == 3


def test_dispatch_page_preselects_the_templates_chosen_at_approval(console, split_run, templates):
    result = split_run()
    part = result.children[0]
    ProductionRun.objects.filter(pk=part.pk).update(planned_template_ids=[templates[1].pk])
    page = text(console.get(url(part, "dispatch")))
    assert f'value="{templates[1].pk}" id="use-{templates[1].pk}" checked' in page
    assert "Sewing" in page[page.index('id="dispatch-preview"') :]


def test_dispatch_preview_follows_the_ticks(htmx, make_run, workshop, templates):
    run = make_run("approved", partner=workshop.partner)
    response = htmx(
        url(run, "dispatch"),
        {
            "preview": "1",
            "template_ids": [templates[2].pk, templates[0].pk],
            f"position_{templates[2].pk}": "1",
        },
    )
    page = text(response)
    assert "<html" not in page
    assert page.index("Packing") < page.index("Cutting")
    assert "2 checklist items" in page and "Lay" in page


def test_dispatch_preview_without_javascript_sends_nothing(console, make_run, workshop, templates):
    run = make_run("approved", partner=workshop.partner)
    page = text(
        console.post(url(run, "dispatch"), {"preview": "1", "template_ids": [templates[0].pk]})
    )
    assert "Cutting" in page[page.index('id="dispatch-preview"') :]
    assert fresh(run).status == "approved"


def test_dispatch_needs_a_template(console, make_run, workshop):
    run = make_run("approved", partner=workshop.partner)
    response = console.post(url(run, "dispatch"), {})
    assert "Choose at least one task template." in text(response)
    assert fresh(run).status == "approved"


def test_dispatch_before_the_runs_it_waits_for_is_refused_with_the_reason(
    console, split_run, templates
):
    sewing = split_run().children[1]
    response = console.post(
        url(sewing, "dispatch"), {"template_ids": [templates[0].pk]}, follow=True
    )
    [message] = flashes(response)
    assert "waits for" in message and "to complete first" in message
    assert fresh(sewing).status == "approved"
    assert not Task.objects.filter(run=sewing).exists()


# ---------------------------------------------------------------- add tasks


def test_add_tasks_from_templates_and_free_text(console, make_run, workshop, templates):
    run = make_run("sent_to_partner", partner=workshop.partner)
    response = console.post(
        url(run, "tasks"),
        {"template_ids": [templates[2].pk], "title": "Redo the hem", "description": "Too short"},
        follow=True,
    )
    assert flashes(response) == [f"2 tasks added to {run.reference}."]
    titles = set(Task.objects.filter(run=run, parent__isnull=True).values_list("title", flat=True))
    assert {"Packing", "Redo the hem"} <= titles


def test_add_tasks_needs_a_template_or_a_title(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    before = Task.objects.filter(run=run).count()
    response = console.post(url(run, "tasks"), {"description": "kept text"})
    assert "Choose a template or give the task a title." in text(response)
    assert "kept text" in text(response)
    assert Task.objects.filter(run=run).count() == before


# ---------------------------------------------------------------- reassign


def test_reassign_a_sent_run(console, make_run, make_workshop):
    old, new = make_workshop(), make_workshop()
    run = make_run("sent_to_partner", partner=old.partner)
    response = console.post(
        url(run, "reassign"), {"partner_id": new.partner.pk, "note": "Old one is full"}, follow=True
    )
    assert flashes(response) == [f"{run.reference} is now with {new.partner.name}."]
    run = fresh(run)
    assert (run.partner, run.previous_partner, run.status) == (
        new.partner,
        old.partner,
        "sent_to_partner",
    )
    assert RunHistory.objects.filter(run=run, kind="reassign", note="Old one is full").exists()


def test_reassign_a_declined_run_returns_it_to_approved(console, make_run, make_workshop):
    old, new = make_workshop(), make_workshop()
    run = make_run("awaiting_reassignment", partner=old.partner, actor=old.actor)
    page = text(console.get(url(run, "reassign")))
    assert " checked" not in page.split('id="partner-choice"')[1].split("</fieldset>")[0]
    response = console.post(url(run, "reassign"), {"partner_id": new.partner.pk}, follow=True)
    assert flashes(response) == [
        f"{run.reference} is now with {new.partner.name}. Send it to production next."
    ]
    assert fresh(run).status == "approved"


def test_reassign_shows_the_decline_reason_and_each_partners_open_work(
    console, make_run, make_workshop
):
    old, busy, idle = make_workshop(), make_workshop(), make_workshop()
    make_run("sent_to_partner", partner=busy.partner, quantity=30)
    make_run("in_progress", partner=busy.partner, actor=busy.actor, quantity=12)
    run = make_run("sent_to_partner", partner=old.partner)
    from loomworks.production import services

    services.run_decline(run=run, actor=old.actor, reason="capacity", notes="Full until May")
    page = text(console.get(url(run, "reassign")))
    assert "No capacity" in page and "Full until May" in page
    rows = {
        chunk.split('value="')[1].split('"')[0]: chunk
        for chunk in page.split('<input type="radio"')[1:]
    }
    assert "2 open runs, 42 pieces" in rows[busy.partner.pk]
    assert "No open work" in rows[idle.partner.pk]
    assert "declined this run" in rows[old.partner.pk]


def test_assign_and_send_uses_the_templates_chosen_before(
    console, make_run, make_workshop, templates
):
    old, new = make_workshop(), make_workshop()
    run = make_run(
        "awaiting_reassignment", partner=old.partner, actor=old.actor, templates=templates[:2]
    )
    page = text(console.get(url(run, "reassign")))
    assert "Assign and send" in page and "Cutting, Sewing" in page
    response = console.post(
        url(run, "reassign"), {"partner_id": new.partner.pk, "and_send": "1"}, follow=True
    )
    assert flashes(response) == [f"{run.reference} is sent to {new.partner.name} with 2 tasks."]
    run = fresh(run)
    assert (run.status, run.partner) == ("sent_to_partner", new.partner)
    open_tasks = Task.objects.filter(run=run, partner=new.partner, parent=None).exclude(
        status="cancelled"
    )
    assert sorted(open_tasks.values_list("title", flat=True)) == ["Cutting", "Sewing"]
    kinds = list(
        RunHistory.objects.filter(run=run)
        .order_by("occurred_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["reassign", "dispatch"]


def test_assign_and_send_is_all_or_nothing(console, make_run, make_workshop, templates):
    old, new = make_workshop(), make_workshop()
    blocker = make_run("approved", partner=new.partner)
    run = make_run(
        "awaiting_reassignment", partner=old.partner, actor=old.actor, templates=templates[:1]
    )
    run.depends_on.add(blocker)
    response = console.post(
        url(run, "reassign"), {"partner_id": new.partner.pk, "and_send": "1"}, follow=True
    )
    assert "waits for" in flashes(response)[0]
    run = fresh(run)
    assert (run.status, run.partner) == ("awaiting_reassignment", None)


def test_reassign_needs_a_partner(console, make_run, workshop):
    run = make_run("approved", partner=workshop.partner)
    response = console.post(url(run, "reassign"), {"note": "typed"})
    assert "Choose a partner." in text(response) and "typed" in text(response)


def test_reassign_after_acceptance_is_refused(console, make_run, make_workshop):
    holder, other = make_workshop(), make_workshop()
    run = make_run("in_progress", partner=holder.partner, actor=holder.actor)
    shown = console.get(url(run, "reassign"), follow=True)
    assert shown.redirect_chain[-1][0] == url(run)
    assert flashes(shown) == [f"{run.reference} is in progress; it cannot be reassigned now."]
    response = console.post(url(run, "reassign"), {"partner_id": other.partner.pk}, follow=True)
    [message] = flashes(response)
    assert "In progress" in message
    assert fresh(run).partner == holder.partner


# ---------------------------------------------------------------- edit


def test_edit_details_before_acceptance(console, make_run):
    run = make_run(quantity=5)
    response = console.post(
        url(run, "edit"),
        {
            "quantity": "8",
            "run_type": "sample",
            "role": "knitting",
            "due_date": "2031-05-01",
            "notes": "",
        },
        follow=True,
    )
    assert flashes(response) == [f"{run.reference} is updated."]
    run = fresh(run)
    assert (run.quantity, run.run_type, run.role, str(run.due_date)) == (
        8,
        "sample",
        "knitting",
        "2031-05-01",
    )
    assert RunHistory.objects.filter(run=run, kind="edit").exists()


def test_edit_with_nothing_changed(console, make_run):
    run = make_run(quantity=5)
    response = console.post(
        url(run, "edit"),
        {"quantity": "5", "run_type": "production", "role": "", "due_date": "", "notes": ""},
        follow=True,
    )
    assert flashes(response) == ["Nothing was changed."]
    assert not RunHistory.objects.filter(run=run, kind="edit").exists()


def test_edit_refuses_a_quantity_of_zero_beside_the_field(console, make_run):
    run = make_run(quantity=5)
    response = console.post(
        url(run, "edit"), {"quantity": "0", "run_type": "production", "role": "kept"}
    )
    page = text(response)
    assert "Give 1 or more." in page and "Ensure this value" not in page
    assert 'value="kept"' in page
    assert fresh(run).quantity == 5


def test_edit_after_acceptance_is_not_offered(console, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    response = console.get(url(run, "edit"), follow=True)
    assert "cannot be edited now" in flashes(response)[0]


# ---------------------------------------------------------------- cancel


def test_cancel_with_a_reason_shows_in_the_history(console, make_run):
    run = make_run("approved")
    response = console.post(url(run, "cancel"), {"reason": "Fabric recalled"}, follow=True)
    assert flashes(response) == [f"{run.reference} is cancelled."]
    assert fresh(run).status == "cancelled" and fresh(run).cancelled_reason == "Fabric recalled"
    assert "Fabric recalled" in text(response)
    assert RunHistory.objects.filter(run=run, kind="cancel", note="Fabric recalled").exists()


def test_cancel_asks_for_the_reason(console, make_run):
    run = make_run("approved")
    response = console.post(url(run, "cancel"), {"reason": "  "})
    assert response.status_code == 200
    assert "Give the reason" in text(response)
    assert fresh(run).status == "approved"


def test_cancelling_a_split_run_cancels_its_parts(console, split_run):
    result = split_run()
    response = console.post(url(result.run, "cancel"), {"reason": "Order withdrawn"}, follow=True)
    assert flashes(response) == [f"{result.run.reference} is cancelled, with 3 open parts."]
    assert set(
        ProductionRun.objects.filter(parent=result.run).values_list("status", flat=True)
    ) == {"cancelled"}


def test_cancelling_a_completed_run_is_refused_with_the_reason(console, make_run, workshop):
    run = make_run("completed", partner=workshop.partner, actor=workshop.actor)
    response = console.post(url(run, "cancel"), {"reason": "too late"}, follow=True)
    assert response.status_code == 200
    assert flashes(response) == [f"{run.reference} is Completed; nothing more can be done with it."]
    assert fresh(run).status == "completed"


def test_cancel_confirms_in_the_page_never_with_a_browser_dialog(console, make_run):
    page = text(console.get(url(make_run())))
    assert '<details class="confirm">' in page and 'name="reason"' in page
    assert "confirm(" not in page


# ---------------------------------------------------------------- on the partner's behalf


def test_accept_start_finish_and_complete_on_the_partners_behalf(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    response = console.post(url(run, "accept"), follow=True)
    assert flashes(response) == [
        f"{run.reference} is accepted on {workshop.partner.name}'s behalf."
    ]
    assert fresh(run).status == "in_progress" and fresh(run).accepted_at
    assert flashes(console.post(url(run, "start"), follow=True)) == [f"{run.reference} is started."]
    assert fresh(run).started_at
    assert flashes(console.post(url(run, "finish"), follow=True)) == [
        f"{run.reference} is marked finished."
    ]
    assert fresh(run).finished_at
    response = console.post(url(run, "complete"), {"note": "Checked in person"}, follow=True)
    assert flashes(response) == [f"{run.reference} is completed."]
    assert fresh(run).status == "completed"
    assert RunHistory.objects.filter(run=run, kind="accept", actor_kind="admin").exists()


def test_an_action_out_of_order_is_a_flash_with_the_reason(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    response = console.post(url(run, "start"), follow=True)
    assert response.status_code == 200
    [message] = flashes(response)
    assert "while it is Sent to partner" in message
    assert fresh(run).started_at is None


def test_lifecycle_actions_are_posts_only(console, make_run):
    run = make_run()
    assert console.get(url(run, "accept")).status_code == 405
    assert console.post(url(run, "explode")).status_code == 404


# ---------------------------------------------------------------- comments


@pytest.fixture
def task_of(make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    return Task.objects.get(run=run, parent__isnull=True)


def comment_url(task) -> str:
    return f"/admin/production-runs/{task.run_id}/tasks/{task.pk}/comments/"


def test_reply_without_javascript_redirects_to_the_task(console, task_of, admin_user):
    response = console.post(comment_url(task_of), {"body": "Use the blue thread."})
    assert response["Location"] == f"/admin/production-runs/{task_of.run_id}/#task-{task_of.pk}"
    comment = TaskComment.objects.get(task=task_of)
    assert (comment.body, comment.author_kind, comment.author) == (
        "Use the blue thread.",
        "admin",
        admin_user,
    )
    follow = console.get(response["Location"])
    assert flashes(follow) == [f"Your comment is added to “{task_of.title}”."]


def test_reply_with_htmx_answers_the_thread_in_place(htmx, task_of):
    response = htmx.post(comment_url(task_of), {"body": "Sent from the thread"})
    page = text(response)
    assert "<html" not in page
    assert f'id="thread-{task_of.pk}"' in page
    assert "Sent from the thread" in page and "Sent." in page


def test_a_blank_reply_is_refused_beside_the_box(console, htmx, task_of):
    partial = text(htmx.post(comment_url(task_of), {"body": "   "}))
    assert "Write something before sending the comment." in partial
    page = console.post(comment_url(task_of), {"body": ""})
    assert page.status_code == 200
    assert "Write something before sending the comment." in text(page)
    assert not TaskComment.objects.exists()


def test_a_reply_to_a_task_of_another_run_is_not_found(console, task_of, make_run):
    other = make_run()
    response = console.post(
        f"/admin/production-runs/{other.pk}/tasks/{task_of.pk}/comments/", {"body": "x"}
    )
    assert response.status_code == 404
