"""Which handlers listen to which events.

Each app fills the registry from its `subscribers.py` when Django starts
(`AppConfig.ready`), so the bus never imports the apps that listen to it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from loomworks.events.models import Event

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    events: tuple[str, ...]
    handler: Handler
    atomic: bool = True
    # Attempts before the delivery is dead; None: EVENTS_MAX_ATTEMPTS. A callable is
    # asked each time, so a setting read inside it may change (tests, reloads).
    max_attempts: int | Callable[[], int] | None = None
    # Asked when an event is published: False and this subscriber gets no delivery
    # of it (webhooks: no endpoint wants the event, so no outbox row is written).
    when: Callable[[str], bool] | None = None

    def wants(self, event_name: str) -> bool:
        return self.when is None or self.when(event_name)

    def attempts_allowed(self, default: int) -> int:
        limit = self.max_attempts() if callable(self.max_attempts) else self.max_attempts
        return limit or default


_by_name: dict[str, Subscriber] = {}
_by_event: dict[str, list[Subscriber]] = {}


def subscriber(
    *event_names: str,
    name: str | None = None,
    atomic: bool = True,
    max_attempts: int | Callable[[], int] | None = None,
    when: Callable[[str], bool] | None = None,
) -> Callable[[Handler], Handler]:
    """Register the decorated function for `event_names`.

    The handler runs after the publishing transaction commits, at least once,
    inside a transaction of its own. It must be idempotent: decide from the
    current database state, not from the event alone.

    A handler that talks to the outside world (a mail server) passes
    `atomic=False`: it then runs outside any transaction, under the
    delivery's lease only, so a slow server holds no database lock (on
    SQLite, no lock at all for other writers), and opens the short
    transactions it needs itself.

    `max_attempts` gives a handler its own number of attempts (outgoing
    webhooks retry for hours, not minutes); `when(event_name)`, asked inside
    the publishing transaction, skips the delivery when it answers False.
    """

    def register(handler: Handler) -> Handler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        entry = Subscriber(
            name=key,
            events=tuple(event_names),
            handler=handler,
            atomic=atomic,
            max_attempts=max_attempts,
            when=when,
        )
        if key in _by_name and _by_name[key].handler is not handler:
            raise ValueError(f"Two subscribers are named {key!r}.")
        _by_name[key] = entry
        for event_name in event_names:
            listeners = _by_event.setdefault(event_name, [])
            if all(existing.name != key for existing in listeners):
                listeners.append(entry)
        return handler

    return register


def subscribers_for(event_name: str) -> list[Subscriber]:
    return list(_by_event.get(event_name, ()))


def get(name: str) -> Subscriber | None:
    return _by_name.get(name)


def all_subscribers() -> list[Subscriber]:
    return list(_by_name.values())
