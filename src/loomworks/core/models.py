"""Shared model pieces."""

from django.db import models
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
