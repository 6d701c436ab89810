"""A subscriber that exists only for the scale tests.

The test process imports it so that publishing `scale_probe.requested` makes a
delivery; the worker processes import it through `CELERY_IMPORTS`. Its effect
is deliberately not idempotent (a plain insert of a history row), so a second
run of the handler, or a first run whose work was not rolled back, would show
as a second row.

With `LOOMWORKS_PROBE_DIR` set, the handler writes `started-<pid>` there after
its insert and then waits, inside its transaction, until the test creates
`released`, which gives the test time to kill the worker mid-handler.
"""

import os
import time
from pathlib import Path

from loomworks.events.api import subscriber
from loomworks.events.models import Event
from loomworks.events.names import declare
from loomworks.production.models import ActorKind, ProductionRun, RunHistory

PROBE_EVENT = "scale_probe.requested"
declare(PROBE_EVENT)
PROBE_KIND = "scale_probe"


@subscriber(PROBE_EVENT, name="tests.scale.probe")
def record_probe(event: Event) -> None:
    run = ProductionRun.objects.get(pk=event.payload["run_id"])
    RunHistory.objects.create(
        run=run,
        kind=PROBE_KIND,
        from_status=run.status,
        to_status=run.status,
        actor_kind=ActorKind.SYSTEM,
        note=f"pid {os.getpid()}",
    )
    directory = os.environ.get("LOOMWORKS_PROBE_DIR")
    if not directory:
        return
    Path(directory, f"started-{os.getpid()}").write_text(event.pk)
    deadline = time.monotonic() + 60
    while not Path(directory, "released").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


CONNECTION_EVENT = "scale_probe.connection"
declare(CONNECTION_EVENT)
CONNECTION_KIND = "scale_probe_connection"


@subscriber(CONNECTION_EVENT, name="tests.scale.probe_connection")
def record_database_session(event: Event) -> None:
    """Note which PostgreSQL session (backend pid) the worker ran this delivery on, and
    whether its commits wait for the disk: "<pid> <synchronous_commit>"."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('synchronous_commit')")
        backend = " ".join(str(value) for value in cursor.fetchone())
    run = ProductionRun.objects.get(pk=event.payload["run_id"])
    RunHistory.objects.create(
        run=run,
        kind=CONNECTION_KIND,
        from_status=run.status,
        to_status=run.status,
        actor_kind=ActorKind.SYSTEM,
        note=str(backend),
    )
