"""The services refuse numbers their columns cannot hold, naming the field, for every caller."""

import pytest

from loomworks.core.errors import InvalidInput
from loomworks.production import services
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.work import services as work
from loomworks.work.models import TaskTemplate

pytestmark = pytest.mark.django_db


def test_an_order_group_beyond_a_thousand_is_refused(make_run, admin, workshop):
    run = make_run(quantity=4)
    assignment = services.Assignment(partner_id=workshop.partner.pk, quantity=4, order=1001)

    with pytest.raises(InvalidInput) as refused:
        services.run_approve(run=run, actor=admin, assignments=[assignment])

    assert refused.value.field == "assignments[0].order"
    assert ProductionRun.objects.get(pk=run.pk).status == RunStatus.PENDING_REVIEW
    assert not ProductionRun.objects.filter(parent=run).exists()


@pytest.mark.parametrize("minutes", [-1, 1_000_001, 10**25])
def test_a_template_duration_out_of_range_is_refused(minutes, admin):
    with pytest.raises(InvalidInput) as refused:
        work.template_create(name="Dyeing", estimated_duration=minutes, actor=admin)

    assert refused.value.field == "estimated_duration"
    assert not TaskTemplate.objects.exists()
