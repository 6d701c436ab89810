"""Random sequences of everything anyone can do to a run tree, with the invariants checked after each step.

Hypothesis drives admins, partners, the system, task work and the outbox in
any order on a parent split into three parts (two cutting, then sewing) and
a stand-alone run. After every step:

- every status change of every run has exactly one history row and one
  event, and the history is an unbroken chain ending at the run's status;
  every task's events walk from its creation to its status;
- an action that was refused wrote nothing;
- a run that reached `completed` or `cancelled` never changes again;
- no open task sits on a terminal run; no run was sent while a run it
  depends on was not completed; no run completed without being accepted
  (parents aside);
- once the outbox is drained, a parent is terminal exactly when all its
  parts are.
"""

import os
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from loomworks.core.actors import Actor
from loomworks.core.errors import DomainError
from loomworks.events.api import drain
from loomworks.events.models import Event
from loomworks.production import services
from loomworks.production.models import (
    TERMINAL_STATUSES,
    ProductionRun,
    RunDependency,
    RunHistory,
)
from loomworks.production.services import Assignment
from loomworks.work.models import OPEN_TASK_STATUSES, Task
from tests.conftest import Workshop
from tests.factories import AdminFactory, DesignFactory, TemplateFactory
from tests.production.support import pending_deliveries, world

RUNS = st.integers(min_value=0, max_value=4)
TASKS = st.integers(min_value=0, max_value=200)
WHO = st.sampled_from(["holder", "holder", "holder", 0, 1, 2])  # mostly the right partner
CHOICES = st.integers(min_value=0, max_value=9)  # which of the usual next steps
OPEN_RUN_STATUSES = (
    "draft",
    "pending_review",
    "approved",
    "sent_to_partner",
    "awaiting_reassignment",
    "in_progress",
)


