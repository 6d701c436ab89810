from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "loomworks.production"
    label = "production"

    def ready(self) -> None:
        from loomworks.production import subscribers  # noqa: F401  (fills the event registry)
