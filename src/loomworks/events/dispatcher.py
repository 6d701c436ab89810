"""The embedded dispatcher: one daemon thread per process works the outbox.

It is woken when a transaction that published events commits, and otherwise
looks every `EVENTS_POLL_SECONDS` for retries that came due and for
deliveries left behind by a crash (its first sweep runs at start-up).
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection

from loomworks.core.database import commit_without_waiting_for_the_disk
from loomworks.events import bus

log = logging.getLogger("loomworks.events")

_wake = threading.Event()
_stop = threading.Event()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def wake() -> None:
    _wake.set()


def is_running() -> bool:
    return _thread is not None and _thread.is_alive()


def start() -> bool:
    """Start the dispatcher thread once per process. Returns False if it already runs."""
    global _thread
    with _lock:
        if is_running():
            return False
        _stop.clear()
        _thread = threading.Thread(target=_loop, name="loomworks-events", daemon=True)
        _thread.start()
        return True


def stop(timeout: float = 10) -> None:
    global _thread
    _stop.set()
    _wake.set()
    if _thread is not None:
        _thread.join(timeout)
    _thread = None


def _loop() -> None:
    log.info("Event dispatcher started")
    while not _stop.is_set():
        _wake.clear()
        try:
            close_old_connections()
            commit_without_waiting_for_the_disk(connection)
            while not _stop.is_set():
                ids = bus.due_delivery_ids(limit=100)
                if not ids:
                    break
                for delivery_id in ids:
                    bus.run_delivery(delivery_id)
        except Exception:
            log.exception("Event dispatcher sweep failed; trying again shortly")
        finally:
            connection.close()
        _wake.wait(settings.EVENTS_POLL_SECONDS)
    log.info("Event dispatcher stopped")


def start_if_configured() -> bool:
    """Start the thread in a web process when deliveries run inline (the default).

    `EVENTS_DISPATCHER=off` keeps it from starting (tests and one-off commands).
    """
    import os

    if settings.EVENTS_BACKEND != "inline" or os.environ.get("EVENTS_DISPATCHER", "on") == "off":
        return False
    return start()
