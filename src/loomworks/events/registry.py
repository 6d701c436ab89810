"""Which handlers listen to which events.

Each app fills the registry from its `subscribers.py` when Django starts
(`AppConfig.ready`), so the bus never imports the apps that listen to it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from loomworks.events.models import Event
from loomworks.events.names import check

Handler = Callable[[Event], None]
Condition = Callable[[str, dict], bool]


@dataclass(frozen=True)
class Subscriber:
    name: str
    events: tuple[str, ...]
    handler: Handler
    atomic: bool = True
    # Asked at publish time, with the event's name and payload: False and this
    # subscriber gets no delivery of it at all (no row, no wake-up, no lock taken
    # for nothing). The run-completion check reads only the payload; the webhook
    # fan-out asks whether any endpoint wants the name (one small query).
    when: Condition | None = None
    # Attempts before the delivery is dead; None: EVENTS_MAX_ATTEMPTS. A callable is
    # asked each time, so a setting read inside it may change (tests, reloads).
    max_attempts: int | Callable[[], int] | None = None

    def wants(self, event_name: str, payload: dict) -> bool:
        """Whether this event is for this subscriber (decided when it is published)."""
        return self.when is None or self.when(event_name, payload)

    def attempts_allowed(self, default: int) -> int:
        limit = self.max_attempts() if callable(self.max_attempts) else self.max_attempts
        return limit or default


_by_name: dict[str, Subscriber] = {}
_by_event: dict[str, list[Subscriber]] = {}


def subscriber(
    *event_names: str,
    name: str | None = None,
    atomic: bool = True,
    when: Condition | None = None,
    max_attempts: int | Callable[[], int] | None = None,
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

    `when(event_name, payload)`, if given, is asked inside the publishing
    transaction: an event it answers False for gets no delivery for this
    subscriber at all. `max_attempts` gives a handler its own number of
    attempts (outgoing webhooks retry for hours, not minutes).
    """

    for event_name in event_names:
        check(event_name)  # at import, so a typo stops the start-up

    def register(handler: Handler) -> Handler:
        key = name or f"{handler.__module__}.{handler.__qualname__}"
        entry = Subscriber(
            name=key,
            events=tuple(str(n) for n in event_names),
            handler=handler,
            atomic=atomic,
            max_attempts=max_attempts,
            when=when,
        )
        if key in _by_name and _by_name[key].handler is not handler:
            raise ValueError(f"Two subscribers are named {key!r}.")
        _by_name[key] = entry
        for event_name in event_names:
            listeners = _by_event.setdefault(str(event_name), [])
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
