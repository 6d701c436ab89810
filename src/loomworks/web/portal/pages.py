"""What the run page and a task card show, formatted from the partner's read model.

`production.partner_selectors` decides what the workshop may see and do
(its own tasks, the comments and files it may read, the commands it may
give); this module only phrases it: the one primary action, why a
checklist is locked, who did what in the timeline (another workshop stays
anonymous), and the task cards' buttons.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.limits import swatch
from loomworks.production.models import RunStatus
from loomworks.production.partner_selectors import (
    materials_list,
    partner_run_comments,
    partner_run_detail,
    partner_run_timeline,
    partner_task,
    partner_thread_comments,
    rejection_reasons,
)
from loomworks.production.read_models import CommentView, PartnerDesign, PartnerRun, TaskView
from loomworks.production.run_records import material_use, run_consumption
from loomworks.production.selectors import progress_by_run
from loomworks.web.portal.forms import (
    AcceptForm,
    CommentForm,
    ConsumptionForm,
    DeclineForm,
    HandOverForm,
)
from loomworks.work.models import TaskStatus

# The order in which the one next step is chosen among what the workshop may do: the
# hand-over (its last delivery) is the one end step.
PRIMARY_ACTIONS = ("accept", "start", "hand_over")


# ---------------------------------------------------------------- what the partner may do


def work_lock(status: str) -> str:
    """Why a run's checklist cannot be worked on in `status` ("" when it can)."""
    if status == RunStatus.IN_PROGRESS:
        return ""
    if status == RunStatus.SENT_TO_PARTNER:
        return _("Accept the run first.")
    if status == RunStatus.APPROVED:
        return _("The brand has not sent this run yet.")
    if status == RunStatus.COMPLETED:
        return _("The run is completed.")
    if status == RunStatus.CANCELLED:
        return _("The run was cancelled.")
    return _("This run cannot be worked on now.")


def primary_action(actions: tuple[str, ...]) -> str:
    """The one next step for the workshop among what it may do: accept, start, hand over,
    or nothing."""
    return next((action for action in PRIMARY_ACTIONS if action in actions), "")


def guidance(run: PartnerRun) -> str:
    if run.status == RunStatus.APPROVED:
        return _("Upcoming work: the brand will send it to you when it is ready.")
    if run.status == RunStatus.SENT_TO_PARTNER:
        return _("The brand sent you this run. Accept it to begin, or decline it with a reason.")
    if run.status == RunStatus.IN_PROGRESS:
        if not run.started_at:
            return _("You accepted this run. Start it when work begins.")
        return _(
            "Tick off the checklist as you go. Record each batch you deliver, and hand the "
            "run over with the last one."
        )
    if run.status == RunStatus.COMPLETED:
        return _("This run is completed.")
    if run.status == RunStatus.CANCELLED:
        return _("The brand cancelled this run.")
    return ""


@dataclass(frozen=True)
class ThreadComment:
    """A comment in a task card's thread; `about` names the checklist item it is on."""

    comment: CommentView
    about: str = ""

    @property
    def id(self) -> str:
        return self.comment.id

    @property
    def body(self) -> str:
        return self.comment.body

    @property
    def author_kind(self) -> str:
        return self.comment.author_kind

    @property
    def author_name(self) -> str:
        return self.comment.author_name

    @property
    def created_at(self):
        return self.comment.created_at


@dataclass(frozen=True)
class ChecklistItem:
    item: TaskView
    can_tick: bool
    can_untick: bool = False

    @property
    def pk(self) -> str:
        return self.item.id

    @property
    def title(self) -> str:
        return self.item.title

    @property
    def status(self) -> str:
        return self.item.status


@dataclass
class TaskCard:
    """A top-level task as its card shows it: what may be done with it and its checklist."""

    task: TaskView
    checklist: list[ChecklistItem]
    checklist_done: int
    checklist_total: int
    checklist_closed: int
    can_accept: bool
    can_finish: bool
    lock: str
    thread: list[ThreadComment] = field(default_factory=list)
    comment_form: CommentForm | None = None
    notice: str = ""
    error: str = ""

    @property
    def pk(self) -> str:
        return self.task.id

    @property
    def title(self) -> str:
        return self.task.title

    @property
    def status(self) -> str:
        return self.task.status

    @property
    def description(self) -> str:
        return self.task.description


