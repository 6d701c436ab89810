"""Every write of the chase: evaluating the rules, acting on a reminder, changing the rules.

Evaluation inserts keys, never sends. For each rule and each page of its
candidates it (1) reads the page from the rule's partial index, leaving out
runs whose key exists (an index probe each, in the same query), then in one
transaction (2) inserts the keys with `ON CONFLICT DO NOTHING`, (3) reads
back the rows this evaluation really inserted (its `claim`) and (4) writes
one `reminder.due` event per such row to the outbox (two statements). A
constant number of queries per page, whatever the number of runs; a tick
with nothing new costs one query per rule.

Two schedulers at once insert the same keys; the unique constraint lets one
row in and the other insert does nothing, so only one of them claims it and
publishes its event. A restart re-reads the window and finds the keys. A
retried delivery finds the reminder `handled_at` and does nothing.
"""

import contextlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput, NotFound, TransitionNotAllowed
from loomworks.events.api import EventName, publish_many
from loomworks.events.models import Event
from loomworks.notifications.channels import admin_people, notify, partner_people
from loomworks.production.models import ProductionRun
from loomworks.production.selectors import PARTNER_VISIBLE_STATUSES
from loomworks.production.states import transition
from loomworks.reminders import notices
from loomworks.reminders.models import ChaseRules, ChaseRulesChange, Reminder, Rule
from loomworks.reminders.rules import RULE_ORDER, Candidate, candidate_pages, still_due, window


@dataclass
class Evaluation:
    """What one evaluation did: reminders fired per rule, pages read."""

    now: datetime
    fired: Counter = field(default_factory=Counter)
    pages: int = 0

    @property
    def total(self) -> int:
        return sum(self.fired.values())


def evaluate(*, now: datetime | None = None, batch_size: int | None = None) -> Evaluation:
    """Fire every reminder that is due at `now` and not fired yet. Safe to run anywhere, any time."""
    now = now or timezone.now()
    size = batch_size or settings.REMINDERS_BATCH
    rules = ChaseRules.current()
    result = Evaluation(now=now)
    for rule in RULE_ORDER:
        spec = window(rule, rules, now)
        if spec is None:
            continue
        for page in candidate_pages(spec, size=size):
            result.pages += 1
            result.fired[rule] += _fire(rule, spec.moment_field, page, now=now)
    return result


def _fire(rule: str, moment_field: str, candidates: list[Candidate], *, now: datetime) -> int:
    """Insert the keys of `candidates`; publish an event for each one this call really inserted.

    The candidates had no key when they were read; another scheduler may
    have inserted some since, and `ON CONFLICT DO NOTHING` leaves those to it.
    """
    claim = uuid.uuid4().hex
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [
                Reminder(
                    rule=rule,
                    run_id=c.run_id,
                    occurrence=c.occurrence,
                    claim=claim,
                    created_at=now,
                    **{moment_field: c.moment},
                )
                for c in candidates
            ],
            ignore_conflicts=True,
        )
        claimed = list(
            Reminder.objects.filter(claim=claim).values_list("pk", "run_id", "occurrence")
        )
        publish_many(
            [
                (
                    EventName.REMINDER_DUE,
                    {"reminder_id": pk, "rule": rule, "run_id": run_id, "occurrence": occurrence},
                )
                for pk, run_id, occurrence in claimed
            ],
            aggregate_type="production_run",
            aggregate_ids=[run_id for _pk, run_id, _occurrence in claimed],
        )
    return len(claimed)


@transaction.atomic
def reminder_act(*, reminder_id: int, event: Event) -> str:
    """Do what a fired reminder asks, once: mark the run late, or tell the people concerned.

    Returns "done", "stale" (the run moved on since: nothing to say) or
    "skipped" (already acted on: a retried delivery).
    """
    reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
    if reminder is None or reminder.handled_at is not None:
        return "skipped"
    now = timezone.now()
    run = (
        ProductionRun.objects.select_related("design", "partner").filter(pk=reminder.run_id).first()
    )
    outcome = "stale"
    if run is not None and still_due(reminder.rule, run, reminder.occurrence, now=now):
        _act(reminder, run, event=event)
        outcome = "done"
    Reminder.objects.filter(pk=reminder.pk).update(handled_at=now)
    return outcome


