from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "loomworks.partners"
    label = "partners"