def _open(task: TaskView) -> bool:
    return task.status in (TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)


def task_card(task: TaskView, lock: str, comments: dict[str, tuple[CommentView, ...]]) -> TaskCard:
    """What may be done with a top-level task and its checklist, and its thread: the task's
    comments and its items' (each item named), oldest first."""
    can_work = not lock
    live = [item for item in task.subtasks if item.status != TaskStatus.CANCELLED]
    done = sum(1 for item in live if item.status == TaskStatus.COMPLETED)
    closed = sum(1 for item in live if item.status == TaskStatus.CLOSED)
    has_open_work = _open(task) or any(_open(item) for item in task.subtasks)
    thread = [ThreadComment(c) for c in comments.get(task.id, ())]
    for item in task.subtasks:
        thread.extend(ThreadComment(c, about=item.title) for c in comments.get(item.id, ()))
    thread.sort(key=lambda entry: (entry.comment.created_at, entry.comment.id))
    return TaskCard(
        task=task,
        checklist=[
            ChecklistItem(
                item,
                can_tick=can_work and _open(item),
                # A tick is undone while its task is still open.
                can_untick=can_work and _open(task) and item.status == TaskStatus.COMPLETED,
            )
            for item in task.subtasks
        ],
        checklist_done=done,
        checklist_total=len(live),
        checklist_closed=closed,
        # Accepting is the workshop saying "we are on it"; once an item is ticked it goes
        # without saying.
        can_accept=can_work and task.status == TaskStatus.PENDING and not done,
        can_finish=can_work and _open(task) and not live,
        lock=lock if has_open_work else "",
        thread=thread,
    )


# ---------------------------------------------------------------- the design, from the snapshot


def _label(key: str) -> str:
    return str(key).replace("_", " ").strip().capitalize()


def _with_unit(label: str, unit: str) -> str:
    """ "Chest width (cm)"; a name that says its unit already ("chest_cm") is left alone."""
    named = label.split()[-1:] == [unit] if label else False
    return f"{label} ({unit})" if unit and not named else label


def _measurements_text(measurements) -> str:
    if isinstance(measurements, dict):
        return ", ".join(f"{_label(k)}: {v}" for k, v in measurements.items())
    return str(measurements or "")


def design_facts(design: PartnerDesign) -> dict:
    """What the partner was asked to make: the design as it was when the run was created."""
    sizes = [
        (size.get("size_label", ""), size.get("measurements") or {})
        for size in design.size_sets
        if isinstance(size, dict)
    ]
    sizes = [(label, m if isinstance(m, dict) else {}) for label, m in sizes]
    columns: list[str] = [str(point) for point in design.measurement_points]
    for _size_label, measurements in sizes:
        columns.extend(key for key in measurements if key not in columns)
    size_rows = [
        {"label": label, "values": [measurements.get(key, "") for key in columns]}
        for label, measurements in sizes
    ]
    return {
        "name": design.name,
        "description": design.description,
        "thumbnail_url": design.thumbnail_url,
        "tags": list(design.tags),
        "notes": design.notes,
        "colors": [
            {
                "name": c.get("name", ""),
                "hex": swatch(c.get("hex_code")),
                "notes": c.get("usage_notes", ""),
            }
            for c in design.colors
            if isinstance(c, dict)
        ],
        "size_columns": [_with_unit(_label(key), design.measurement_unit) for key in columns],
        "size_rows": size_rows,
        "specifications": [
            {
                "title": s.get("title", ""),
                "category": s.get("category", ""),
                "details": s.get("details", ""),
                "measurements": _measurements_text(s.get("measurements")),
            }
            for s in design.specifications
            if isinstance(s, dict)
        ],
    }


# ---------------------------------------------------------------- the timeline


