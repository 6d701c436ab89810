"""The production-run state machine: the table, and the one function that applies it.

Every change of a run's status, and every notable action that leaves the
status as it is (start, finish, reassign, ...), goes through `transition()`:

1. the run row is locked and re-read (`SELECT … FOR UPDATE`; SQLite's
   IMMEDIATE transactions give the same serialisation);
2. a repeated action is a quiet no-op; a disallowed one raises
   `TransitionNotAllowed` naming the current status and what is missing;
3. the status is written with a compare-and-set UPDATE
   (`WHERE id = … AND status = <the status just read>`);
4. the history row and the outbox event are written,

all in one transaction. No other module writes a run's `status`
(`tests/test_status_writes.py` keeps it so).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loomworks.core.actors import Actor
from loomworks.core.errors import NotFound, TransitionNotAllowed
from loomworks.core.models import Counter
from loomworks.events.api import EventName, publish
from loomworks.production.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    ProductionPolicy,
    ProductionRun,
    RunHistory,
    RunStatus,
)

S = RunStatus
ADMIN, PARTNER, SYSTEM = Actor.ADMIN, Actor.PARTNER, Actor.SYSTEM


def _always_done(run: ProductionRun) -> bool:
    return False


@dataclass(frozen=True)
class RunTransition:
    """One row of the table."""

    action: str
    label: object  # lazily translated verb, for messages
    from_statuses: frozenset[str]
    to_status: str | None  # None: the status stays as it is
    event: str | None  # outbox event name; None for actions that only leave a history row
    actors: frozenset[str]
    # The run already shows this action's result: repeating it is a no-op.
    already_done: Callable[[ProductionRun], bool] = _always_done
    stamp: str | None = None  # timestamp field set to "now"
    on_parent: bool = True  # may it act on a run that has children?
    policy: bool = False  # may the production policy narrow its from-statuses for admins?
    kind: str = field(default="")
    # Narrower from-statuses for partners, where they differ from the brand's.
    partner_from: frozenset[str] | None = None

    @property
    def history_kind(self) -> str:
        return self.kind or self.action


_BEFORE_ACCEPTANCE = frozenset({S.APPROVED, S.SENT_TO_PARTNER, S.AWAITING_REASSIGNMENT})
_PRE_ACCEPT_EDITABLE = frozenset(
    {S.DRAFT, S.PENDING_REVIEW, S.APPROVED, S.SENT_TO_PARTNER, S.AWAITING_REASSIGNMENT}
)
_IN_WORK = frozenset({S.IN_PROGRESS, S.COMPLETED})

TRANSITIONS: dict[str, RunTransition] = {
    t.action: t
    for t in [
        RunTransition(
            "approve",
            gettext_lazy("approve"),
            frozenset({S.DRAFT, S.PENDING_REVIEW}),
            S.APPROVED,
            EventName.RUN_APPROVED,
            frozenset({ADMIN}),
            policy=True,
        ),
        RunTransition(
            "dispatch",
            gettext_lazy("send to production"),
            frozenset({S.APPROVED}),
            S.SENT_TO_PARTNER,
            EventName.RUN_SENT_TO_PARTNER,
            frozenset({ADMIN, SYSTEM}),
            stamp="last_sent_at",
            on_parent=False,
            policy=True,
        ),
        RunTransition(
            "accept",
            gettext_lazy("accept"),
            frozenset({S.SENT_TO_PARTNER}),
            S.IN_PROGRESS,
            EventName.RUN_ACCEPTED,
            frozenset({PARTNER, ADMIN}),
            already_done=lambda r: r.accepted_at is not None and r.status in _IN_WORK,
            stamp="accepted_at",
            on_parent=False,
            policy=True,
        ),
        RunTransition(
            "decline",
            gettext_lazy("decline"),
            frozenset({S.SENT_TO_PARTNER}),
            S.AWAITING_REASSIGNMENT,
            EventName.RUN_DECLINED,
            frozenset({PARTNER}),
            on_parent=False,
        ),
        RunTransition(
            "start",
            gettext_lazy("start"),
            frozenset({S.IN_PROGRESS}),
            None,
            EventName.RUN_STARTED,
            frozenset({PARTNER, ADMIN}),
            already_done=lambda r: r.started_at is not None and r.status in _IN_WORK,
            stamp="started_at",
            on_parent=False,
            policy=True,
        ),
        RunTransition(
            "finish",
            gettext_lazy("mark finished"),
            frozenset({S.IN_PROGRESS}),
            None,
            EventName.RUN_FINISHED,
            frozenset({PARTNER, ADMIN}),
            already_done=lambda r: r.finished_at is not None and r.status in _IN_WORK,
            stamp="finished_at",
            on_parent=False,
            policy=True,
        ),
        RunTransition(
            "complete",
            gettext_lazy("complete"),
            frozenset({S.IN_PROGRESS}),
            S.COMPLETED,
            EventName.RUN_COMPLETED,
            frozenset({PARTNER, ADMIN, SYSTEM}),
            already_done=lambda r: r.status == S.COMPLETED,
            stamp="completed_at",
            on_parent=False,
            policy=True,
        ),
        # The one end step a workshop takes: its last delivery hands the run over.
        RunTransition(
            "hand_over",
            gettext_lazy("hand over"),
            frozenset({S.IN_PROGRESS}),
            S.COMPLETED,
            EventName.RUN_COMPLETED,
            frozenset({PARTNER, ADMIN}),
            already_done=lambda r: r.status == S.COMPLETED,
            stamp="completed_at",
            on_parent=False,
            policy=True,
        ),
        # A batch of output recorded (good and rejected pieces); the run stays in progress.
        RunTransition(
            "deliver",
            gettext_lazy("record a delivery on"),
            frozenset({S.IN_PROGRESS}),
            None,
            EventName.RUN_DELIVERY_RECORDED,
            frozenset({PARTNER, ADMIN}),
            on_parent=False,
        ),
        RunTransition(
            "delivery_corrected",
            gettext_lazy("correct a delivery of"),
            frozenset({S.IN_PROGRESS, S.COMPLETED}),
            None,
            EventName.RUN_DELIVERY_CORRECTED,
            frozenset({ADMIN}),
            on_parent=False,
        ),
        # Rejected pieces sent to be remade in a new run (`related_run`).
        RunTransition(
            "rework",
            gettext_lazy("rework the rejected pieces of"),
            frozenset({S.IN_PROGRESS, S.COMPLETED}),
            None,
            EventName.RUN_REWORK_REQUESTED,
            frozenset({ADMIN}),
            on_parent=False,
            policy=True,
        ),
        # The step before delivered another quantity than planned: an admin confirms it.
        RunTransition(
            "quantity_proposed",
            gettext_lazy("propose a quantity for"),
            frozenset({S.APPROVED}),
            None,
            EventName.RUN_QUANTITY_TO_CONFIRM,
            frozenset({SYSTEM}),
        ),
        RunTransition(
            "quantity_followed",
            gettext_lazy("follow the delivered quantity on"),
            frozenset({S.APPROVED}),
            None,
            None,
            frozenset({SYSTEM}),
        ),
        RunTransition(
            "quantity_confirmed",
            gettext_lazy("confirm the quantity of"),
            frozenset({S.APPROVED}),
            None,
            None,
            frozenset({ADMIN}),
            on_parent=False,
        ),
        RunTransition(
            "reassign",
            gettext_lazy("reassign"),
            _BEFORE_ACCEPTANCE,
            None,
            EventName.RUN_PARTNER_REASSIGNED,
            frozenset({ADMIN}),
            on_parent=False,
            policy=True,
        ),
        RunTransition(
            "cancel",
            gettext_lazy("cancel"),
            frozenset(OPEN_STATUSES),
            S.CANCELLED,
            EventName.RUN_CANCELLED,
            # The system cancels the runs of an order the store cancelled.
            frozenset({ADMIN, SYSTEM}),
            already_done=lambda r: r.status == S.CANCELLED,
            stamp="cancelled_at",
            policy=True,
        ),
        # A parent follows its parts: in progress once one part is accepted,
        # completed or cancelled once every part has ended.
        RunTransition(
            "parts_started",
            gettext_lazy("follow its parts"),
            frozenset({S.APPROVED}),
            S.IN_PROGRESS,
            EventName.RUN_ACCEPTED,
            frozenset({SYSTEM}),
            already_done=lambda r: r.status != S.APPROVED,
            kind="parts_started",
        ),
        RunTransition(
            "parts_completed",
            gettext_lazy("complete"),
            frozenset({S.APPROVED, S.IN_PROGRESS}),
            S.COMPLETED,
            EventName.RUN_COMPLETED,
            frozenset({SYSTEM}),
            already_done=lambda r: r.status in TERMINAL_STATUSES,
            stamp="completed_at",
            kind="complete",
        ),
        RunTransition(
            "parts_cancelled",
            gettext_lazy("cancel"),
            frozenset({S.APPROVED, S.IN_PROGRESS}),
            S.CANCELLED,
            EventName.RUN_CANCELLED,
            frozenset({SYSTEM}),
            already_done=lambda r: r.status in TERMINAL_STATUSES,
            stamp="cancelled_at",
            kind="cancel",
        ),
        # Notable actions that leave the status where it is.
        RunTransition(
            "ready_to_dispatch",
            gettext_lazy("mark ready to dispatch"),
            frozenset({S.APPROVED}),
            None,
            EventName.RUN_READY_TO_DISPATCH,
            frozenset({SYSTEM}),
        ),
        RunTransition(
            "blocked",
            gettext_lazy("mark blocked"),
            frozenset(OPEN_STATUSES),
            None,
            EventName.RUN_BLOCKED,
            frozenset({SYSTEM}),
        ),
        # The promised (else due) date passed: recorded once per missed date by
        # the reminder rules (loomworks.reminders), the status left as it is.
        RunTransition(
            "late",
            gettext_lazy("mark late"),
            frozenset(OPEN_STATUSES),
            None,
            EventName.RUN_LATE,
            frozenset({SYSTEM}),
        ),
        RunTransition(
            "edit",
            gettext_lazy("edit"),
            _PRE_ACCEPT_EDITABLE,
            None,
            None,
            frozenset({ADMIN}),
            policy=True,
        ),
        RunTransition(
            "media_added",
            gettext_lazy("add files to"),
            frozenset(set(RunStatus.values) - {S.CANCELLED}),
            None,
            None,
            frozenset({ADMIN, PARTNER}),
            # A workshop acts on a run once it is sent to it, until it ends:
            # files follow the same rule as accepting, starting or finishing.
            partner_from=frozenset({S.SENT_TO_PARTNER, S.IN_PROGRESS}),
        ),
        RunTransition(
            "tasks_added",
            gettext_lazy("add tasks to"),
            frozenset(OPEN_STATUSES),
            None,
            None,
            frozenset({ADMIN}),
            on_parent=False,
            policy=True,
        ),
    ]
}

POLICY_ACTIONS = tuple(action for action, spec in TRANSITIONS.items() if spec.policy)

# Actions that move a run in work forward: they reset its `last_progress_at`,
# which the "no progress for K days" reminder reads. (Task work does the same
# through `record_progress`.)
PROGRESS_ACTIONS = frozenset({"accept", "start", "finish", "deliver", "media_added"})


def record_progress(run_id: str, *, at=None) -> None:
    """The run in work moved forward now (a task or checklist item done, material logged)."""
    ProductionRun.objects.filter(pk=run_id, status=S.IN_PROGRESS).update(
        last_progress_at=at or timezone.now()
    )


@dataclass
class TransitionResult:
    run: ProductionRun
    changed: bool
    history: RunHistory | None = None


def status_label(status: str) -> str:
    return str(RunStatus(status).label) if status in RunStatus.values else status


def _labels(statuses) -> str:
    ordered = [s for s in RunStatus.values if s in statuses]
    # Translators: a run status quoted in a sentence; use your language's quotation marks.
    return ", ".join(_("“%(status)s”") % {"status": status_label(s)} for s in ordered)


def policy_config() -> dict:
    """The production policy's narrowing of admin actions (one query); pass it to
    `allowed_actions` so a page asks once, not once per action."""
    return ProductionPolicy.current().config


def allowed_from(action: str, *, actor: Actor, policy: dict | None = None) -> frozenset[str]:
    """The statuses `action` may start from for `actor`, the admin policy applied."""
    spec = TRANSITIONS[action]
    statuses = spec.from_statuses
    if actor.is_partner and spec.partner_from is not None:
        statuses = spec.partner_from
    if actor.is_admin and spec.policy:
        configured = (policy if policy is not None else policy_config()).get(action)
        if configured is not None:
            statuses = statuses & frozenset(configured)
    return statuses


def _not_permitted(spec: RunTransition, run: ProductionRun, actor: Actor) -> str | None:
    """Why `actor` may never apply `spec`, whatever the run's status, or None."""
    if actor.kind not in spec.actors:
        return _("Only %(who)s can %(action)s %(ref)s.") % {
            "who": ", ".join(sorted(spec.actors)),
            "action": spec.label,
            "ref": run.reference,
        }
    return None


