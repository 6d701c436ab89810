from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "loomworks.api"
    label = "api"
