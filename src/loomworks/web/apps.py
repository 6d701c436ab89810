from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "loomworks.web"
    label = "web"
