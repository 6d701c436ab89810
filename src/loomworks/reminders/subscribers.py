"""What happens after a reminder or digest key is claimed, and when a run goes late.

Each runs after the scheduler's transaction committed, at least once; the
reminder and digest rows' `handled_at`, and the channels' per-recipient keys,
make a second delivery a no-op.
"""

from loomworks.events.api import EventName, subscriber
from loomworks.events.models import Event
from loomworks.reminders import digests, services


@subscriber(EventName.REMINDER_DUE, name="reminders.act")
def act_on_a_reminder(event: Event) -> None:
    services.reminder_act(reminder_id=event.payload["reminder_id"], event=event)


@subscriber(EventName.RUN_LATE, name="reminders.tell_late")
def tell_people_a_run_is_late(event: Event) -> None:
    services.late_run_tell(event=event)


@subscriber(EventName.DIGEST_DUE, name="reminders.digest")
def write_a_digest(event: Event) -> None:
    digests.digest_send(digest_id=event.payload["digest_id"], event=event)
