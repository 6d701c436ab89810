"""The Celery app for scale-out event delivery (`EVENTS_BACKEND=celery`).

Web processes import it (through `loomworks.events.tasks`) to send each new
delivery's id to the broker after commit; `loomworks worker` runs it. Its
settings are the `CELERY_*` names in `loomworks.settings`, so a web process
and a worker always agree on the broker and the queue.
"""

import os

from celery import Celery
from celery.signals import setup_logging

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
