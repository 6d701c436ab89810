"""In-app feed entries, one per recipient, and the e-mail that goes beside them.

Both are written by event subscribers, keyed by the event and the recipient,
so a redelivered event finds its rows already there and adds nothing.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    # When the event happened, not when a worker got round to it, so the feed
    # keeps the order of events even when a delivery was retried.
    created_at = models.DateTimeField(default=timezone.now)
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


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")  # the member left or turned e-mail off before it went out
    FAILED = "failed", _("Failed")  # every attempt failed; admins see it on their feed


class OutgoingEmail(models.Model):
    """One e-mail to one person about one event, rendered when queued.

    Each is sent by its own event delivery, so a retry re-sends only the
    e-mail that failed, never those already delivered to other members.
    """

    id = PrefixedIdField(prefix="eml")
    event_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        "production.ProductionRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "recipient"], name="one_email_per_event_and_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="notificatio_state_8c1f2e_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} ({self.state})"


class WhatsAppState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")  # consent withdrawn, or WhatsApp switched off, meanwhile
    FAILED = "failed", _("Failed")  # refused (4xx) or every attempt failed; admins are told


class WhatsAppMessage(models.Model):
    """One WhatsApp template message to one partner member about one event.

    Stored with everything the request needs (number, template, language,
    parameters) when it is queued, and sent by its own outbox delivery: a
    server error or a time-out is retried, a refusal (4xx) is final and its
    error is kept here and shown to admins.
    """

    id = PrefixedIdField(prefix="wam")
    event_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=100)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        "production.ProductionRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    to_number = models.CharField(max_length=20)
    template = models.CharField(max_length=100)
    language = models.CharField(max_length=10)
    parameters = models.JSONField(default=list)
    state = models.CharField(
        max_length=10, choices=WhatsAppState.choices, default=WhatsAppState.QUEUED
    )
    provider_message_id = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "recipient"], name="one_whatsapp_per_event_and_recipient"
            )
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="whatsapp_state_created")]

    def __str__(self) -> str:
        return f"{self.template} to {self.to_number} ({self.state})"
