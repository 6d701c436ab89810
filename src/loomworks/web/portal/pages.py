"""What the run page and a task card show, gathered in a fixed number of queries.

The selectors load; this module decides what a partner may do next and
phrases it: the one primary action, why a checklist is locked, who did
what in the timeline (another workshop stays anonymous).
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loomworks.core.actors import Actor
from loomworks.production.models import ProductionRun, RunStatus
from loomworks.production.selectors import progress_of, related_runs_for_partner
from loomworks.production.states import allowed_from
from loomworks.web.portal.forms import AcceptForm, CommentForm, ConsumptionForm, DeclineForm
from loomworks.web.portal.selectors import (
    comments_by_task,
    material_choices,
    material_use,
    member_user_ids,
    my_run,
    my_task,
    recent_consumption,
    run_media,
    run_timeline,
)
from loomworks.work.models import AuthorKind, TaskStatus

HISTORY_LABELS = {
    "created": gettext_lazy("Created"),
    "approve": gettext_lazy("Approved"),
    "dispatch": gettext_lazy("Sent to the workshop"),
    "accept": gettext_lazy("Accepted"),
    "decline": gettext_lazy("Declined"),
    "start": gettext_lazy("Started"),
    "finish": gettext_lazy("Marked finished"),
    "complete": gettext_lazy("Completed"),
    "cancel": gettext_lazy("Cancelled"),
    "reassign": gettext_lazy("Given to a workshop"),
    "parts_started": gettext_lazy("Work began on a part"),
    "ready_to_dispatch": gettext_lazy("Ready to send"),
    "blocked": gettext_lazy("Blocked"),
    "edit": gettext_lazy("Details changed"),
    "media_added": gettext_lazy("Files added"),
    "tasks_added": gettext_lazy("Tasks added"),
}

HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


# ---------------------------------------------------------------- what the partner may do


def work_lock(run: ProductionRun) -> str:
    """Why the run's checklist cannot be worked on now ("" when it can)."""
    if run.status == RunStatus.IN_PROGRESS:
        return ""
    if run.status == RunStatus.SENT_TO_PARTNER:
        return _("Accept the run first.")
    if run.status == RunStatus.APPROVED:
        return _("The brand has not sent this run yet.")
    if run.status == RunStatus.COMPLETED:
        return _("The run is completed.")
    if run.status == RunStatus.CANCELLED:
        return _("The run was cancelled.")
    return _("This run cannot be worked on now.")


def primary_action(run: ProductionRun) -> str:
    """The one next step for the workshop: accept, start, finish, complete, or nothing."""
    if run.status == RunStatus.SENT_TO_PARTNER:
        return "accept"
    if run.status == RunStatus.IN_PROGRESS:
        if not run.started_at:
            return "start"
        if not run.finished_at:
            return "finish"
        return "complete"
    return ""


def guidance(run: ProductionRun) -> str:
    if run.status == RunStatus.APPROVED:
        return _("Upcoming work: the brand will send it to you when it is ready.")
    if run.status == RunStatus.SENT_TO_PARTNER:
        return _("The brand sent you this run. Accept it to begin, or decline it with a reason.")
    if run.status == RunStatus.IN_PROGRESS:
        if not run.started_at:
            return _("You accepted this run. Start it when work begins.")
        if not run.finished_at:
            return _(
                "Tick off the checklist as you go. Mark the run finished when the work is done."
            )
        return _("Complete the run once everything is handed over.")
    if run.status == RunStatus.COMPLETED:
        return _("This run is completed.")
    if run.status == RunStatus.CANCELLED:
        return _("The brand cancelled this run.")
    return ""


def decorate_task(task, lock: str) -> None:
    """Mark what may be done with a top-level task and its checklist."""
    can_work = not lock
    checklist = getattr(task, "checklist", [])
    live = [item for item in checklist if item.status != TaskStatus.CANCELLED]
    task.checklist_done = sum(1 for item in live if item.status == TaskStatus.COMPLETED)
    task.checklist_total = len(live)
    for item in checklist:
        item.can_tick = can_work and item.is_open
    # Accepting is the workshop saying "we are on it"; once an item is ticked it goes without saying.
    task.can_accept = can_work and task.status == TaskStatus.PENDING and not task.checklist_done
    task.can_finish = can_work and task.is_open and not live
    has_open_work = task.is_open or any(item.is_open for item in checklist)
    task.lock = lock if has_open_work else ""


# ---------------------------------------------------------------- the design, from the snapshot


