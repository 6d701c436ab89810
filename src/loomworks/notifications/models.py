"""In-app feed entries, one per recipient, and the e-mail that goes beside them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField


class Audience(models.TextChoices):
    ADMIN = "admin", _("Brand admins")
    PARTNER = "partner", _("Partner members")


class Notification(models.Model):
    id = PrefixedIdField(prefix="ntf")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=100)
    summary = models.TextField()
    run = models.ForeignKey(
        "production.ProductionRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    task = models.ForeignKey(
        "work.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "recipient"],
                condition=~models.Q(event_id=""),
                name="one_notification_per_event_and_recipient",
            )
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return str(self.summary)
