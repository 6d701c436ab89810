"""What was made: deliveries in batches, the hand-over, over-delivery, corrections.

A delivery is proven by what it leaves: the run's totals and output, its
history row naming who recorded it, its event; a refusal by leaving nothing.
"""

import pytest

from loomworks.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from loomworks.core.models import AuditEntry
from loomworks.notifications.models import Notification
from loomworks.production import services
from loomworks.production.models import Delivery, ProductionPolicy
from loomworks.production.selectors import admin_run
from tests.production.support import event_names, fresh, history, run_events, tasks_of, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def working(run_at):
    return run_at("started", quantity=10)


def deliver(run, actor, **fields):
    fields.setdefault("good", 0)
    return services.delivery_record(run=run, actor=actor, **fields)


def set_policy(**fields):
    ProductionPolicy.current()
    ProductionPolicy.objects.filter(pk=1).update(**fields)


# ---------------------------------------------------------------- batches


def test_batches_add_up_and_the_history_says_who_recorded_what(working, workshop):
    first = deliver(
        working,
        workshop.actor,
        good=4,
        rejected=[{"reason": "stitching_fault", "quantity": 1}],
        note="first bundle",
    )
    second = deliver(working, workshop.actor, good=3, rejected=[{"reason": "stain", "quantity": 1}])

    run = fresh(working)
    assert (first.delivery.number, second.delivery.number) == (1, 2)
    assert (run.produced_quantity, run.rejected_quantity) == (7, 2)
    assert run.status == "in_progress" and not second.completed
    output = admin_run(run.pk).output
    assert output.as_dict() == {
        "planned": 10,
        "good": 7,
        "rejected": 2,
        "yield": 0.7,
        "rejected_rate": 0.222,
    }
    rows = [row for row in history(run) if row.kind == "deliver"]
    assert [(row.actor_name, row.details["good"]) for row in rows] == [
        (workshop.actor.name, 4),
        (workshop.actor.name, 3),
    ]
    assert rows[0].note == "first bundle"
    assert event_names(run).count("production_run.delivery_recorded") == 2


def test_yield_is_null_until_something_is_delivered(working):
    output = admin_run(working.pk).output
    assert output.as_dict()["yield"] is None and output.as_dict()["good"] == 0


def test_a_delivery_needs_pieces_and_known_reasons(working, workshop):
    before = world()
    with pytest.raises(InvalidInput) as nothing:
        deliver(working, workshop.actor, good=0)
    assert nothing.value.field == "good"
    with pytest.raises(InvalidInput) as unknown:
        deliver(working, workshop.actor, good=1, rejected=[{"reason": "gremlins", "quantity": 1}])
    assert unknown.value.field == "rejected[0].reason"
    with pytest.raises(InvalidInput) as unexplained:
        deliver(working, workshop.actor, good=1, rejected=[{"reason": "other", "quantity": 1}])
    assert unexplained.value.field == "rejected[0].note"
    assert world() == before and not Delivery.objects.exists()


def test_the_brand_sets_the_rejection_reasons(working, workshop, admin):
    services.output_policy_update(
        actor=admin, rejection_reasons=[{"code": "shade", "label": "Wrong shade"}]
    )
    deliver(working, workshop.actor, good=1, rejected=[{"reason": "shade", "quantity": 2}])
    with pytest.raises(InvalidInput):
        deliver(working, workshop.actor, good=1, rejected=[{"reason": "stain", "quantity": 1}])
    [line] = admin_run(working.pk).deliveries[0].rejections
    assert (line.reason, line.label, line.quantity) == ("shade", "Wrong shade", 2)
    assert AuditEntry.objects.filter(action="output_policy.updated").count() == 1


# ---------------------------------------------------------------- over-delivery


def test_over_delivery_is_refused_by_default(working, workshop):
    deliver(working, workshop.actor, good=8)
    before = world()
    with pytest.raises(InvalidInput) as refused:
        deliver(working, workshop.actor, good=3)
    assert refused.value.field == "good"
    assert "at most 2 more" in refused.value.detail
    assert world() == before


def test_over_delivery_is_flagged_when_the_policy_says_so(working, workshop):
    set_policy(over_delivery="flag")
    deliver(working, workshop.actor, good=8)
    result = deliver(working, workshop.actor, good=3)
    assert result.delivery.over_delivered == 1
    assert fresh(working).produced_quantity == 11
    assert result.completed  # everything ordered came in
    assert admin_run(working.pk).output.over_delivered == 1


# ---------------------------------------------------------------- completing


def test_the_run_completes_when_everything_ordered_is_delivered(working, workshop, drained):
    deliver(working, workshop.actor, good=6)
    result = deliver(working, workshop.actor, good=4, rejected=[{"reason": "stain", "quantity": 1}])
    run = fresh(working)
    assert result.completed and run.status == "completed"
    assert history(run)[-1].actor_kind == "system"
    assert {task.status for task in tasks_of(run)} == {"closed"}


def test_without_that_policy_the_run_waits_for_the_hand_over(working, workshop):
    set_policy(complete_when_delivered=False)
    result = deliver(working, workshop.actor, good=10)
    assert not result.completed and fresh(working).status == "in_progress"


def test_the_hand_over_completes_the_run_as_complete_does(run_at, workshop, drained):
    run = run_at("in_progress", quantity=10)  # neither started nor finished: one end step
    result = deliver(run, workshop.actor, good=10, final=True)
    run = fresh(run)
    assert result.completed and result.delivery.final
    assert run.status == "completed" and run.completed_at and run.finished_at
    assert [row.kind for row in history(run)][-2:] == ["deliver", "hand_over"]
    assert history(run)[-1].details["closed_on_completion"] == 2
    assert event_names(run).count("production_run.completed") == 1
    drained()
    assert fresh(run).status == "completed"


