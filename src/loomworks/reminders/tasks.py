"""The Celery task the beat runs every `REMINDERS_EVERY_SECONDS` (see `loomworks.celery`)."""

from loomworks.celery import app
from loomworks.reminders import schedule


@app.task(name="loomworks.reminders.tick")
def tick() -> dict:
    done = schedule.tick()
    return {"reminders": done.reminders.total, "digests": done.digests}
