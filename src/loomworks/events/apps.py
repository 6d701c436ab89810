from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "loomworks.events"
    label = "events"

    def ready(self) -> None:
        from loomworks.events import backends, bus

        bus.set_notifier(backends.notify)