def _act(reminder: Reminder, run: ProductionRun, *, event: Event) -> None:
    if reminder.rule == Rule.LATE:
        # Through the one path: a history row and `production_run.late`, whose
        # subscribers tell the partner and the admins (and, later, webhooks).
        _transition_late(reminder, run)
        return
    if reminder.rule == Rule.ESCALATION:
        rules = ChaseRules.current()
        hours = rules.unaccepted_hours + rules.escalation_hours
        notify(
            event=event,
            notice=notices.escalation_for_admins(run, hours=hours),
            people=admin_people(),
        )
        return
    notify(
        event=event,
        notice=notices.partner_reminder(reminder.rule, run),
        people=partner_people(run.partner),
    )


def _transition_late(reminder: Reminder, run: ProductionRun) -> None:
    missed = run.deadline.isoformat()
    kind = str(run.deadline_kind)
    # Completed or cancelled since it was read: nothing is late any more.
    with contextlib.suppress(TransitionNotAllowed):
        transition(
            run.pk,
            "late",
            actor=Actor.system(),
            note=_("%(ref)s is late: its date (%(date)s) has passed.")
            % {"ref": run.reference, "date": missed},
            details={"missed_date": missed, "deadline": kind, "reminder_id": reminder.pk},
            event_extra={"missed_date": missed, "deadline": kind},
        )


@transaction.atomic
def late_run_tell(*, event: Event) -> None:
    """A run went late: its partner's members (when they can see it) and the admins are told."""
    run = (
        ProductionRun.objects.select_related("design", "partner")
        .filter(pk=event.payload.get("run_id"))
        .first()
    )
    if run is None:
        return
    if run.partner_id and run.status in PARTNER_VISIBLE_STATUSES:
        notify(
            event=event, notice=notices.late_for_partner(run), people=partner_people(run.partner)
        )
    notify(event=event, notice=notices.late_for_admins(run), people=admin_people())


# ---------------------------------------------------------------- the rules, set by admins

RULE_FIELDS = {
    "unaccepted_enabled": bool,
    "unaccepted_hours": int,
    "escalation_enabled": bool,
    "escalation_hours": int,
    "not_started_enabled": bool,
    "not_started_days": int,
    "late_enabled": bool,
    "stalled_enabled": bool,
    "stalled_days": int,
    "digest_hour": int,
}
# The bounds of each number: a week of hours, two months of days, an hour of the day.
RULE_LIMITS = {
    "unaccepted_hours": (1, 720),
    "escalation_hours": (1, 720),
    "not_started_days": (1, 60),
    "stalled_days": (1, 60),
    "digest_hour": (0, 23),
}


def _checked(name: str, value):
    if name not in RULE_FIELDS:
        raise InvalidInput(name, _("There is no rule setting called %(name)s.") % {"name": name})
    kind = RULE_FIELDS[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise InvalidInput(name, _("Give true or false."))
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(name, _("Give a whole number."))
    low, high = RULE_LIMITS[name]
    if not low <= value <= high:
        raise InvalidInput(
            name,
            _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high},
        )
    return value


@transaction.atomic
def rules_update(*, actor: Actor, changes: dict) -> ChaseRules:
    """Change some rule settings. All are checked before any is written; the change is audited.

    The next evaluation reads the new values. Setting a field to the value
    it has changes nothing and writes no audit row.
    """
    if not actor.is_admin:
        raise NotFound()
    checked = {name: _checked(name, value) for name, value in changes.items()}
    rules = ChaseRules.objects.select_for_update().filter(pk=1).first() or ChaseRules.current()
    diff = {
        name: [getattr(rules, name), value]
        for name, value in checked.items()
        if getattr(rules, name) != value
    }
    if not diff:
        return rules
    for name, (_before, after) in diff.items():
        setattr(rules, name, after)
    rules.updated_at = timezone.now()
    rules.updated_by_id = actor.user_id
    rules.save()
    ChaseRulesChange.objects.create(
        changed_at=rules.updated_at,
        actor_kind=actor.kind,
        actor_id=actor.user_id,
        actor_name=actor.name,
        changes=diff,
    )
    # The rules page shows its own change log; every change also joins the
    # general audit trail, beside keys, webhooks, stores and preferences.
    audit_record(
        actor=actor,
        action="reminder_rules.changed",
        target_type="reminder_rules",
        target_id=str(rules.pk),
        details=diff,
    )
    return rules
