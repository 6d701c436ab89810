from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "loomworks.integrations"
    label = "integrations"
    verbose_name = "Connections"

    def ready(self) -> None:
        from loomworks.integrations import subscribers  # noqa: F401  (fills the event registry)
