"""The Celery app for scale-out event delivery (`EVENTS_BACKEND=celery`).

Web processes import it (through `loomworks.events.tasks`) to send each new
delivery's id to the broker after commit; `loomworks worker` runs it. Its
settings are the `CELERY_*` names in `loomworks.settings`, so a web process
and a worker always agree on the broker and the queue.
"""

import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loomworks.settings")

app = Celery("loomworks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["loomworks.events", "loomworks.reminders"])


@setup_logging.connect
def keep_our_logging(**kwargs) -> None:
    """Workers and beat log through settings.LOGGING (LOG_FORMAT, request ids), like the web.

    With a receiver on this signal Celery installs no handlers of its own, so a
    line is written once, in our format.
    """


@task_prerun.connect
@task_postrun.connect
def keep_or_close_database_connections(sender=None, **kwargs) -> None:
    """Each task sees the database as a web request does: Django's own rule, not Celery's.

    Celery's Django fix-up would close the connection around every task (it
    closes only once per `CELERY_DB_REUSE_MAX` tasks, see settings). Here
    `close_old_connections()` closes a connection that is past `CONN_MAX_AGE`
    (at once when it is 0), broken, or left mid-transaction, and arms the health
    check (`CONN_HEALTH_CHECKS`), so a connection the server dropped while the
    worker waited is replaced before the task's first query instead of failing it.
    A task run eagerly shares its caller's connection and is left alone.
    """
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def commit_deliveries_without_waiting_for_the_disk(**kwargs) -> None:
    """Every connection a worker opens commits without waiting for the fsync.

    Connected when a worker starts (its pool processes inherit it), never in a
    web process that imports this app to send messages. See
    `core.database.commit_without_waiting_for_the_disk` for why that is safe.
    """
    from django.db.backends.signals import connection_created

    from loomworks.core.database import commit_without_waiting_for_the_disk

    def on_connect(sender, connection, **kwargs) -> None:
        commit_without_waiting_for_the_disk(connection)

    connection_created.connect(on_connect, weak=False, dispatch_uid="loomworks-async-commit")


def beat_schedule() -> dict:
    """The sweep, every `EVENTS_SWEEP_SECONDS`; the reminder rules and digests, every
    `REMINDERS_EVERY_SECONDS` (unless `REMINDERS_SCHEDULER=0`)."""
    from django.conf import settings

    schedule = {
        "loomworks-sweep": {
            "task": "loomworks.events.sweep",
            "schedule": settings.EVENTS_SWEEP_SECONDS,
        }
    }
    if settings.REMINDERS_SCHEDULER:
        schedule["loomworks-reminders"] = {
            "task": "loomworks.reminders.tick",
            "schedule": settings.REMINDERS_EVERY_SECONDS,
            # A tick that waited longer than its period is superseded by the next.
            "options": {"expires": settings.REMINDERS_EVERY_SECONDS},
        }
    return schedule
