from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "loomworks.partners"
    label = "partners"

    def ready(self) -> None:
        # The kinds of record a spreadsheet can bring in (`core.imports`).
        from loomworks.partners import imports  # noqa: F401
