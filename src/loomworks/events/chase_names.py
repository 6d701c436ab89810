"""Event names added by the chase of late work (reminders, the late mark, digests, WhatsApp).

Kept together as plain constants so they move into the shared names enum in
one step; publishers and subscribers import them from here, never retype them.
"""

# A run whose promised (else due) date has passed: written by the `late`
# transition with its history row, like `ready_to_dispatch` or `blocked`.
RUN_LATE = "production_run.late"

# One reminder rule fired for one run and one occurrence (its key is unique).
REMINDER_DUE = "reminder.due"

# One person's morning digest for one local day (its key is unique too).
DIGEST_DUE = "digest.due"

# One WhatsApp message stored and waiting to be sent through the Cloud API.
WHATSAPP_QUEUED = "notification.whatsapp_queued"

ALL = (RUN_LATE, REMINDER_DUE, DIGEST_DUE, WHATSAPP_QUEUED)
