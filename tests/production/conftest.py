"""Fixtures for the engine tests: runs of one workshop in any status or stage."""

import pytest

from loomworks.production import services


@pytest.fixture
def run_at(make_run, workshop):
    """A run held by `workshop`, taken to `status` through the real services.

    Besides the run statuses, "started" and "finished" are the stages inside
    `in_progress`.
    """

    def build(status="pending_review", **fields):
        fields.setdefault("partner", workshop.partner)
        fields.setdefault("actor", workshop.actor)
        actor = fields["actor"]
        if status in ("started", "finished"):
            run = make_run("in_progress", **fields)
            run = services.run_start(run=run, actor=actor)
            if status == "finished":
                run = services.run_finish(run=run, actor=actor)
            return run
        return make_run(status, **fields)

    return build