def _label(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _measurements_text(measurements) -> str:
    if isinstance(measurements, dict):
        return ", ".join(f"{_label(k)}: {v}" for k, v in measurements.items())
    return str(measurements or "")


def design_facts(run: ProductionRun) -> dict:
    """What the partner was asked to make: the design as it was when the run was created."""
    snapshot = run.snapshot or {}
    design = snapshot.get("design") or {}
    sizes = [
        (size.get("size_label", ""), size.get("measurements") or {})
        for size in snapshot.get("size_sets", [])
        if isinstance(size, dict)
    ]
    sizes = [(label, m if isinstance(m, dict) else {}) for label, m in sizes]
    columns: list[str] = []
    for _size_label, measurements in sizes:
        columns.extend(key for key in measurements if key not in columns)
    size_rows = [
        {"label": label, "values": [measurements.get(key, "") for key in columns]}
        for label, measurements in sizes
    ]
    return {
        "name": design.get("name") or run.design.name,
        "description": design.get("description", run.design.description),
        "thumbnail_url": design.get("thumbnail_url") or run.design.thumbnail_url,
        "tags": design.get("tags") or [],
        "notes": design.get("notes") or "",
        "colors": [
            {
                "name": c.get("name", ""),
                "hex": c.get("hex_code") if HEX_COLOUR.match(str(c.get("hex_code", ""))) else "",
                "notes": c.get("usage_notes", ""),
            }
            for c in snapshot.get("colors", [])
            if isinstance(c, dict)
        ],
        "size_columns": [_label(key) for key in columns],
        "size_rows": size_rows,
        "specifications": [
            {
                "title": s.get("title", ""),
                "category": s.get("category", ""),
                "details": s.get("details", ""),
                "measurements": _measurements_text(s.get("measurements")),
            }
            for s in snapshot.get("specifications", [])
            if isinstance(s, dict)
        ],
    }


# ---------------------------------------------------------------- the timeline


def anonymise_other_workshops(comments, own_user_ids: set[int]) -> None:
    """Comments written by people of another workshop (before a reassignment) lose their names."""
    for comment in comments:
        if comment.author_kind == AuthorKind.PARTNER and comment.author_id not in own_user_ids:
            comment.author_name = _("Another workshop")


def timeline(run: ProductionRun, own: set[int]) -> list[dict]:
    """The run's history; another workshop's steps show without its people or notes."""
    entries = []
    for row in run_timeline(run):
        other_workshop = row.actor_kind == Actor.PARTNER and row.actor_id not in own
        if other_workshop:
            who = _("Another workshop")
        elif row.actor_kind == Actor.SYSTEM:
            who = _("Loomworks")
        elif row.actor_kind == Actor.ADMIN:
            who = _("%(name)s (brand)") % {"name": row.actor_name}
        else:
            who = row.actor_name
        entries.append(
            {
                "label": HISTORY_LABELS.get(row.kind, _label(row.kind)),
                "who": who,
                "at": row.occurred_at,
                "from_status": row.from_status,
                "to_status": row.to_status,
                "changed": bool(row.from_status) and row.from_status != row.to_status,
                "note": "" if other_workshop else row.note,
            }
        )
    return entries


# ---------------------------------------------------------------- the pages


def _material_options(run: ProductionRun) -> dict:
    planned_ids = {m.get("material_id") for m in run.snapshot.get("materials", [])}
    planned, others = [], []
    for material in material_choices(run):
        (planned if material.pk in planned_ids else others).append(material)
    return {"planned": planned, "others": others}


def run_page_context(request, run_id: str, *, forms: dict) -> dict:
    partner = request.partner
    run = my_run(partner, run_id)
    lock = work_lock(run)
    own = member_user_ids(partner)
    threads = comments_by_task(partner, run=run)
    comment_task_id, comment_form = forms.get("comment", (None, None))
    for task in run.my_tasks:
        decorate_task(task, lock)
        task.thread = threads.get(task.pk, [])
        anonymise_other_workshops(task.thread, own)
        task.comment_form = comment_form if task.pk == comment_task_id else None
    progress = progress_of(run)
    return {
        "run": run,
        "nav": "runs",
        "progress": progress,
        "open_leaves": progress["total"] - progress["completed"],
        "action": primary_action(run),
        "guidance": guidance(run),
        "design": design_facts(run),
        "tasks": run.my_tasks,
        "related": related_runs_for_partner(run, partner),
        "timeline": timeline(run, own),
        "material_use": material_use(run),
        "consumption_logs": recent_consumption(run),
        "materials": _material_options(run),
        "can_log": run.status == RunStatus.IN_PROGRESS,
        "media": run_media(run),
        "can_upload": run.status in allowed_from("media_added", actor=request.actor),
        "accept_form": forms.get("accept") or AcceptForm(),
        "decline_form": forms.get("decline") or DeclineForm(),
        "consumption_form": forms.get("consumption") or ConsumptionForm(),
        "media_error": forms.get("media_error", ""),
        "empty_comment_form": CommentForm(),
    }


def task_card_context(request, task_id: str, *, notice="", error="", comment_form=None) -> dict:
    """One task card after an htmx action, with the run's progress to swap in beside it."""
    partner = request.partner
    task = my_task(partner, task_id)
    run = task.run
    lock = work_lock(run) if run else ""
    decorate_task(task, lock)
    task.thread = comments_by_task(partner, task=task).get(task.pk, [])
    anonymise_other_workshops(task.thread, member_user_ids(partner))
    task.comment_form = comment_form
    task.notice = notice
    task.error = error
    return {
        "task": task,
        "run": run,
        "progress": progress_of(run) if run else None,
        "oob": True,
        "empty_comment_form": CommentForm(),
    }
