"""`loomworks manage reminders_tick`: evaluate the reminder rules and digests once, now.

For a deployment that schedules it itself (cron, a systemd timer) with
`REMINDERS_SCHEDULER=0`, and to see what a tick would do. Safe to run at any
time, next to any other scheduler: every reminder and digest is a unique key.
"""

from django.core.management.base import BaseCommand

from loomworks.reminders import schedule


class Command(BaseCommand):
    help = "Evaluate the reminder rules and claim the morning digests due now."

    def handle(self, *args, **options):
        done = schedule.tick()
        fired = ", ".join(f"{rule} {n}" for rule, n in sorted(done.reminders.fired.items()))
        self.stdout.write(
            f"Reminders fired: {done.reminders.total}{f' ({fired})' if fired else ''}; "
            f"digests: {done.digests}. Their deliveries follow through the outbox."
        )
