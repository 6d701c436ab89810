"""What the chase keeps: the rules admins set, who changed them, and one key per reminder sent.

The keys are the heart of "at most once": a reminder is a row with a unique
(rule, run, occurrence), a digest a row with a unique (person, local day).
The scheduler inserts the key and the event that acts on it in one
transaction; a second scheduler, a restart or a retried delivery finds the
key taken and does nothing.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    UNACCEPTED = "unaccepted", _("Sent but not accepted: remind the partner")
    ESCALATION = "escalation", _("Still not accepted: tell the admins")
    NOT_STARTED = "not_started", _("Deadline near and work not started: remind the partner")
    LATE = "late", _("Deadline passed: the run is late")
    STALLED = "stalled", _("No progress in work: nudge the partner")


class ChaseRules(models.Model):
    """The one record of rule settings; each rule can be switched off.

    Read at every evaluation, so a change applies to the next one.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    unaccepted_enabled = models.BooleanField(_("remind partners of unanswered runs"), default=True)
    unaccepted_hours = models.PositiveIntegerField(_("hours after sending"), default=24)
    escalation_enabled = models.BooleanField(_("tell admins of unanswered runs"), default=True)
    escalation_hours = models.PositiveIntegerField(_("more hours after the reminder"), default=24)
    not_started_enabled = models.BooleanField(
        _("remind partners before the deadline"), default=True
    )
    not_started_days = models.PositiveIntegerField(_("days before the deadline"), default=3)
    late_enabled = models.BooleanField(_("mark runs late and tell people"), default=True)
    stalled_enabled = models.BooleanField(_("nudge partners when work stalls"), default=True)
    stalled_days = models.PositiveIntegerField(_("days without progress"), default=5)
    digest_hour = models.PositiveSmallIntegerField(_("digest hour"), default=8)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder rules")
        verbose_name_plural = _("reminder rules")

    def __str__(self) -> str:
        return "reminder rules"

    @classmethod
    def current(cls) -> "ChaseRules":
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules


class ChaseRulesChange(models.Model):
    """Who changed the rules, when, and each field from what to what."""

    changed_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict)  # {field: [before, after]}

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"rules changed by {self.actor_name} at {self.changed_at:%Y-%m-%d %H:%M}"


class Reminder(models.Model):
    """One rule fired for one run and one occurrence: the key that makes it happen once.

    `occurrence` names what the reminder is about, so that a new one can fire
    when the situation comes back: the time the run was sent (a reassignment
    sends it again), the deadline that was near or missed, the last progress
    it stalled after. `claim` is the evaluation that inserted the row: an
    insert that met an existing key inserted nothing, and the scheduler acts
    only on the rows carrying its own claim.
    """

    rule = models.CharField(max_length=20, choices=Rule.choices)
    run = models.ForeignKey("production.ProductionRun", on_delete=models.CASCADE, related_name="+")
    occurrence = models.CharField(max_length=40)
    # The occurrence as the rule read it, typed, so a rule's candidate query
    # can leave out runs whose reminder exists with one index probe each.
    moment_at = models.DateTimeField(null=True, blank=True)
    moment_on = models.DateField(null=True, blank=True)
    claim = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "run", "occurrence"], name="one_reminder_per_rule_run_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["claim"], name="reminder_claim"),
            models.Index(fields=["rule", "created_at"], name="reminder_rule_created"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.run_id} {self.occurrence}"


class Digest(models.Model):
    """One person's morning digest for one day of their own calendar: sent once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    local_date = models.DateField()
    time_zone = models.CharField(max_length=64)
    claim = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "local_date"], name="one_digest_per_person_and_day"
            )
        ]
        indexes = [models.Index(fields=["claim"], name="digest_claim")]

    def __str__(self) -> str:
        return f"digest for {self.recipient_id} on {self.local_date}"
