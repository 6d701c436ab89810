from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "loomworks.reminders"
    label = "reminders"

    def ready(self) -> None:
        from loomworks.reminders import subscribers  # noqa: F401  (fills the event registry)
