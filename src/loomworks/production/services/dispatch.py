"""Sending a run to its partner with tasks, and adding tasks to a run (a redo).

All or nothing: a refused dispatch leaves no task behind.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import (
    InvalidInput,
)
from loomworks.production.models import (
    ProductionRun,
    RunStatus,
)
from loomworks.production.states import (
    status_label,
    transition,
)
from loomworks.work import services as work
from loomworks.work.models import Task


def _unmet_dependencies(run: ProductionRun) -> list[ProductionRun]:
    return list(run.depends_on.exclude(status=RunStatus.COMPLETED).order_by("number"))


def _dispatch_guard(current: ProductionRun) -> str | None:
    if current.partner_id is None:
        return _("%(ref)s has no partner; reassign it to one before sending it.") % {
            "ref": current.reference
        }
    partner = current.partner
    if not partner.is_active:
        return _("%(partner)s is %(status)s; reassign %(ref)s to an active partner.") % {
            "partner": partner.name,
            "status": partner.get_status_display().lower(),
            "ref": current.reference,
        }
    waiting = _unmet_dependencies(current)
    if waiting:
        return _("%(ref)s waits for %(others)s to complete first.") % {
            "ref": current.reference,
            "others": ", ".join(f"{d.reference} ({status_label(d.status)})" for d in waiting),
        }
    return None


@dataclass
class DispatchResult:
    run: ProductionRun
    tasks: list[Task]


@transaction.atomic
def run_dispatch(
    *, run: ProductionRun, template_ids: Sequence[str], actor: Actor
) -> DispatchResult:
    """Send a run to its partner with one task per template, in the order given.

    All or nothing: unknown templates are refused before anything is written,
    and a refused dispatch leaves no task behind.
    """
    if not template_ids:
        raise InvalidInput("template_ids", _("Choose at least one task template."))
    # What the approval planned stays allowed, even if a template was archived since.
    templates = work.templates_by_ids(template_ids, planned=run.planned_template_ids or ())
    result = transition(
        run,
        "dispatch",
        actor=actor,
        guard=_dispatch_guard,
        details={"template_ids": list(template_ids)},
    )
    tasks = work.tasks_create_from_templates(
        run=result.run, partner=result.run.partner, templates=templates, actor=actor
    )
    return DispatchResult(run=result.run, tasks=tasks)


@transaction.atomic
def run_add_tasks(
    *,
    run: ProductionRun,
    actor: Actor,
    template_ids: Sequence[str] | None = None,
    title: str | None = None,
    description: str = "",
) -> list[Task]:
    """More work for a run that is not over (a redo): from templates, or one free-text task."""
    templates = work.templates_by_ids(list(template_ids)) if template_ids else []
    title = (title or "").strip()
    if not templates and not title:
        raise InvalidInput("template_ids", _("Choose a template or give the task a title."))
    titles = [template.name for template in templates] + ([title] if title else [])
    result = transition(
        run, "tasks_added", actor=actor, note=", ".join(titles), details={"titles": titles}
    )
    tasks = work.tasks_create_from_templates(
        run=result.run, partner=result.run.partner, templates=templates, actor=actor
    )
    if title:
        tasks.append(
            work.task_create(
                run=result.run,
                partner=result.run.partner,
                title=title,
                description=description,
                actor=actor,
            )
        )
    return tasks
