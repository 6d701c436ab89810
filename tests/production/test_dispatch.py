"""Sending a run to production: one task per template, all or nothing."""

import pytest

from loomworks.core.errors import InvalidInput, TransitionNotAllowed
from loomworks.partners.models import Partner
from loomworks.production import services
from loomworks.production.services import Assignment
from tests.factories import TemplateFactory
from tests.production.support import (
    event_names,
    fresh,
    history,
    task_events,
    tasks_of,
    world,
)


def test_dispatch_makes_one_task_per_template_in_the_order_given(make_run, admin, workshop):
    cutting = TemplateFactory(name="Cutting", checklist=["Lay", "Mark", "Cut"])
    pressing = TemplateFactory(name="Pressing", checklist=[])
    run = make_run("approved", partner=workshop.partner)
    result = services.run_dispatch(run=run, template_ids=[pressing.pk, cutting.pk], actor=admin)
    assert result.run.status == "sent_to_partner"
    top = tasks_of(run, top_level=True)
    assert [t.title for t in top] == ["Pressing", "Cutting"]
    assert [t.template_id for t in top] == [pressing.pk, cutting.pk]
    assert [t.title for t in top[1].subtasks.order_by("position")] == ["Lay", "Mark", "Cut"]
    assert not top[0].subtasks.exists()
    every_task = tasks_of(run)
    assert len(every_task) == 5
    assert {t.partner_id for t in every_task} == {workshop.partner.pk}
    assert {t.status for t in every_task} == {"pending"}
    assert all(len(task_events(t, "task.created")) == 1 for t in every_task)
    row = history(run)[-1]
    assert (row.kind, row.from_status, row.to_status) == ("dispatch", "approved", "sent_to_partner")
    assert row.details["template_ids"] == [pressing.pk, cutting.pk]
    assert event_names(run)[-1] == "production_run.sent_to_partner"


def test_dispatch_without_a_partner_is_refused_and_leaves_no_task(make_run, admin, template):
    run = make_run("approved", partner=None)
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_dispatch(run=run, template_ids=[template.pk], actor=admin)
    assert "no partner" in refused.value.detail
    assert refused.value.status == "approved"
    assert world() == before


def test_dispatch_to_an_inactive_partner_is_refused(make_run, admin, workshop, template):
    run = make_run("approved", partner=workshop.partner)
    Partner.objects.filter(pk=workshop.partner.pk).update(status="inactive")
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_dispatch(run=run, template_ids=[template.pk], actor=admin)
    assert "inactive" in refused.value.detail
    assert world() == before


def test_dispatch_waits_for_every_dependency_to_complete(make_run, admin, make_workshop, template):
    cutter, sewer = make_workshop(), make_workshop()
    parent = make_run("pending_review", quantity=5)
    cut, sew = services.run_approve(
        run=parent,
        actor=admin,
        assignments=[
            Assignment(partner_id=cutter.partner.pk, quantity=5, order=1),
            Assignment(partner_id=sewer.partner.pk, quantity=5, order=2),
        ],
    ).children
    before = world()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.run_dispatch(run=sew, template_ids=[template.pk], actor=admin)
    assert cut.reference in refused.value.detail
    assert world() == before

    cut = services.run_dispatch(run=cut, template_ids=[template.pk], actor=admin).run
    cut = services.run_accept(run=cut, actor=cutter.actor)
    with pytest.raises(TransitionNotAllowed):  # in progress is not completed
        services.run_dispatch(run=sew, template_ids=[template.pk], actor=admin)
    services.run_complete(run=cut, actor=admin)
    sent = services.run_dispatch(run=sew, template_ids=[template.pk], actor=admin)
    assert sent.run.status == "sent_to_partner"


@pytest.mark.parametrize(
    "template_ids", [["tpl_unknown"], "KNOWN+unknown", [], "not-a-list"], ids=str
)
def test_unknown_or_missing_templates_are_invalid_input_and_write_nothing(
    template_ids, make_run, admin, workshop, template
):
    if template_ids == "KNOWN+unknown":
        template_ids = [template.pk, "tpl_unknown"]
    run = make_run("approved", partner=workshop.partner)
    before = world()
    with pytest.raises(InvalidInput) as invalid:
        services.run_dispatch(run=run, template_ids=template_ids, actor=admin)
    assert invalid.value.field == "template_ids"
    assert world() == before
    assert fresh(run).status == "approved"


def test_unknown_templates_answer_422_even_when_the_state_is_wrong(make_run, admin):
    # Input is checked before state: a bad body is 422 whatever the run's status.
    run = make_run("pending_review")
    with pytest.raises(InvalidInput):
        services.run_dispatch(run=run, template_ids=["tpl_unknown"], actor=admin)


def test_a_dispatch_that_fails_half_way_leaves_nothing(make_run, admin, workshop, monkeypatch):
    """All or nothing: if making the tasks fails, the status change is undone too."""
    from loomworks.work import services as work

    run = make_run("approved", partner=workshop.partner)
    templates = [TemplateFactory(), TemplateFactory()]
    real = work.record_task_creation
    made = []

    def fail_on_the_third(task, *, actor):
        made.append(task)
        if len(made) == 3:
            raise RuntimeError("disk full")
        return real(task, actor=actor)

    monkeypatch.setattr(work, "record_task_creation", fail_on_the_third)
    before = world()
    with pytest.raises(RuntimeError):
        services.run_dispatch(run=run, template_ids=[t.pk for t in templates], actor=admin)
    assert world() == before
