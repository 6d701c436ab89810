"""Shared model pieces."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Counter(models.Model):
    """A named counter, bumped under a row lock: gives runs their `PR-<n>`."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.name)

    @classmethod
    def next_value(cls, name: str, count: int = 1) -> int:
        """Reserve `count` numbers and return the first. Call inside a transaction.

        The UPDATE takes the row lock, so concurrent callers queue and each
        gets its own numbers.
        """
        if not cls.objects.filter(name=name).update(value=models.F("value") + count):
            cls.objects.get_or_create(name=name)
            cls.objects.filter(name=name).update(value=models.F("value") + count)
        return cls.objects.values_list("value", flat=True).get(name=name) - count + 1


class AuditEntry(models.Model):
    """One row per change that is not a run's own history: who did what to which object.

    Runs keep their history in `RunHistory`; everything else a person, a partner
    member, an API key or the system changes (keys, endpoints, stores, orders,
    set-up records) leaves a row here, written in the change's own transaction.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The API key a program used, by id (keys live in `integrations`, above this app).
    api_key_id = models.CharField(max_length=40, blank=True, null=True)
    actor_name = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=60)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target_id} by {self.actor_name}"


def external_ref_unique(name: str) -> models.UniqueConstraint:
    """One row per id of the system a model's rows were imported from (blank ids aside).

    The constraint's index is also how an import finds what it wrote the time before.
    """
    return models.UniqueConstraint(
        fields=["external_ref"], condition=~models.Q(external_ref=""), name=name
    )


class StagedImport(models.Model):
    """An uploaded spreadsheet between its preview and the admin's confirmation.

    The confirmation writes what was previewed, read again from here and checked
    again: nothing the browser sends back can change the rows. Kept for an hour.
    """

    token = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=10, blank=True)
    table = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.kind} import {self.filename}"
