"""Reads of the chase: what a morning digest says, the rules and their change log.

A digest's figures are read once per person and cost a fixed number of
queries, each answered from an index (runs by status, by partner and status,
by deadline, by completion time; reminders by rule and time).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce

from loomworks.production.models import TERMINAL_STATUSES, ProductionRun, RunStatus
from loomworks.reminders.models import ChaseRules, ChaseRulesChange, Reminder, Rule

DIGEST_LIST_LENGTH = 10
DUE_SOON_DAYS = 7


@dataclass
class AdminDigest:
    """The brand's morning: what waits for someone, what went late, what completed."""

    pending_review: int
    awaiting_reassignment: int
    waiting_for_partner: int
    late: int
    went_late: list[ProductionRun] = field(default_factory=list)
    went_late_count: int = 0
    completed: list[ProductionRun] = field(default_factory=list)
    completed_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.pending_review
            or self.awaiting_reassignment
            or self.waiting_for_partner
            or self.late
            or self.went_late_count
            or self.completed_count
        )


@dataclass
class PartnerDigest:
    """A workshop's morning: its open work, what is due soon, what is late."""

    waiting_for_answer: int
    in_work: int
    due_soon: int
    late: int
    runs: list[ProductionRun] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return self.waiting_for_answer + self.in_work

    @property
    def is_empty(self) -> bool:
        return self.open_count == 0


def _open_with_deadline():
    return ProductionRun.objects.annotate(deadline_on=Coalesce("promised_date", "due_date")).filter(
        ~Q(status__in=TERMINAL_STATUSES)
    )


def admin_digest(*, now: datetime, today: date) -> AdminDigest:
    """Five queries: counts by status, late runs, runs that went late, runs completed, both lists."""
    since = now - timedelta(days=1)
    by_status = dict(
        ProductionRun.objects.filter(
            status__in=[
                RunStatus.PENDING_REVIEW,
                RunStatus.AWAITING_REASSIGNMENT,
                RunStatus.SENT_TO_PARTNER,
            ]
        )
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    late = _open_with_deadline().filter(deadline_on__lt=today).count()
    went_late_ids = list(
        Reminder.objects.filter(rule=Rule.LATE, created_at__gte=since, handled_at__isnull=False)
        .order_by("-created_at")
        .values_list("run_id", flat=True)[:200]
    )
    completed = ProductionRun.objects.filter(completed_at__gte=since, status=RunStatus.COMPLETED)
    completed_count = completed.count()
    completed_runs = list(
        completed.select_related("design", "partner").order_by("-completed_at")[:DIGEST_LIST_LENGTH]
    )
    went_late = list(
        ProductionRun.objects.select_related("design", "partner")
        .filter(pk__in=went_late_ids[:DIGEST_LIST_LENGTH])
        .exclude(status__in=TERMINAL_STATUSES)
        .order_by("number")
    )
    return AdminDigest(
        pending_review=by_status.get(RunStatus.PENDING_REVIEW, 0),
        awaiting_reassignment=by_status.get(RunStatus.AWAITING_REASSIGNMENT, 0),
        waiting_for_partner=by_status.get(RunStatus.SENT_TO_PARTNER, 0),
        late=late,
        went_late=went_late,
        went_late_count=len(went_late_ids),
        completed=completed_runs,
        completed_count=completed_count,
    )


def partner_digest(*, partner_id: str, today: date) -> PartnerDigest:
    """Two queries: the partner's open runs counted, and the first of them by deadline."""
    open_runs = _open_with_deadline().filter(
        partner_id=partner_id, status__in=[RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS]
    )
    soon = today + timedelta(days=DUE_SOON_DAYS)
    counts = open_runs.aggregate(
        waiting=Count("pk", filter=Q(status=RunStatus.SENT_TO_PARTNER)),
        in_work=Count("pk", filter=Q(status=RunStatus.IN_PROGRESS)),
        due_soon=Count("pk", filter=Q(deadline_on__gte=today, deadline_on__lte=soon)),
        late=Count("pk", filter=Q(deadline_on__lt=today)),
    )
    runs = list(
        open_runs.select_related("design").order_by(
            F("deadline_on").asc(nulls_last=True), "number"
        )[:DIGEST_LIST_LENGTH]
    )
    return PartnerDigest(
        waiting_for_answer=counts["waiting"],
        in_work=counts["in_work"],
        due_soon=counts["due_soon"],
        late=counts["late"],
        runs=runs,
    )


def rules_current() -> ChaseRules:
    return ChaseRules.current()


def rules_changes(*, limit: int = 20) -> list[ChaseRulesChange]:
    """The latest changes to the rules, newest first: who, when, what."""
    return list(ChaseRulesChange.objects.order_by("-changed_at", "-id")[:limit])
