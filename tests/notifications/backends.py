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


class TransactionWatchingBackend(EmailBackend):
    """Delivers like the locmem backend and notes, per message, whether a transaction was open.

    A mail server may take its time (or its full time-out) to answer; no
    database lock may be held meanwhile.
    """

    seen_in_transaction: list[bool] = []

    def send_messages(self, messages):
        from django.db import transaction

        for _message in messages:
            self.seen_in_transaction.append(transaction.get_connection().in_atomic_block)
        return super().send_messages(messages)
