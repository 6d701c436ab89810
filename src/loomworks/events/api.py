"""What other apps import from the event bus."""

from loomworks.events.bus import DELIVERY_DEAD, drain, publish, publish_many, run_delivery
from loomworks.events.names import EventName
from loomworks.events.registry import subscriber

__all__ = [
    "DELIVERY_DEAD",
    "EventName",
    "drain",
    "publish",
    "publish_many",
    "run_delivery",
    "subscriber",
]