def _refusal(
    spec: RunTransition,
    run,
    actor: Actor,
    *,
    has_parts: bool | None = None,
    policy: dict | None = None,
) -> str | None:
    """Why `actor` may not apply `spec` to `run` now, or None when it may.

    `run` is a `ProductionRun` or a read object with the same fields. Without
    `has_parts` the run's parts are looked up (one query).
    """
    reference = run.reference
    statuses = allowed_from(spec.action, actor=actor, policy=policy)
    if run.status not in statuses:
        if run.status in TERMINAL_STATUSES:
            return _("%(ref)s is %(status)s; nothing more can be done with it.") % {
                "ref": reference,
                "status": status_label(run.status),
            }
        if not statuses:
            return _("The production policy does not let admins %(action)s runs.") % {
                "action": spec.label
            }
        return _("Cannot %(action)s %(ref)s while it is %(status)s; it must be %(allowed)s.") % {
            "action": spec.label,
            "ref": reference,
            "status": status_label(run.status),
            "allowed": _labels(statuses),
        }
    if has_parts is None and not spec.on_parent:
        has_parts = ProductionRun.objects.filter(parent_id=run.pk).exists()
    if not spec.on_parent and has_parts:
        return _("%(ref)s is split into parts, one per partner; %(action)s its parts instead.") % {
            "ref": reference,
            "action": spec.label,
        }
    if spec.action == "start" and run.accepted_at is None:
        return _("%(ref)s must be accepted before it is started.") % {"ref": reference}
    if spec.action == "finish" and run.started_at is None:
        return _("Start %(ref)s before marking it finished.") % {"ref": reference}
    if spec.action == "complete" and actor.is_partner and run.finished_at is None:
        return _("Mark %(ref)s finished before completing it.") % {"ref": reference}
    if spec.action == "dispatch" and getattr(run, "proposed_quantity", None) is not None:
        return _("Confirm the quantity of %(ref)s before sending it.") % {"ref": reference}
    if spec.action == "quantity_confirmed" and getattr(run, "proposed_quantity", None) is None:
        return _("%(ref)s has no quantity waiting to be confirmed.") % {"ref": reference}
    if spec.action == "rework" and not _rejected(run):
        return _("%(ref)s has no rejected pieces to rework.") % {"ref": reference}
    return None


