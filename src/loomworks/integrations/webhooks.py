"""Outgoing webhooks: endpoints, the deliveries made from the outbox, and sending them.

How an event reaches an endpoint:

1. The event commits with the change (the outbox). Its fan-out subscriber
   (`deliveries_create`) makes one `WebhookDelivery` per enabled endpoint that
   asked for the event, with the body frozen, and queues the first waiting
   delivery of each endpoint for that run.
2. A queued delivery is sent by its own outbox delivery
   (`webhook.delivery_queued` → `delivery_send`), outside any transaction. A
   failed try raises, so the outbox tries again with exponential back-off;
   after `WEBHOOKS_MAX_ATTEMPTS` tries the delivery has failed for good.
3. Deliveries about one run go to an endpoint in the order of their events:
   one is sent only when every earlier one was delivered or has failed for
   good, and its end queues the next (in the same transaction, so the turn
   is never lost).
4. An endpoint whose deliveries keep failing (`WEBHOOKS_DISABLE_AFTER` in a
   row) is disabled and the admins are told; enabling it again sends what
   waited. Any delivery can be replayed, in or out of turn.
"""

import base64
import json
import logging
import secrets
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import Conflict, InvalidInput
from loomworks.events.api import publish
from loomworks.events.models import Delivery, DeliveryState, Event
from loomworks.integrations import events as names
from loomworks.integrations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryState,
    WebhookEndpoint,
)
from loomworks.integrations.netguard import TargetRefused, resolve_target
from loomworks.integrations.sending import SendResult, post_signed

log = logging.getLogger("loomworks.integrations")

FAN_OUT_SUBSCRIBER = "integrations.webhook_fan_out"
SEND_SUBSCRIBER = "integrations.webhook_send"
SECRET_PREFIX = "whsec_"
MAX_DESCRIPTION = 500


class WebhookTryFailed(Exception):
    """A try failed and more are left: the outbox retries the send with back-off."""


# ---------------------------------------------------------------- endpoints


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise InvalidInput("url", _("Give the URL that receives the events."))
    try:
        resolve_target(url)
    except TargetRefused as refusal:
        raise InvalidInput("url", str(refusal)) from None
    return url


def _clean_events(events: Sequence[str]) -> list[str]:
    events = [str(name).strip() for name in events or []]
    if not events:
        raise InvalidInput("events", _("Choose at least one event to receive."))
    unknown = [name for name in events if name not in names.WEBHOOK_EVENTS]
    if unknown:
        raise InvalidInput(
            "events",
            _("Unknown event %(name)s; GET /api/admin/webhook-events lists them.")
            % {"name": unknown[0]},
        )
    return sorted(set(events), key=list(names.WEBHOOK_EVENTS).index)


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            "description",
            _("The description is at most %(max)s characters.") % {"max": MAX_DESCRIPTION},
        )
    return description


