"""Each reminder rule: which runs it is due for now, read from one partial index.

A rule's candidates are the runs whose moment came within the catch-up
window (`REMINDERS_CATCH_UP_DAYS`): sent between N hours plus the window and
N hours ago, a deadline within the next D days, and so on. The window bounds
each scan, so its cost follows how many runs reach that moment in a week,
not how many runs exist. Pages are read in index order (keyset paging,
never OFFSET), a constant number of queries each.

Each candidate carries its occurrence: the value that, with the rule and the
run, makes the reminder's unique key. The same situation gives the same key
every time it is read; a new situation (a new sending, a new deadline, new
progress that stalled again) gives a new one.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from loomworks.production.models import TERMINAL_STATUSES, ProductionRun, RunStatus
from loomworks.reminders.models import ChaseRules, Reminder, Rule

NOT_STARTED_STATUSES = (RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Candidate:
    run_id: str
    moment: object  # the rule's moment for this run: a datetime, or a date (a deadline)

    @property
    def occurrence(self) -> str:
        return occurrence_of(self.moment)


def occurrence_of(value) -> str:
    """The key form of a rule's moment: an ISO date or an ISO time in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"No occurrence for {value!r}.")


def catch_up() -> timedelta:
    return timedelta(days=settings.REMINDERS_CATCH_UP_DAYS)


def _open_deadlines() -> QuerySet:
    """Open runs with their deadline (promised, else due): the `run_open_deadline` index."""
    return ProductionRun.objects.annotate(deadline=Coalesce("promised_date", "due_date")).filter(
        ~Q(status__in=TERMINAL_STATUSES)
    )


@dataclass(frozen=True)
class RuleWindow:
    """One rule's candidate query: rows between `low` and `high` of `key`, in key order."""

    rule: str
    queryset: QuerySet
    key: str
    low: object
    high: object
    low_inclusive: bool = False

    @property
    def moment_field(self) -> str:
        """Where a reminder keeps this rule's moment: a date for deadlines, else a time."""
        return "moment_on" if self.key == "deadline" else "moment_at"

    def rows(self) -> QuerySet:
        """The window's runs that have no reminder of this rule for their moment yet.

        The window is a range of the rule's partial index; each run in it is
        checked against the reminders' unique index (rule, run, …) in the same
        query, so a tick with nothing new reads nothing back.
        """
        lower = f"{self.key}__gte" if self.low_inclusive else f"{self.key}__gt"
        reminded = Reminder.objects.filter(
            rule=self.rule, run_id=OuterRef("pk"), **{self.moment_field: OuterRef(self.key)}
        )
        return self.queryset.filter(**{lower: self.low, f"{self.key}__lte": self.high}).exclude(
            Exists(reminded)
        )


def window(rule: str, rules: ChaseRules, now: datetime) -> RuleWindow | None:
    """The candidates of `rule` at `now`, or None when the rule is switched off."""
    today = timezone.localdate(now)
    if rule == Rule.UNACCEPTED and rules.unaccepted_enabled:
        moment = now - timedelta(hours=rules.unaccepted_hours)
        return RuleWindow(
            rule,
            ProductionRun.objects.filter(status=RunStatus.SENT_TO_PARTNER),
            "last_sent_at",
            moment - catch_up(),
            moment,
        )
    if rule == Rule.ESCALATION and rules.escalation_enabled:
        moment = now - timedelta(hours=rules.unaccepted_hours + rules.escalation_hours)
        return RuleWindow(
            rule,
            ProductionRun.objects.filter(status=RunStatus.SENT_TO_PARTNER),
            "last_sent_at",
            moment - catch_up(),
            moment,
        )
    if rule == Rule.NOT_STARTED and rules.not_started_enabled:
        # The `run_not_started_deadline` index holds exactly these runs.
        return RuleWindow(
            rule,
            ProductionRun.objects.annotate(deadline=Coalesce("promised_date", "due_date")).filter(
                status__in=NOT_STARTED_STATUSES, started_at__isnull=True, partner__isnull=False
            ),
            "deadline",
            today,
            today + timedelta(days=rules.not_started_days),
            low_inclusive=True,
        )
    if rule == Rule.LATE and rules.late_enabled:
        return RuleWindow(
            rule,
            _open_deadlines(),
            "deadline",
            today - catch_up() - timedelta(days=1),
            today - timedelta(days=1),
        )
    if rule == Rule.STALLED and rules.stalled_enabled:
        moment = now - timedelta(days=rules.stalled_days)
        return RuleWindow(
            rule,
            ProductionRun.objects.filter(status=RunStatus.IN_PROGRESS, partner__isnull=False),
            "last_progress_at",
            moment - catch_up(),
            moment,
        )
    return None


def candidate_pages(spec: RuleWindow, *, size: int) -> Iterator[list[Candidate]]:
    """The window's runs not reminded yet, in pages of `size`, one query per page, in (key, id) order."""
    key = spec.key
    base = spec.rows()
    after: tuple | None = None
    while True:
        page = base
        if after is not None:
            last_key, last_id = after
            page = page.filter(
                Q(**{f"{key}__gt": last_key}) | Q(**{key: last_key, "id__gt": last_id})
            )
        rows = list(page.order_by(F(key).asc(), "id").values_list("id", key)[:size])
        if not rows:
            return
        yield [Candidate(run_id, value) for run_id, value in rows]
        if len(rows) < size:
            return
        after = rows[-1][1], rows[-1][0]


def still_due(rule: str, run: ProductionRun, occurrence: str, *, now: datetime) -> bool:
    """Re-checked when the reminder is acted on: the situation is still the one keyed.

    A run accepted, started, completed or moved forward since the scheduler
    saw it is not reminded about any more.
    """
    today = timezone.localdate(now)
    if rule in (Rule.UNACCEPTED, Rule.ESCALATION):
        return (
            run.status == RunStatus.SENT_TO_PARTNER
            and run.last_sent_at is not None
            and occurrence_of(run.last_sent_at) == occurrence
        )
    if rule == Rule.NOT_STARTED:
        return (
            run.status in NOT_STARTED_STATUSES
            and run.started_at is None
            and run.deadline is not None
            and occurrence_of(run.deadline) == occurrence
            and run.deadline >= today
        )
    if rule == Rule.LATE:
        return (
            not run.is_terminal
            and run.deadline is not None
            and occurrence_of(run.deadline) == occurrence
            and run.deadline < today
        )
    if rule == Rule.STALLED:
        return (
            run.status == RunStatus.IN_PROGRESS
            and run.last_progress_at is not None
            and occurrence_of(run.last_progress_at) == occurrence
        )
    return False


RULE_ORDER = (Rule.UNACCEPTED, Rule.ESCALATION, Rule.NOT_STARTED, Rule.LATE, Rule.STALLED)