class RunTree(RuleBasedStateMachine):
    """parent -> [cut A (sent at approval), cut B] -> sew C (sent by itself); plus S alone."""

    @initialize()
    def build(self):
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.admin = Actor.admin(AdminFactory())
        self.system = Actor.system()
        self.workshops = [Workshop() for _ in range(3)]
        self.templates = [
            TemplateFactory(checklist=["Lay", "Cut"]),
            TemplateFactory(checklist=[]),
        ]
        design = DesignFactory()
        parent = services.run_create(design=design, actor=self.admin, quantity=4)
        w = [workshop.partner.pk for workshop in self.workshops]
        parts = services.run_approve(
            run=parent,
            actor=self.admin,
            assignments=[
                Assignment(partner_id=w[0], quantity=2, template_ids=[self.templates[0].pk]),
                Assignment(partner_id=w[1], quantity=2),
                Assignment(
                    partner_id=w[2], quantity=4, order=2, template_ids=[self.templates[1].pk]
                ),
            ],
        ).children
        alone = services.run_create(
            design=design, actor=self.admin, quantity=3, partner=self.workshops[1].partner
        )
        self.run_ids = [parent.pk, *(p.pk for p in parts), alone.pk]
        self.parent_id = parent.pk
        self.ended: dict[str, tuple] = {}

    def teardown(self):
        if hasattr(self, "_savepoint"):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    def run(self, index, statuses=None) -> ProductionRun:
        """Mostly a run where the action makes sense, so sequences get somewhere."""
        runs = list(ProductionRun.objects.filter(pk__in=self.run_ids).order_by("number"))
        fitting = [run for run in runs if statuses is None or run.status in statuses]
        choices = fitting or runs
        return choices[index % len(choices)]

    def partner_actor(self, run, who) -> Actor:
        if who == "holder":
            holder = run.partner_id or run.previous_partner_id
            for workshop in self.workshops:
                if workshop.partner.pk == holder:
                    return workshop.actor
            who = 0
        return self.workshops[who].actor

    def task(self, index, *, workable: bool) -> Task | None:
        tasks = Task.objects.filter(run_id__in=self.run_ids).order_by("created_at", "id")
        if workable:
            fitting = tasks.filter(run__status="in_progress", status__in=OPEN_TASK_STATUSES)
            tasks = fitting if fitting.exists() else tasks
        tasks = list(tasks.select_related("run", "parent"))
        return tasks[index % len(tasks)] if tasks else None

    def attempt(self, act) -> None:
        """Do it; if it is refused, it must have written nothing."""
        before = world()
        try:
            act()
        except DomainError:
            assert world() == before, "a refused action wrote something"

    # ------------------------------------------------------------ the story moves on

    @rule(index=RUNS, choice=CHOICES)
    def someone_takes_the_next_step(self, index, choice):
        """The step a run's story usually takes next, by whoever takes it."""
        run = self.run(index, OPEN_RUN_STATUSES)
        act = self.next_step(run, choice)
        if act is not None:
            self.attempt(act)

    @rule(choice=CHOICES)
    def the_parts_move_on_in_order(self, choice):
        """The earliest open part takes its next step: the tree's story gets to its end."""
        parts = ProductionRun.objects.filter(
            parent_id=self.parent_id, status__in=OPEN_RUN_STATUSES
        ).order_by("order_group", "number")
        part = parts.first()
        act = self.next_step(part, choice) if part else None
        if act is not None:
            self.attempt(act)

    def next_step(self, run, choice):
        admin, holder = self.admin, self.partner_actor(run, "holder")
        other = self.workshops[choice % 3].partner
        template = [self.templates[choice % 2].pk]
        match run.status, choice:
            case (("draft" | "pending_review"), _):
                return lambda: services.run_approve(run=run, actor=admin)
            case (("approved" | "sent_to_partner" | "awaiting_reassignment"), 5):
                return lambda: services.run_reassign(run=run, partner=other, actor=admin)
            case "awaiting_reassignment", _:
                return lambda: services.run_reassign(run=run, partner=other, actor=admin)
            case "approved", _:
                return lambda: services.run_dispatch(run=run, template_ids=template, actor=admin)
            case "sent_to_partner", 0:
                return lambda: services.run_decline(run=run, actor=holder, reason="capacity")
            case "sent_to_partner", _:
                return lambda: services.run_accept(run=run, actor=holder)
            case "in_progress", 0:
                return lambda: services.run_add_tasks(run=run, actor=admin, title="Redo")
            case "in_progress", 1:
                return lambda: services.run_start(run=run, actor=holder)
            case "in_progress", 2:
                return lambda: services.run_finish(run=run, actor=holder)
            case "in_progress", 3:
                return lambda: services.run_complete(run=run, actor=holder)
            case "in_progress", _:
                task = run.tasks.filter(status__in=OPEN_TASK_STATUSES).order_by("id").first()
                if task is not None:
                    return lambda: services.run_task_finish(task=task, actor=holder)
        return None

    @rule(index=RUNS, mood=st.integers(min_value=0, max_value=2))
    def admin_cancels(self, index, mood):
        if mood:  # cancelling ends the story: do it less often than the rest
            return
        run = self.run(index)
        self.attempt(lambda: services.run_cancel(run=run, actor=self.admin, reason="random"))

    # ------------------------------------------------------------ task work

    @rule(
        index=TASKS,
        who=WHO,
        action=st.sampled_from(["accept", "finish", "item", "item", "comment"]),
    )
    def partner_works_a_task(self, index, who, action):
        task = self.task(index, workable=action != "comment")
        if task is None:
            return
        actor = self.partner_actor(task.run, who)
        if action == "accept":
            self.attempt(lambda: services.run_task_accept(task=task, actor=actor))
        elif action == "comment":
            self.attempt(lambda: services.task_comment_add(task=task, actor=actor, body="?"))
        elif action == "finish" or task.parent_id is None:
            self.attempt(lambda: services.run_task_finish(task=task, actor=actor))
        else:
            parent = task.parent
            self.attempt(
                lambda: services.run_subtask_complete(task=parent, subtask=task, actor=actor)
            )

    # ------------------------------------------------------------ anyone, anything

    @rule(
        index=RUNS,
        who=st.sampled_from(["admin", "system", "holder", 0, 1, 2]),
        action=st.sampled_from(
            ["approve", "accept", "decline", "start", "finish", "complete", "cancel"]
        ),
    )
    def anyone_tries_anything(self, index, who, action):
        """Mostly refusals, which must write nothing (the system may complete any run)."""
        run = self.run(index)
        actor = {"admin": self.admin, "system": self.system}.get(who) or self.partner_actor(
            run, who
        )
        kwargs = {"reason": "other"} if action in ("decline", "cancel") else {}
        act = getattr(services, f"run_{action}")
        self.attempt(lambda: act(run=run, actor=actor, **kwargs))

    # ------------------------------------------------------------ the system

    @rule()
    def outbox_drains(self):
        drain()

    # ------------------------------------------------------------ invariants

    @invariant()
    def invariants_hold(self):
        """Load the tree once (a handful of queries), then check every invariant on it."""
        if not hasattr(self, "run_ids"):
            return
        runs = {run.pk: run for run in ProductionRun.objects.filter(pk__in=self.run_ids)}
        rows = defaultdict(list)
        for row in RunHistory.objects.filter(run_id__in=self.run_ids).order_by("occurred_at", "id"):
            rows[row.run_id].append(row)
        run_events = defaultdict(list)
        for event in Event.objects.filter(
            aggregate_type="production_run", aggregate_id__in=self.run_ids
        ):
            run_events[event.aggregate_id].append(event)
        tasks = {t.pk: t for t in Task.objects.filter(run_id__in=self.run_ids)}
        task_events = Event.objects.filter(aggregate_type="task", aggregate_id__in=list(tasks))
        for run in runs.values():
            self.check_history(run, rows[run.pk], run_events[run.pk])
            self.check_ended_run(run, rows[run.pk], tasks)
        self.check_tasks(tasks, task_events.exclude(name="task.comment_added"))
        self.check_dependencies(runs)
        self.check_parent(runs)

    @staticmethod
    def check_history(run, rows, events):
        """One history row and one event per status change; the rows form a chain."""
        current = ""
        for row in rows:
            assert row.from_status == current, (run.reference, row.kind, current)
            current = row.to_status
        assert current == run.status, (run.reference, current, run.status)
        in_history = Counter(
            (r.from_status, r.to_status) for r in rows if r.from_status != r.to_status
        )
        in_events = Counter(
            (e.payload.get("from_status", ""), e.payload["to_status"])
            for e in events
            if e.payload.get("from_status", "") != e.payload.get("to_status")
        )
        assert in_history == in_events, (run.reference, in_history, in_events)

    def check_ended_run(self, run, rows, tasks):
        """A completed or cancelled run never changes again, and keeps no open task."""
        own_tasks = [t for t in tasks.values() if t.run_id == run.pk]
        if run.status not in TERMINAL_STATUSES:
            assert run.pk not in self.ended, f"{run.reference} left {self.ended.get(run.pk)}"
            return
        assert not [t for t in own_tasks if t.status in OPEN_TASK_STATUSES], run.reference
        frozen = (
            run.status,
            run.partner_id,
            run.accepted_at,
            run.started_at,
            run.finished_at,
            run.completed_at,
            run.cancelled_at,
            run.updated_at,
            len(rows),
            len(own_tasks),
        )
        assert self.ended.setdefault(run.pk, frozen) == frozen, run.reference
        if run.status == "completed":  # nothing completes without being accepted (parents aside)
            assert run.accepted_at is not None or run.pk == self.parent_id, run.reference

    @staticmethod
    def check_tasks(tasks, events):
        """Every task's events walk from its creation to its status, one step each."""
        steps = defaultdict(dict)
        for event in events:
            start = event.payload.get("from_status", "")
            assert start not in steps[event.aggregate_id], "a task moved twice from one status"
            steps[event.aggregate_id][start] = event.payload.get(
                "to_status", event.payload.get("status")
            )
        for task_id, task in tasks.items():
            path, current = dict(steps[task_id]), ""
            while current in path:
                current = path.pop(current)
            assert not path and current == task.status, (task.title, task.status, current)

    def check_dependencies(self, runs):
        """No run is sent before every run it depends on has completed."""
        for run_id, depends_on in RunDependency.objects.filter(run_id__in=self.run_ids).values_list(
            "run_id", "depends_on_id"
        ):
            run = runs[run_id]
            if run.accepted_at or run.status in ("sent_to_partner", "awaiting_reassignment"):
                assert runs[depends_on].status == "completed", (run.reference, run.status)

    def check_parent(self, runs):
        """Once the outbox is drained, the parent has ended exactly when all its parts have."""
        if pending_deliveries():
            return
        parent = runs[self.parent_id]
        parts = [run.status for run in runs.values() if run.parent_id == parent.pk]
        all_ended = all(status in TERMINAL_STATUSES for status in parts)
        assert (parent.status in TERMINAL_STATUSES) == all_ended, (parent.status, parts)


CI_PROFILE = {"derandomize": True, "database": None} if os.environ.get("CI") else {}


@pytest.mark.django_db
def test_random_sequences_of_actions_keep_the_invariants():
    run_state_machine_as_test(
        RunTree,
        settings=settings(
            max_examples=int(os.environ.get("LOOMWORKS_STATEFUL_EXAMPLES", "30")),
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            **CI_PROFILE,
        ),
    )
