from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "loomworks.production"
    label = "production"

    def ready(self) -> None:
        from loomworks.catalog.services import UNIT_IN_USE_CHECKS
        from loomworks.production import subscribers  # noqa: F401  (fills the event registry)
        from loomworks.production.models import ConsumptionLog

        def logged_in_unit(material) -> bool:
            return ConsumptionLog.objects.filter(material=material, unit=material.unit).exists()

        if not any(getattr(c, "__name__", "") == "logged_in_unit" for c in UNIT_IN_USE_CHECKS):
            UNIT_IN_USE_CHECKS.append(logged_in_unit)
