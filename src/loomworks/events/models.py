"""The outbox: one row per event, one delivery row per subscriber.

Both are written in the transaction that made the change, so an event exists
exactly when its change does. Deliveries are worked after commit, at least
once, by the in-process dispatcher or by Celery workers.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField


class Event(models.Model):
    id = PrefixedIdField(prefix="evt")
    name = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    aggregate_type = models.CharField(max_length=40, blank=True)
    aggregate_id = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"])]

    def __str__(self) -> str:
        return f"{self.name} {self.aggregate_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    DEAD = "dead", _("Dead")


class Delivery(models.Model):
    """One subscriber's copy of one event, with its attempts and lease."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=200)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="one_delivery_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.subscriber} <- {self.event_id} ({self.state})"