@transaction.atomic
def webhook_endpoint_create(
    *, url: str, events: Sequence[str], description: str = "", actor: Actor
) -> WebhookEndpoint:
    """A new endpoint with a new secret (`endpoint.secret`, to show its creator once)."""
    endpoint = WebhookEndpoint.objects.create(
        url=_clean_url(url),
        events=_clean_events(events),
        description=_clean_description(description),
        secret=secret_new(),
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="webhook.created",
        target_type="webhook",
        target_id=endpoint.pk,
        details={"url": endpoint.url, "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: Actor,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what was given. Enabling a disabled endpoint sends what waited for it."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    changes = {}
    if url is not None:
        changes["url"] = _clean_url(url)
    if events is not None:
        changes["events"] = _clean_events(events)
    if description is not None:
        changes["description"] = _clean_description(description)
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if changes:
        endpoint.save(update_fields=[*changes, "updated_at"])
    if enabled is True and not endpoint.is_active:
        _enable(endpoint)
        changes["enabled"] = True
    elif enabled is False and endpoint.is_active:
        _disable(endpoint, reason=_("Disabled by %(name)s.") % {"name": actor.name})
        changes["enabled"] = False
    if changes:
        audit_record(
            actor=actor,
            action="webhook.updated",
            target_type="webhook",
            target_id=endpoint.pk,
            details=changes,
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Remove the endpoint with its deliveries and their log; nothing more is sent to it."""
    audit_record(
        actor=actor,
        action="webhook.deleted",
        target_type="webhook",
        target_id=endpoint.pk,
        details={"url": endpoint.url},
    )
    endpoint.delete()


def _disable(endpoint: WebhookEndpoint, *, reason: str) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
    )
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
    # Whatever was being retried stops with the endpoint; enabling it queues it again.
    WebhookDelivery.objects.filter(endpoint=endpoint, state=WebhookDeliveryState.PENDING).update(
        sender_event_id=""
    )


def _enable(endpoint: WebhookEndpoint) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_at=None, disabled_reason="", failure_streak=0, updated_at=now
    )
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
    endpoint.failure_streak = 0
    waiting = WebhookDelivery.objects.filter(endpoint=endpoint, state=WebhookDeliveryState.PENDING)
    waiting.update(sender_event_id="", round_attempts=0)
    chains = set(waiting.values_list("aggregate_type", "aggregate_id").distinct())
    for aggregate_type, aggregate_id in sorted(chains):
        _queue_next(endpoint.pk, aggregate_type, aggregate_id)


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send the delivery again now, with the same id and body, whatever its state."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    )
    if not delivery.endpoint.is_active:
        raise Conflict(_("This endpoint is disabled; enable it before replaying its deliveries."))
    delivery.state = WebhookDeliveryState.PENDING
    delivery.round_attempts = 0
    delivery.sender_event_id = ""
    delivery.save(update_fields=["state", "round_attempts", "sender_event_id"])
    publish(
        names.WEBHOOK_DELIVERY_QUEUED,
        {"delivery_id": delivery.pk, "replay": True},
        aggregate_type="webhook_delivery",
        aggregate_id=delivery.pk,
    )
    audit_record(
        actor=actor,
        action="webhook.delivery_replayed",
        target_type="webhook_delivery",
        target_id=delivery.pk,
        details={"endpoint_id": delivery.endpoint_id, "event": delivery.event_name},
    )
    return delivery


# ---------------------------------------------------------------- deliveries from the outbox


def _body(event: Event) -> str:
    """The JSON an endpoint receives: the event's type, when it happened, and its payload."""
    return json.dumps(
        {"type": event.name, "timestamp": event.occurred_at.isoformat(), "data": event.payload},
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def _sequence(event: Event) -> int:
    """The event's place among its run's events: its fan-out delivery's id.

    Outbox rows are numbered as they are written, and the events of one run
    are written one transaction after another (the run's row lock), so the
    numbers follow the order in which they happened.
    """
    found = (
        Delivery.objects.filter(event_id=event.pk, subscriber=FAN_OUT_SUBSCRIBER)
        .values_list("id", flat=True)
        .first()
    )
    return found or 0


@transaction.atomic
def deliveries_create(*, event: Event) -> list[WebhookDelivery]:
    """One delivery per enabled endpoint that wants `event`; then queue each chain's next."""
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints:
        return []
    wanting = [endpoint for endpoint in endpoints if event.name in endpoint.events]
    made = []
    if wanting:
        already = set(
            WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True)
        )
        body, sequence = _body(event), _sequence(event)
        made = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    event=event,
                    event_name=event.name,
                    aggregate_type=event.aggregate_type,
                    aggregate_id=event.aggregate_id,
                    sequence=sequence,
                    body=body,
                    created_at=event.occurred_at,
                )
                for endpoint in wanting
                if endpoint.pk not in already
            ]
        )
    # Any endpoint may have a delivery about this run that waited for this event's fan-out.
    heads = {}
    for delivery in WebhookDelivery.objects.filter(
        endpoint_id__in=[endpoint.pk for endpoint in endpoints],
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        state=WebhookDeliveryState.PENDING,
    ).order_by("endpoint_id", "sequence", "created_at", "id"):
        heads.setdefault(delivery.endpoint_id, delivery)
    for head in heads.values():
        if not head.sender_event_id:
            _queue(head)
    return made


def some_endpoint_wants(event_name: str, payload: dict) -> bool:
    """Asked as each event is published: with no endpoint for it, the outbox writes no row."""
    return any(
        event_name in events
        for events in WebhookEndpoint.objects.filter(is_active=True).values_list(
            "events", flat=True
        )
    )


def _queue(delivery: WebhookDelivery) -> None:
    publish(
        names.WEBHOOK_DELIVERY_QUEUED,
        {"delivery_id": delivery.pk, "replay": False},
        aggregate_type="webhook_delivery",
        aggregate_id=delivery.pk,
    )


def _queue_next(endpoint_id: str, aggregate_type: str, aggregate_id: str) -> None:
    """Queue the first waiting delivery about this run for this endpoint, unless already sent."""
    head = (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            state=WebhookDeliveryState.PENDING,
        )
        .order_by("sequence", "created_at", "id")
        .first()
    )
    if head is not None and not head.sender_event_id:
        _queue(head)


def _earlier_fan_out_pending(delivery: WebhookDelivery) -> bool:
    """Is an earlier event about the same run still waiting to be turned into deliveries?"""
    return Delivery.objects.filter(
        subscriber=FAN_OUT_SUBSCRIBER,
        state=DeliveryState.PENDING,
        id__lt=delivery.sequence,
        event__aggregate_type=delivery.aggregate_type,
        event__aggregate_id=delivery.aggregate_id,
    ).exists()


def _earlier_delivery_open(delivery: WebhookDelivery) -> bool:
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            aggregate_type=delivery.aggregate_type,
            aggregate_id=delivery.aggregate_id,
            state=WebhookDeliveryState.PENDING,
        )
        .filter(
            Q(sequence__lt=delivery.sequence)
            | Q(sequence=delivery.sequence, created_at__lt=delivery.created_at)
        )
        .exclude(pk=delivery.pk)
        .exists()
    )


