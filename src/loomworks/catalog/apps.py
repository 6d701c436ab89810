from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "loomworks.catalog"
    label = "catalog"

    def ready(self) -> None:
        # The kinds of record a spreadsheet can bring in (`core.imports`).
        from loomworks.catalog import imports  # noqa: F401
