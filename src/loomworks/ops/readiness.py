"""Is this process fit to take traffic? The checks behind `GET /readyz` and `loomworks check`.

Each check returns a `Result`; none raises. They are cheap enough to run on
every poll of a load balancer: one `SELECT 1`, one read of the migrations
table, one indexed read of the outbox, one broker connection when Celery
carries the events.
"""

import functools
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Min
from django.utils import timezone


@dataclass
class Result:
    name: str
    ok: bool
    detail: str = ""
    hint: str = ""  # what to do about it, for people
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        answer = {"ok": self.ok}
        if self.detail:
            answer["detail"] = self.detail
        answer.update(self.extra)
        return answer


def database() -> Result:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return Result(
            "database",
            False,
            f"cannot reach the database: {_first_line(error)}",
            hint="Check DATABASE_URL (host, port, name, user, password) and that the "
            "database server is running and accepts connections from this host.",
        )
    return Result("database", True, f"{connection.vendor} reachable")


@functools.cache
def _known_migrations() -> frozenset:
    """Every migration the code on disk has; read once, as the code cannot change under us."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(loader.graph.nodes)


def migrations() -> Result:
    from django.db.migrations.recorder import MigrationRecorder

    try:
        recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
        applied = set(recorder.applied_migrations()) if recorder.has_table() else set()
    except Exception as error:
        return Result("migrations", False, f"cannot read the migrations: {_first_line(error)}")
    missing = sorted(_known_migrations() - applied)
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        return Result(
            "migrations",
            False,
            f"{len(missing)} migrations not applied: {names}{more}",
            hint="Run `loomworks manage migrate` (see docs/operations/upgrading.md).",
            extra={"missing": len(missing)},
        )
    return Result("migrations", True, "all applied")


def broker() -> Result | None:
    """The Celery broker, when Celery carries the events; None with the inline dispatcher."""
    if settings.EVENTS_BACKEND != "celery":
        return None
    from kombu.utils.url import maybe_sanitize_url

    from loomworks.celery import app

    url = maybe_sanitize_url(app.conf.broker_url)
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=settings.READY_BROKER_TIMEOUT)
    except Exception as error:
        return Result(
            "broker",
            False,
            f"cannot reach the broker {url}: {_first_line(error)}",
            hint="Check CELERY_BROKER_URL and that Redis is running; web processes and "
            "workers must use the same broker.",
        )
    return Result("broker", True, f"{url} reachable")


def outbox_lag_seconds(now=None) -> float:
    """Age of the oldest event delivery that is due and not done: 0 when none waits.

    A delivery waiting for its retry back-off is not late yet, so only
    deliveries whose next attempt is due count (the (state, next_attempt_at)
    index answers this without reading the table).
    """
    from loomworks.events.models import Delivery, DeliveryState

    now = now or timezone.now()
    oldest = Delivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def outbox() -> Result:
    limit = settings.READY_OUTBOX_LAG_SECONDS
    try:
        lag = outbox_lag_seconds()
    except Exception as error:
        return Result("outbox", False, f"cannot read the outbox: {_first_line(error)}")
    extra = {"lag_seconds": round(lag, 1), "threshold_seconds": limit}
    if lag > limit:
        return Result(
            "outbox",
            False,
            f"the oldest due event delivery has waited {timedelta(seconds=int(lag))}",
            hint="Events are not being delivered: check that the workers (EVENTS_BACKEND="
            "celery) or the web processes (inline) are running, and their logs.",
            extra=extra,
        )
    return Result("outbox", True, extra=extra)


def readiness() -> list[Result]:
    """All the checks of `/readyz`, in order; later ones are skipped when the database is down."""
    results = [database()]
    if results[0].ok:
        results.append(migrations())
        results.append(
            outbox()
            if results[1].ok
            else Result("outbox", False, "not checked: migrations not applied")
        )
    else:
        results += [
            Result(name, False, "not checked: the database is unreachable")
            for name in ("migrations", "outbox")
        ]
    broker_result = broker()
    if broker_result is not None:
        results.append(broker_result)
    return results


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]
