from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Reads across the operation (partner scorecards): selectors only, no models."""

    name = "loomworks.insights"
    label = "insights"
    verbose_name = _("Insights")
