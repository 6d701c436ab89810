"""Database helpers every layer may use."""

from django.conf import settings


def commit_without_waiting_for_the_disk(connection) -> None:
    """Let `connection`'s commits return before PostgreSQL has flushed them to disk.

    For the connections that work deliveries (a Celery worker's, the dispatcher
    thread's), when `EVENTS_ASYNC_COMMIT` is on (the default). A durable commit
    waits for an fsync (8-10 ms on a busy 2-core machine, two per delivery);
    without the wait it takes well under a millisecond. What this risks is only
    the last moment of work if PostgreSQL itself crashes, and that is work
    the outbox does again: a lost claim leaves the delivery claimable, a lost
    handler transaction loses its effects and its done flag together, and the
    sweep sends the delivery again. A later durable commit (a web request's)
    flushes every earlier one with it, so nothing seen and built upon is lost.
    Visibility is not delayed at all: other sessions see the commit at once.
    """
    if not settings.EVENTS_ASYNC_COMMIT or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
