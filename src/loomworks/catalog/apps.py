from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "loomworks.catalog"
    label = "catalog"
