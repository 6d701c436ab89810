from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "loomworks.ops"
    label = "ops"