def _rejected(run) -> int:
    """Rejected pieces delivered on `run` (a model row or a read object)."""
    output = getattr(run, "output", None)
    if output is not None:
        return output.rejected
    return getattr(run, "rejected_quantity", None) or 0


@dataclass(frozen=True)
class ActionCheck:
    """One action of the table for one actor and run: allowed now, or why not."""

    action: str
    reason: str | None

    @property
    def allowed(self) -> bool:
        return self.reason is None


def allowed_actions(
    run, actor: Actor, *, has_parts: bool, policy: dict | None = None
) -> tuple[ActionCheck, ...]:
    """Every action of the table `actor` may ever take, each allowed now or refused with
    the reason `transition()` would give. Repeating what is already done is not offered.

    From the same table and the same checks as `transition()`, so a button is
    shown exactly when the action would go through the state machine (a
    service's own guard, such as "a dispatch needs a partner", may still say no).
    Pass `has_parts` and, for admins, `policy` (`policy_config()`): this runs no query.
    """
    if actor.is_admin and policy is None:
        policy = policy_config()
    checks = []
    for spec in TRANSITIONS.values():
        if _not_permitted(spec, run, actor):
            continue
        if spec.already_done(run):
            reason = _("%(ref)s is already where this action would take it.") % {
                "ref": run.reference
            }
        else:
            reason = _refusal(spec, run, actor, has_parts=has_parts, policy=policy)
        checks.append(ActionCheck(spec.action, reason))
    return tuple(checks)


