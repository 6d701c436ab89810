from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "loomworks.notifications"
    label = "notifications"

    def ready(self) -> None:
        from loomworks.notifications import subscribers  # noqa: F401  (fills the event registry)
