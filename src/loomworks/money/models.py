"""What work costs and what the brand owes each workshop.

- `Rate`: a partner's rate card, one line per task template or role: an amount
  per piece or per run, in a currency (ISO 4217).
- `RunPrice`: the price of one run for its partner, proposed when the run is
  sent (from the rate card, or given at dispatch) and fixed when the partner
  accepts it. Changed after that only by an `Adjustment`.
- `LedgerEntry`: what the brand owes a partner, append-only. Earned when a run
  completes (once: its `key` is unique), adjustments, payments, and reversing
  entries that undo a mistaken one. The balance per currency is their sum.
- `Payment`: money the brand paid a partner, recorded by an admin.

Amounts are `Decimal` in the currency's minor units (two for EUR, none for
JPY) on the ledger; a rate may carry up to four decimals (a price per piece of
0.125), and what it earns is rounded once, on the ledger entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField
from loomworks.core.limits import currency_validator


class AppendOnly(Exception):
    """A ledger row is never changed or deleted: a mistake is corrected by a reversing entry."""


class RateUnit(models.TextChoices):
    PIECE = "piece", _("per piece")
    RUN = "run", _("per run")


class Rate(models.Model):
    id = PrefixedIdField(prefix="rate")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    task_template = models.ForeignKey(
        "work.TaskTemplate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=RateUnit.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role", "task_template_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "task_template"],
                condition=Q(task_template__isnull=False),
                name="one_rate_per_partner_template",
            ),
            models.UniqueConstraint(
                fields=["partner", "role"],
                condition=Q(task_template__isnull=True),
                name="one_rate_per_partner_role",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class PriceSource(models.TextChoices):
    RATE = "rate", _("rate card")
    DISPATCH = "dispatch", _("given at dispatch")


class RunPrice(models.Model):
    """The run's price for `partner`; `fixed_at` once the partner accepted it."""

    run = models.OneToOneField(
        "production.ProductionRun",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="price",
    )
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(max_length=10, choices=RateUnit.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    source = models.CharField(max_length=10, choices=PriceSource.choices)
    rate = models.ForeignKey(Rate, on_delete=models.SET_NULL, null=True, blank=True)
    proposed_at = models.DateTimeField(default=timezone.now)
    fixed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class EntryKind(models.TextChoices):
    EARNED = "earned", _("Earned")
    ADJUSTMENT = "adjustment", _("Adjustment")
    PAYMENT = "payment", _("Payment")
    REVERSAL = "reversal", _("Reversal")


class AdjustmentKind(models.TextChoices):
    BONUS = "bonus", _("Bonus")
    DEDUCTION = "deduction", _("Deduction")


class Payment(models.Model):
    id = PrefixedIdField(prefix="pay")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=100)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-paid_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class LedgerEntry(models.Model):
    """One line of what the brand owes a partner: positive adds to it, negative pays it down.

    `key` is unique: `earned:<run id>` makes a run's completion earn exactly
    once, whichever worker or retry gets there; `reversal:<entry id>` lets an
    entry be reversed once. Rows are never updated or deleted.
    """

    id = PrefixedIdField(prefix="led")
    key = models.CharField(max_length=120, unique=True)
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=4)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    occurred_on = models.DateField(default=timezone.localdate)
    run = models.ForeignKey(
        "production.ProductionRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entry"
    )
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    # bonus | deduction for an adjustment; the kind of the reversed entry for a reversal.
    subkind = models.CharField(max_length=12, blank=True)
    description = models.TextField(blank=True)
    # How it was worked out: pieces, unit, price; for a payment its method and reference.
    details = models.JSONField(default=dict, blank=True)
    actor_kind = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_on", "created_at", "id"]
        indexes = [
            models.Index(
                fields=["partner", "occurred_on", "created_at"], name="ledger_partner_day"
            ),
            models.Index(fields=["run"], name="ledger_run"),
        ]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Ledger entries are never changed; add a reversing entry.")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Ledger entries are never deleted; add a reversing entry.")


class CostingPolicy(models.Model):
    """One editable record: whether rejected pieces are paid like good ones."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    pay_rejected = models.BooleanField(_("pay rejected pieces"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "costing policy"

    @classmethod
    def current(cls) -> "CostingPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