def test_a_short_hand_over_says_why(working, workshop):
    before = world()
    with pytest.raises(InvalidInput) as refused:
        deliver(working, workshop.actor, good=7, final=True)
    assert refused.value.field == "shortfall_reason"
    assert world() == before
    result = deliver(
        working, workshop.actor, good=7, final=True, shortfall_reason="Ran out of linen"
    )
    assert result.completed and fresh(working).status == "completed"
    assert admin_run(working.pk).deliveries[0].shortfall_reason == "Ran out of linen"


@pytest.mark.parametrize("status", ["sent_to_partner", "completed", "cancelled"])
def test_deliveries_only_while_the_run_is_in_progress(status, run_at, workshop):
    run = run_at(status)
    before = world()
    with pytest.raises(TransitionNotAllowed):
        deliver(run, workshop.actor, good=1)
    assert world() == before


def test_another_partner_cannot_deliver_on_a_run(working, other_workshop):
    with pytest.raises(NotFound):
        deliver(working, other_workshop.actor, good=1)


# ---------------------------------------------------------------- corrections


def test_an_admin_corrects_a_delivery_with_a_reason_audited(working, workshop, admin):
    recorded = deliver(working, workshop.actor, good=5).delivery
    with pytest.raises(InvalidInput) as no_reason:
        services.delivery_correct(delivery=recorded, actor=admin, reason=" ", good=4)
    assert no_reason.value.field == "reason"

    corrected = services.delivery_correct(
        delivery=recorded,
        actor=admin,
        reason="Counted again at the warehouse",
        good=4,
        rejected=[{"reason": "measurement", "quantity": 1}],
    )

    assert (corrected.good, corrected.rejected, corrected.corrected_by_name) == (4, 1, admin.name)
    run = fresh(working)
    assert (run.produced_quantity, run.rejected_quantity) == (4, 1)
    row = history(run)[-1]
    assert (row.kind, row.actor_name, row.note) == (
        "delivery_corrected",
        admin.name,
        "Counted again at the warehouse",
    )
    audit = AuditEntry.objects.get(action="delivery.corrected")
    assert (audit.details["before"]["good"], audit.details["after"]["good"]) == (5, 4)
    assert audit.actor_name == admin.name


# ---------------------------------------------------------------- a size × colour matrix


@pytest.fixture
def matrix_run(make_run, workshop):
    """A run of 12: S, M, L × Sand, Indigo, two of each."""
    from loomworks.catalog.models import DesignColor, DesignSizeSet
    from tests.factories import DesignFactory

    design = DesignFactory(details=False)
    for position, size in enumerate(("S", "M", "L")):
        DesignSizeSet.objects.create(design=design, size_label=size, position=position)
    for position, (name, hex_code) in enumerate((("Sand", "#D8C7A6"), ("Indigo", "#2E3A5C"))):
        DesignColor.objects.create(design=design, name=name, hex_code=hex_code, position=position)
    cells = [
        {"size": size, "color": color, "quantity": 2}
        for size in ("S", "M", "L")
        for color in ("Sand", "Indigo")
    ]
    run = make_run(
        "in_progress",
        partner=workshop.partner,
        actor=workshop.actor,
        quantity=12,
        design=design,
        size_quantities=cells,
    )
    return run


def test_deliveries_per_cell_add_up_and_show_per_cell(matrix_run, workshop):
    deliver(
        matrix_run,
        workshop.actor,
        good=3,
        size_quantities=[
            {"size": "S", "color": "Sand", "quantity": 2},
            {"size": "M", "color": "Indigo", "quantity": 1},
        ],
        rejected=[{"reason": "stain", "quantity": 1, "size": "M", "color": "Indigo"}],
    )
    cells = {(c.size, c.color): (c.planned, c.good) for c in admin_run(matrix_run.pk).output.cells}
    assert cells[("S", "Sand")] == (2, 2)
    assert cells[("M", "Indigo")] == (2, 1)
    assert cells[("L", "Sand")] == (2, 0)


def test_cells_must_add_up_and_stay_within_the_matrix(matrix_run, workshop):
    before = world()
    wrong = [
        ([{"size": "S", "color": "Sand", "quantity": 1}], 2, "add up"),
        ([{"size": "XL", "color": "Sand", "quantity": 2}], 2, "XL"),
        ([{"size": "S", "color": "Sand", "quantity": 3}], 3, "at most 2 more"),
    ]
    for cells, good, words in wrong:
        with pytest.raises(InvalidInput) as refused:
            deliver(matrix_run, workshop.actor, good=good, size_quantities=cells)
        assert refused.value.field == "size_quantities" and words in refused.value.detail
    assert world() == before


def test_a_run_with_a_matrix_completes_when_every_cell_is_delivered(matrix_run, workshop):
    every_cell = [
        {"size": size, "color": color, "quantity": 2}
        for size in ("S", "M", "L")
        for color in ("Sand", "Indigo")
    ]
    result = deliver(matrix_run, workshop.actor, good=12, size_quantities=every_cell)
    assert result.completed and fresh(matrix_run).status == "completed"


def test_a_flagged_over_delivery_is_told_to_the_admins(working, workshop, admin_user, drained):
    set_policy(over_delivery="flag")
    set_policy(complete_when_delivered=False)
    deliver(working, workshop.actor, good=12)
    [event] = [e for e in run_events(working) if e.name == "production_run.delivery_recorded"]
    assert event.payload["over_delivered"] == 2
    drained()
    summary = Notification.objects.get(kind="production_run.delivery_recorded").summary
    assert "2 of them beyond the order" in summary
