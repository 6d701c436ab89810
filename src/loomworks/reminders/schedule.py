"""The reminder schedule: one tick evaluates the rules and claims the digests due.

The same tick runs wherever the schedule lives: in Celery beat with the
scale-out setup (`loomworks worker` embeds a beat; `loomworks beat` is the
beat alone), and on a thread inside `loomworks run` in the default
one-process setup. Running it twice at once, or again after a crash, is
harmless: every reminder and digest is a unique key.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from loomworks.reminders import digests, services

log = logging.getLogger("loomworks.reminders")


@dataclass
class Tick:
    reminders: services.Evaluation
    digests: int


def tick(*, now: datetime | None = None) -> Tick:
    """Evaluate every rule and claim every digest due at `now` (default: the clock's now)."""
    now = now or timezone.now()
    evaluation = services.evaluate(now=now)
    claimed = digests.digests_due(now=now)
    if evaluation.total or claimed:
        log.info(
            "Reminders fired: %s (%s); digests claimed: %s",
            evaluation.total,
            ", ".join(f"{rule} {n}" for rule, n in sorted(evaluation.fired.items())),
            claimed,
        )
    return Tick(reminders=evaluation, digests=claimed)


# ---------------------------------------------------------------- in one process

_stop = threading.Event()
_thread: threading.Thread | None = None
_lock = threading.Lock()


def _loop() -> None:
    log.info("Reminder schedule started (every %ss)", settings.REMINDERS_EVERY_SECONDS)
    while not _stop.is_set():
        try:
            close_old_connections()
            tick()
        except Exception:
            log.exception("Reminder schedule tick failed; trying again at the next one")
        finally:
            connection.close()
        _stop.wait(settings.REMINDERS_EVERY_SECONDS)


def start() -> bool:
    """Run the schedule on a daemon thread of this process; False if it already runs."""
    global _thread
    with _lock:
        if _thread is not None and _thread.is_alive():
            return False
        _stop.clear()
        _thread = threading.Thread(target=_loop, name="loomworks-reminders", daemon=True)
        _thread.start()
        return True


def stop(timeout: float = 10) -> None:
    global _thread
    _stop.set()
    if _thread is not None:
        _thread.join(timeout)
    _thread = None


def start_if_inline() -> bool:
    """`loomworks run` with the inline backend runs the schedule itself; Celery's beat does otherwise."""
    if settings.EVENTS_BACKEND != "inline" or not settings.REMINDERS_SCHEDULER:
        return False
    return start()
