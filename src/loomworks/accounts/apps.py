from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "loomworks.accounts"
    label = "accounts"
