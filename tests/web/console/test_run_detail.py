"""The run page: everything about one run, named for people, in a fixed number of queries."""

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from loomworks.catalog.models import Material
from loomworks.events.api import drain
from loomworks.production import services
from loomworks.production.models import MediaFile
from loomworks.work.models import Task
from tests.api.partner_support import image_bytes
from tests.factories import TemplateFactory
from tests.web.console.helpers import count_queries, text


def url(run) -> str:
    return f"/admin/production-runs/{run.pk}/"


def test_overview_names_the_design_and_partner_with_links(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner, role="cutting", quantity=40)
    page = text(console.get(url(run)))
    assert f"<h1>{run.reference}</h1>" in page
    assert f'href="/admin/designs/{run.design_id}/">{run.design.name}</a>' in page
    assert f'href="/admin/partners/{workshop.partner.pk}/">{workshop.partner.name}</a>' in page
    assert run.design.thumbnail_url in page
    assert "cutting" in page
    assert "40 pieces" in page
    assert "Created by hand" in page
    assert workshop.partner.pk not in page.replace(f"/admin/partners/{workshop.partner.pk}/", "")


def test_stepper_marks_the_stage(console, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    page = text(console.get(url(run)))
    assert 'class="stepper' in page
    assert (
        'is-current" aria-current="step"><span class="stepper__dot" aria-hidden="true"></span><span class="stepper__label">Accepted'
        in page
    )


def test_tasks_with_checklists_progress_and_comment_threads(console, make_run, workshop, admin):
    run = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(name="Stitching", checklist=["Join", "Hem"])],
    )
    task = Task.objects.get(run=run, parent__isnull=True)
    subtask = task.subtasks.get(title="Join")
    services.run_subtask_complete(task=task, subtask=subtask, actor=workshop.actor)
    services.task_comment_add(task=task, actor=workshop.actor, body="Thread is late by a day.")
    services.task_comment_add(task=task, actor=admin, body="Fine, thanks.")
    page = text(console.get(url(run)))
    assert "Stitching" in page
    assert "Join" in page and "Hem" in page
    assert 'class="checklist__item is-done"' in page
    assert "1 of 2 checklist items ticked" in page
    assert page.index("Thread is late by a day.") < page.index("Fine, thanks.")
    assert f'action="/admin/production-runs/{run.pk}/tasks/{task.pk}/comments/"' in page


def test_formatted_snapshot_and_raw_data_behind_a_disclosure(console, make_run):
    run = make_run()
    page = text(console.get(url(run)))
    assert "Seam allowance" in page  # specifications table
    assert 'style="background: #D8C7A6"' in page  # colour swatch
    assert "chest cm" in page and "102" in page  # size table
    assert "Linen" in page and "1.5 m" in page  # bill of materials
    assert '<details class="disclosure card">' in page
    raw = page[page.index('<pre class="raw">') :]
    assert "&quot;specifications&quot;: [" in raw and "&quot;provenance&quot;" in raw


def test_related_runs_link_parent_parts_and_dependencies(console, split_run):
    result = split_run()
    parent = result.run
    cutting, sewing_a, _sewing_b = result.children
    parent_page = text(console.get(url(parent)))
    for child in result.children:
        assert f'href="/admin/production-runs/{child.pk}/"' in parent_page
        assert child.partner.name in parent_page
    assert "Split into 3 parts" in parent_page
    sewing_page = text(console.get(url(sewing_a)))
    assert f'href="/admin/production-runs/{parent.pk}/">{parent.reference}</a>' in sewing_page
    assert "Waits for" in sewing_page and cutting.reference in sewing_page
    cutting_page = text(console.get(url(cutting)))
    assert "Waiting for this run" in cutting_page and sewing_a.reference in cutting_page


def test_history_timeline_says_who_when_and_from_to(console, make_run):
    run = make_run("approved")
    services.run_cancel(run=run, actor=_admin_of(run), reason="Fabric recalled")
    page = text(console.get(url(run)))
    assert "Created" in page and "Approved" in page and "Cancelled" in page
    assert "Fabric recalled" in page
    assert "(Brand)" in page
    assert re.search(
        r'status--approved">Approved</span>\s*<span aria-label="to">→</span>\s*'
        r'<span class="chip status status--cancelled">',
        page,
    )


def _admin_of(run):
    from loomworks.core.actors import Actor

    return Actor.admin(run.history.first().actor)


def test_materials_show_planned_use_beside_what_was_logged(console, make_run, workshop):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor, quantity=10)
    material = Material.objects.get(pk=run.snapshot["materials"][0]["material_id"])
    services.consumption_log_add(run=run, actor=workshop.actor, material=material, quantity="16.25")
    page = text(console.get(url(run)))
    assert "15 m" in page  # 1.5 per piece × 10
    assert "1.5 × 10" in page
    assert "16.25 m" in page
    assert "+1.25 m" in page


def test_media_gallery(console, make_run, workshop, drained):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    png = image_bytes()
    services.media_add(
        run=run, actor=workshop.actor, files=[SimpleUploadedFile("front.png", png, "image/png")]
    )
    media = MediaFile.objects.get(run=run)
    before = text(console.get(url(run)))
    assert "front.png" in before
    assert f'<img src="/media/{media.file.name}"' in before  # until its preview exists

    drained()  # the preview is made after the upload
    preview = MediaFile.objects.get(run=run).preview
    page = text(console.get(url(run)))
    assert f'<img src="/media/{preview.name}"' in page  # the gallery loads the small preview


