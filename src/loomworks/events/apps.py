from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "loomworks.events"
    label = "events"
