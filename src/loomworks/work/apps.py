from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "loomworks.work"
    label = "work"