def timeline(partner, run_id: str) -> list[dict]:
    """The run's history in the workshop's words; another workshop stays anonymous."""
    entries = []
    for entry in partner_run_timeline(partner, run_id):
        if entry.other_workshop:
            who = _("Another workshop")
        elif entry.actor_kind == Actor.SYSTEM:
            who = _("Loomworks")
        elif entry.actor_kind == Actor.ADMIN:
            who = _("%(name)s (brand)") % {"name": entry.actor_name}
        else:
            who = entry.actor_name
        entries.append(
            {
                "label": entry.label,
                "who": who,
                "at": entry.occurred_at,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "changed": entry.changed,
                "note": entry.note,
                "closed_on_completion": entry.closed_on_completion,
            }
        )
    return entries


# ---------------------------------------------------------------- the pages


def _material_options(snapshot: dict) -> dict:
    planned_ids = {
        m.get("material_id") for m in snapshot.get("materials", []) if isinstance(m, dict)
    }
    planned, others = [], []
    for material in materials_list():
        (planned if material.pk in planned_ids else others).append(material)
    return {"planned": planned, "others": others}


def hand_over_form(run: PartnerRun, data=None, files=None) -> HandOverForm:
    """The hand-over form of a run: one field per cell of its matrix that is still open
    (or one for the good pieces), the brand's rejection reasons."""
    return HandOverForm(data, files, cells=run.output.cells or (), reasons=rejection_reasons())


def run_page_context(request, run_id: str, *, forms: dict) -> dict:
    partner = request.partner
    detail = partner_run_detail(partner, run_id)
    run = detail.run
    lock = work_lock(run.status)
    comments = partner_run_comments(partner, run.id)
    comment_task_id, comment_form = forms.get("comment", (None, None))
    cards = []
    for task in detail.tasks:
        card = task_card(task, lock, comments)
        card.comment_form = comment_form if task.id == comment_task_id else None
        cards.append(card)
    return {
        "detail": detail,
        "run": run,
        "nav": "runs",
        "progress": run.progress,
        "open_leaves": run.progress.open,
        "actions": detail.actions,
        "action": primary_action(detail.actions),
        "guidance": guidance(run),
        "design": design_facts(detail.design),
        "tasks": cards,
        "related": detail.related,
        "timeline": timeline(partner, run.id),
        "material_use": material_use(
            run.id,
            detail.snapshot,
            run.quantity,
            good=run.output.good if run.output.delivered else None,
        ),
        "consumption_logs": run_consumption(run.id, limit=20),
        "materials": _material_options(detail.snapshot),
        "can_log": run.status == RunStatus.IN_PROGRESS,
        "output": run.output,
        "deliveries": run.deliveries,
        "can_deliver": "deliver" in detail.actions,
        "can_hand_over": "hand_over" in detail.actions,
        "hand_over_form": forms.get("hand_over") or hand_over_form(run),
        "correct_forms": forms.get("correct", {}),
        "media": detail.gallery,
        "can_upload": "media_added" in detail.actions,
        "accept_form": forms.get("accept") or AcceptForm(),
        "decline_form": forms.get("decline") or DeclineForm(),
        "consumption_form": forms.get("consumption") or ConsumptionForm(),
        "media_error": forms.get("media_error", ""),
        "empty_comment_form": CommentForm(),
    }


def task_card_context(request, task_id: str, *, notice="", error="", comment_form=None) -> dict:
    """One task card after an htmx action, with the run's progress to swap in beside it."""
    partner = request.partner
    task = partner_task(partner, task_id)
    run = task.run
    lock = work_lock(run.status) if run else ""
    threads: dict[str, tuple[CommentView, ...]] = {}
    for comment in partner_thread_comments(partner, task.id):
        threads[comment.task_id] = (*threads.get(comment.task_id, ()), comment)
    card = task_card(task, lock, threads)
    card.comment_form = comment_form
    card.notice = notice
    card.error = error
    return {
        "task": card,
        "run": run,
        "progress": progress_by_run([run.id])[run.id] if run else None,
        "oob": True,
        "empty_comment_form": CommentForm(),
    }