def run_payload(run: ProductionRun, **extra) -> dict:
    return {
        "run_id": run.pk,
        "reference": run.reference,
        "status": run.status,
        "run_type": run.run_type,
        "design_id": run.design_id,
        "partner_id": run.partner_id,
        "parent_run_id": run.parent_id,
        "previous_partner_id": run.previous_partner_id,
        "rework_of_run_id": run.rework_of_id,
        **extra,
    }


def transition(
    run: ProductionRun | str,
    action: str,
    *,
    actor: Actor,
    note: str = "",
    changes: dict | Callable[[ProductionRun], dict] | None = None,
    details: dict | None = None,
    related_run: ProductionRun | None = None,
    to_status: str | Callable[[ProductionRun], str | None] | None = None,
    event_extra: dict | Callable[[ProductionRun], dict] | None = None,
    guard: Callable[[ProductionRun], str | None] | None = None,
) -> TransitionResult:
    """Apply `action` to the run. See the module docstring for the guarantees.

    `changes` are other fields written in the same UPDATE (the new partner of a
    reassignment, a promised date); `event_extra` adds to the event's payload;
    `to_status` overrides the table's target
    for actions whose target depends on where the run is (reassign); `guard`
    adds a check of the caller's (a dispatch needs an active partner). The
    callable forms receive the locked, freshly read run.
    """
    spec = TRANSITIONS[action]
    run_id = run if isinstance(run, str) else run.pk
    with transaction.atomic():
        current = ProductionRun.objects.select_for_update().filter(pk=run_id).first()
        if current is None:
            raise NotFound(_("No production run with id %(id)s.") % {"id": run_id})
        if actor.is_partner and current.partner_id != actor.partner_id:
            raise NotFound(_("No production run with id %(id)s.") % {"id": run_id})
        # Who may act comes before "already done": a partner repeating an
        # admin-only action (cancel) is refused, not answered with a no-op.
        reason = _not_permitted(spec, current, actor)
        if reason:
            raise TransitionNotAllowed(reason, status=current.status, action=action)
        if spec.already_done(current):
            return TransitionResult(run=current, changed=False)
        reason = _refusal(spec, current, actor) or (guard(current) if guard else None)
        if reason:
            raise TransitionNotAllowed(reason, status=current.status, action=action)

        now = timezone.now()
        from_status = current.status
        if callable(to_status):
            to_status = to_status(current)
        if callable(changes):
            changes = changes(current)
        if callable(event_extra):
            event_extra = event_extra(current)
        if changes and "status" in changes:  # the status comes from the table, nowhere else
            raise ValueError("transition() changes may not include the status.")
        new_status = to_status or spec.to_status or from_status
        values = {"status": new_status, "updated_at": now, **(changes or {})}
        if spec.stamp:
            values[spec.stamp] = now
        if new_status == S.SENT_TO_PARTNER and action == "reassign":
            values["last_sent_at"] = now  # the new partner was just sent it: its clock starts again
        if action in PROGRESS_ACTIONS and new_status == S.IN_PROGRESS:
            values["last_progress_at"] = now
        updated = ProductionRun.objects.filter(pk=current.pk, status=from_status).update(**values)
        if updated != 1:  # cannot happen under the row lock; refuse rather than guess
            raise TransitionNotAllowed(
                _("%(ref)s changed while this was being done; try again.")
                % {"ref": current.reference},
                status=from_status,
                action=action,
            )
        for name, value in values.items():
            setattr(current, name, value)
        history = RunHistory.objects.create(
            run=current,
            kind=spec.history_kind,
            from_status=from_status,
            to_status=new_status,
            actor_kind=actor.kind,
            actor_id=actor.user_id,
            actor_name=actor.name,
            note=note,
            details={**(details or {}), **actor.audit_details()},
            related_run=related_run,
            occurred_at=now,
        )
        if spec.event:
            publish(
                spec.event,
                run_payload(
                    current,
                    action=action,
                    from_status=from_status,
                    to_status=new_status,
                    actor=actor.as_payload(),
                    note=note,
                    **(event_extra or {}),
                ),
                aggregate_type="production_run",
                aggregate_id=current.pk,
            )
    return TransitionResult(run=current, changed=True, history=history)


def record_creation(
    run: ProductionRun, *, actor: Actor, status: str, note: str = ""
) -> ProductionRun:
    """Insert a new run in its first status, with its `created` history row and event."""
    if status not in (S.DRAFT, S.PENDING_REVIEW, S.APPROVED):
        raise ValueError(f"A run cannot be created as {status!r}.")
    with transaction.atomic():
        run.number = Counter.next_value("production_run")
        run.status = status
        run.save(force_insert=True)
        RunHistory.objects.create(
            run=run,
            kind="created",
            from_status="",
            to_status=status,
            actor_kind=actor.kind,
            actor_id=actor.user_id,
            actor_name=actor.name,
            note=note,
            details=actor.audit_details(),
            occurred_at=run.created_at,
        )
        publish(
            EventName.RUN_CREATED,
            run_payload(run, to_status=status, actor=actor.as_payload()),
            aggregate_type="production_run",
            aggregate_id=run.pk,
        )
    return run