def delivery_send(*, delivery_id: str, sender_event_id: str, replay: bool = False) -> str:
    """Try to send one delivery. Returns what happened; raises `WebhookTryFailed` to be retried.

    Runs outside any transaction: the HTTP request holds no database lock.
    `sender_event_id` is the outbox event asking; the first to claim a
    delivery sends it and retries it, any other asking returns at once.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDeliveryState.PENDING:
        return "ended"
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return "held"  # enabling the endpoint queues it again
    if delivery.sender_event_id and delivery.sender_event_id != sender_event_id:
        return "sent by another"
    # Its turn comes when every earlier delivery about the run has ended; the one
    # that ends last queues it. A replay goes out of turn.
    if (
        not delivery.sender_event_id
        and not replay
        and (_earlier_fan_out_pending(delivery) or _earlier_delivery_open(delivery))
    ):
        return "waiting"
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDeliveryState.PENDING)
        .filter(Q(sender_event_id="") | Q(sender_event_id=sender_event_id))
        .update(sender_event_id=sender_event_id)
    )
    if not claimed:
        return "sent by another"
    result = post_signed(
        url=endpoint.url, secret=endpoint.secret, message_id=delivery.pk, body=delivery.body
    )
    outcome = _record(delivery.pk, sender_event_id, result, replay=replay)
    if outcome == "retry":
        raise WebhookTryFailed(
            _("%(url)s: %(result)s") % {"url": endpoint.url, "result": result.summary()}
        )
    return outcome


@transaction.atomic
def _record(delivery_id: str, sender_event_id: str, result: SendResult, *, replay: bool) -> str:
    """Log the try and move the delivery on: delivered, retried, or failed for good."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        return "superseded"  # its endpoint was removed while it was being sent
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=now,
        succeeded=result.succeeded,
        response_code=result.response_code,
        duration_ms=result.duration_ms,
        response_excerpt=result.response_excerpt,
        error=result.error,
        replay=replay,
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_response_code = result.response_code
    delivery.last_duration_ms = result.duration_ms
    delivery.last_response_excerpt = result.response_excerpt
    delivery.last_error = result.error
    fields = [
        "attempts",
        "last_attempt_at",
        "last_response_code",
        "last_duration_ms",
        "last_response_excerpt",
        "last_error",
    ]
    if (
        delivery.state != WebhookDeliveryState.PENDING
        or delivery.sender_event_id != sender_event_id
    ):
        # Replayed, disabled or deleted meanwhile: the log keeps the try, the rest stays.
        delivery.save(update_fields=fields)
        return "superseded"
    delivery.round_attempts += 1
    fields.append("round_attempts")
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    if result.succeeded:
        delivery.state = WebhookDeliveryState.DELIVERED
        delivery.delivered_at = now
        fields += ["state", "delivered_at"]
        if endpoint.failure_streak:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failure_streak=0)
        outcome = "delivered"
    elif delivery.round_attempts < settings.WEBHOOKS_MAX_ATTEMPTS:
        delivery.save(update_fields=fields)
        return "retry"
    else:
        delivery.state = WebhookDeliveryState.FAILED
        fields.append("state")
        endpoint.failure_streak += 1
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            failure_streak=endpoint.failure_streak
        )
        outcome = "failed"
    delivery.save(update_fields=fields)
    if outcome == "failed" and endpoint.failure_streak >= settings.WEBHOOKS_DISABLE_AFTER:
        _disable_for_failures(endpoint, result)
    else:
        _queue_next(delivery.endpoint_id, delivery.aggregate_type, delivery.aggregate_id)
    return outcome


def _disable_for_failures(endpoint: WebhookEndpoint, result: SendResult) -> None:
    reason = _("%(count)s deliveries in a row failed every attempt; the last try: %(result)s.") % {
        "count": endpoint.failure_streak,
        "result": result.summary(),
    }
    _disable(endpoint, reason=reason)
    publish(
        names.WEBHOOK_ENDPOINT_DISABLED,
        {
            "endpoint_id": endpoint.pk,
            "url": endpoint.url,
            "failures": endpoint.failure_streak,
            "last_result": result.summary(),
        },
        aggregate_type="webhook",
        aggregate_id=endpoint.pk,
    )
    log.warning("Webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, reason)


@transaction.atomic
def delivery_give_up(*, delivery_id: str, sender_event_id: str) -> None:
    """Its sender died in the outbox (not an HTTP failure): fail it so the run's next may go."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if (
        delivery is None
        or delivery.state != WebhookDeliveryState.PENDING
        or delivery.sender_event_id not in ("", sender_event_id)
    ):
        return
    delivery.state = WebhookDeliveryState.FAILED
    delivery.save(update_fields=["state"])
    _queue_next(delivery.endpoint_id, delivery.aggregate_type, delivery.aggregate_id)
