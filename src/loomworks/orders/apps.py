from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "loomworks.orders"
    label = "orders"