def test_actions_follow_the_status(console, make_run, workshop):
    pending = text(console.get(url(make_run("pending_review"))))
    assert "Approve…" in pending and "Cancel run…" in pending and "Edit details" in pending
    assert "Send to production…" not in pending

    approved = text(console.get(url(make_run("approved", partner=workshop.partner))))
    assert "Send to production…" in approved and "Reassign…" in approved
    assert "Approve…" not in approved and "Accept for the partner" not in approved

    sent = text(console.get(url(make_run("sent_to_partner", partner=workshop.partner))))
    assert "Accept for the partner" in sent and "Add tasks" in sent
    assert "Start for the partner" not in sent

    accepted = text(
        console.get(url(make_run("in_progress", partner=workshop.partner, actor=workshop.actor)))
    )
    assert "Start for the partner" in accepted and "Complete…" in accepted
    assert "Mark finished" not in accepted and "Reassign…" not in accepted
    assert "Edit details" not in accepted

    done = text(
        console.get(url(make_run("completed", partner=workshop.partner, actor=workshop.actor)))
    )
    assert 'class="run-actions"' not in done


def test_a_split_run_offers_no_partner_actions(console, split_run):
    page = text(console.get(url(split_run().run)))
    assert "Cancel run…" in page
    for label in ("Send to production…", "Accept for the partner", "Reassign…", "Add tasks"):
        assert label not in page


def test_unknown_run_is_a_plain_not_found_page(console, db):
    response = console.get("/admin/production-runs/run_nope/")
    assert response.status_code == 404
    assert "There is no production run with that id." in text(response)


def test_the_page_runs_the_same_queries_for_few_or_many_tasks_and_parts(
    console, make_run, workshop, admin, split_run
):
    small = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(checklist=["a"])],
    )
    big = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        templates=[TemplateFactory(checklist=["a", "b", "c"]) for _ in range(6)],
    )
    for task in Task.objects.filter(run=big, parent__isnull=True):
        services.task_comment_add(task=task, actor=workshop.actor, body="Question")
    services.consumption_log_add(
        run=big,
        actor=workshop.actor,
        material=Material.objects.get(pk=big.snapshot["materials"][0]["material_id"]),
        quantity=2,
    )
    assert count_queries(lambda: console.get(url(small))) == count_queries(
        lambda: console.get(url(big))
    )

    few = split_run()
    many = make_run("pending_review", quantity=12)
    from loomworks.production.services import Assignment

    services.run_approve(
        run=many,
        actor=admin,
        assignments=[
            Assignment(partner_id=workshop.partner.pk, quantity=2, order=group)
            for group in (1, 2, 3)
            for _ in range(6)
        ],
    )
    drain()
    assert count_queries(lambda: console.get(url(few.run))) == count_queries(
        lambda: console.get(url(many))
    )
    middle, crowded_middle = few.children[1], many.children.order_by("number")[7]
    assert count_queries(lambda: console.get(url(middle))) == count_queries(
        lambda: console.get(url(crowded_middle))
    )


def test_due_and_promised_dates_are_human(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=datetime.date(2031, 4, 3))
    assert "3 Apr 2031" in text(console.get(url(run)))


def test_a_cancelled_split_run_shows_the_work_it_stopped_with_not_a_full_bar(
    console, split_run, admin
):
    result = split_run()
    cutting = result.children[0]
    cutter = result.workshops[0]
    services.run_dispatch(
        run=cutting,
        template_ids=[TemplateFactory(checklist=["Lay", "Mark", "Cut", "Bundle"]).pk],
        actor=admin,
    )
    services.run_accept(run=cutting, actor=cutter.actor)
    task = Task.objects.get(run=cutting, parent__isnull=True)
    for subtask in Task.objects.filter(parent=task).order_by("position")[:3]:
        services.run_subtask_complete(task=task, subtask=subtask, actor=cutter.actor)
    services.run_cancel(run=result.run, actor=admin, reason="Season dropped")

    page = text(console.get(url(result.run)))
    assert "3 of 4 checklist items ticked" in page and "1 cancelled with the run" in page
    assert 'style="width: 75%"' in page and 'style="width: 100%"' not in page
    listed = text(console.get("/admin/production-runs/", {"q": result.run.reference}))
    assert "3 of 4 checklist items ticked" in listed


def test_a_split_run_shows_its_steps_as_a_table_with_what_each_needs_next(
    console, split_run, admin
):
    result = split_run()
    cutting, sewing_a, sewing_b = result.children
    page = text(console.get(url(result.run)))
    table = page[page.index('id="steps"') : page.index("</section>", page.index('id="steps"'))]
    rows = table.split("<tr data-need=")[1:]
    assert [row.split('"')[1] for row in rows] == ["send", "wait", "wait"]
    assert cutting.reference in rows[0] and cutting.partner.name in rows[0]
    assert "Send it to the partner" in rows[0]
    assert f"Waits for {cutting.reference}" in rows[1] and sewing_a.partner.name in rows[1]
    assert sewing_b.reference in rows[2]

    _complete_run(cutting, result.workshops[0], admin)
    page = text(console.get(url(result.run)))
    table = page[page.index('id="steps"') :]
    assert 'data-need="done"' in table and table.count('data-need="send"') == 2


def test_a_step_with_a_quantity_to_confirm_says_so(console, split_run, admin):
    from loomworks.production.models import ProductionRun

    result = split_run()
    cutting = result.children[0]
    ProductionRun.objects.filter(pk=cutting.pk).update(proposed_quantity=9)
    page = text(console.get(url(result.run)))
    assert 'data-need="confirm"' in page and "Confirm its quantity (9 proposed)" in page


def _complete_run(run, workshop, admin):
    services.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    services.run_accept(run=run, actor=workshop.actor)
    services.run_complete(run=run, actor=admin)
