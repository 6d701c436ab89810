"""Feed entries written again, at read time, in the reader's language and date format.

An entry keeps the sentence written when it was made (in the language its
reader had then) and the event it came from. Read later — after the reader
chose another language — the sentence is made again from the event and the
run, so an old notice does not stay in English with US dates. An entry whose
event is gone (the outbox was pruned) or of a kind not known here keeps its
stored sentence.

Three queries for any number of entries: the events, the runs with their
designs, the partners named (and the comments, when there are any).
"""

from collections.abc import Iterable

from loomworks.events.api import EventName
from loomworks.events.models import Event
from loomworks.notifications import emails, summaries
from loomworks.notifications.models import Audience, Notification
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun
from loomworks.work.models import TaskComment

ADMIN_RUN_EVENTS = frozenset(
    {
        EventName.RUN_SENT_TO_PARTNER,
        EventName.RUN_ACCEPTED,
        EventName.RUN_DECLINED,
        EventName.RUN_STARTED,
        EventName.RUN_FINISHED,
        EventName.RUN_COMPLETED,
        EventName.RUN_CANCELLED,
        EventName.RUN_READY_TO_DISPATCH,
        EventName.RUN_BLOCKED,
        EventName.RUN_DELIVERY_RECORDED,
        EventName.RUN_QUANTITY_TO_CONFIRM,
    }
)
PARTNER_MESSAGES = {
    EventName.RUN_SENT_TO_PARTNER: emails.RUN_SENT,
    EventName.RUN_PARTNER_REASSIGNED: emails.RUN_SENT,
    EventName.RUN_CANCELLED: emails.RUN_CANCELLED,
    EventName.RUN_COMPLETED: emails.RUN_COMPLETED,
}
COMMENT_ADDED = EventName.TASK_COMMENT_ADDED


def _known(entry: Notification) -> bool:
    if not entry.event_id:
        return False
    if entry.kind == COMMENT_ADDED:
        return True
    if entry.audience == Audience.ADMIN:
        return entry.kind in ADMIN_RUN_EVENTS
    return entry.kind in PARTNER_MESSAGES


def in_readers_language(entries: Iterable[Notification]) -> list[Notification]:
    """Set each entry's `summary` anew in the active language, where its data allows."""
    entries = list(entries)
    wanted = [entry for entry in entries if _known(entry)]
    if not wanted:
        return entries
    events = {
        event.pk: event
        for event in Event.objects.filter(pk__in={entry.event_id for entry in wanted}).only(
            "id", "name", "payload"
        )
    }
    run_ids = {
        (events[e.event_id].payload or {}).get("run_id") for e in wanted if e.event_id in events
    }
    runs = {
        run.pk: run
        for run in ProductionRun.objects.filter(pk__in=run_ids - {None})
        .select_related("design")
        .defer("metadata", "design__description")  # the snapshot names the design
    }
    partner_ids = set()
    comment_ids = set()
    for entry in wanted:
        payload = events[entry.event_id].payload if entry.event_id in events else {}
        partner_ids.update(
            value
            for value in (payload.get("partner_id"), payload.get("previous_partner_id"))
            if value
        )
        if entry.kind == COMMENT_ADDED and payload.get("comment_id"):
            comment_ids.add(payload["comment_id"])
    names = dict(Partner.objects.filter(pk__in=partner_ids).values_list("pk", "name"))
    bodies = (
        dict(TaskComment.objects.filter(pk__in=comment_ids).values_list("pk", "body"))
        if comment_ids
        else {}
    )
    for entry in wanted:
        event = events.get(entry.event_id)
        if event is None:
            continue
        try:
            text = _sentence(entry, event, runs, names, bodies)
        except (KeyError, ValueError, TypeError):
            text = None  # data the sentence needs is gone: the stored one stays
        if text:
            entry.summary = text
    return entries


def _sentence(entry, event, runs, names, bodies) -> str | None:
    payload = event.payload or {}
    run = runs.get(payload.get("run_id"))
    partner_name = names.get(payload.get("partner_id") or payload.get("previous_partner_id"), "")
    if entry.kind == COMMENT_ADDED:
        body = bodies.get(payload.get("comment_id"))
        if body is None or run is None:
            return None
        if entry.audience == Audience.PARTNER:
            return summaries.brand_comment_summary(
                task_title=payload.get("task_title", ""), reference=run.reference, body=body
            )
        return summaries.comment_summary(
            actor=payload.get("actor") or {},
            partner_name=names.get(payload.get("partner_id"), ""),
            task_title=payload.get("task_title", ""),
            reference=run.reference,
            body=body,
        )
    if run is None:
        return None
    if entry.audience == Audience.ADMIN:
        return summaries.run_event_summary(event.name, payload, run=run, partner_name=partner_name)
    message = PARTNER_MESSAGES[event.name]
    reason = (payload.get("note") or "") if message == emails.RUN_CANCELLED else ""
    return summaries.partner_summary(message, run=run, reason=reason)
