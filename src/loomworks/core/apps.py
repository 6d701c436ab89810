from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "loomworks.core"
    label = "core"
