from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MoneyConfig(AppConfig):
    name = "loomworks.money"
    label = "money"
    verbose_name = _("Costs and payables")

    def ready(self) -> None:
        from loomworks.money import subscribers  # noqa: F401  (fills the event registry)
