"""A test mail backend that refuses some addresses, the way a real server rejects a bad mailbox."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class RefusingBackend(EmailBackend):
    """Delivers like the locmem backend, except to addresses that start with `bounce`."""

    def send_messages(self, messages):
        for message in messages:
            refused = [a for a in message.recipients() if a.startswith("bounce")]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"5.1.1 Mailbox unavailable") for address in refused}
                )
        return super().send_messages(messages)
