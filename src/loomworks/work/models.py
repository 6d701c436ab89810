"""Tasks, their checklists (subtasks), templates and comments.

This is the lower floor: a task knows its run only as a link. The rules that
tie tasks to run statuses live in `loomworks.production`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loomworks.core.choices import Priority
from loomworks.core.ids import PrefixedIdField
from loomworks.core.models import TimeStamped, external_ref_unique


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    # Left open when its run was completed: never ticked, shown apart from the ticked ones.
    CLOSED = "closed", _("Closed on completion")


OPEN_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)


class CheckResult(models.TextChoices):
    """What an item of a quality check found (blank: not a check, or not checked yet)."""

    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


# Template categories whose checklists are quality checks: each item passes or fails.
QUALITY_CATEGORIES = ("quality", "quality check", "quality_check", "qc", "inspection")


# A task that has ended: done, dropped, or closed with its run.
ENDED_TASK_STATUSES = (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.CLOSED)


class TaskTemplate(TimeStamped):
    id = PrefixedIdField(prefix="tpl")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    estimated_duration = models.PositiveIntegerField(
        _("estimated duration (minutes)"), null=True, blank=True
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    # An archived template stays on the tasks made from it, but is not offered
    # (nor accepted) for new dispatches.
    archived = models.BooleanField(_("archived"), default=False, db_default=False)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["name", "id"]
        constraints = [external_ref_unique("template_external_ref")]

    def __str__(self) -> str:
        return self.name


class Task(TimeStamped):
    id = PrefixedIdField(prefix="task")
    run = models.ForeignKey(
        "production.ProductionRun",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="subtasks"
    )
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    position = models.PositiveIntegerField(default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A quality check: its items pass or fail (`check_result`, with a note), from a
    # template of a quality category.
    quality_check = models.BooleanField(default=False)
    check_result = models.CharField(
        _("check result"), max_length=10, choices=CheckResult.choices, blank=True
    )
    check_note = models.TextField(_("check note"), blank=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["position", "created_at"]
        indexes = [
            models.Index(fields=["run", "parent", "position"]),
            models.Index(fields=["partner", "status"]),
            # A partner's checklist (GET /api/partners/assigned-tasks): its top-level
            # tasks only, without walking the far more numerous subtasks.
            models.Index(
                fields=["partner", "run"],
                condition=models.Q(parent__isnull=True),
                name="task_partner_top_level",
            ),
        ]
        constraints = [external_ref_unique("task_external_ref")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASK_STATUSES


class AuthorKind(models.TextChoices):
    ADMIN = "admin", _("Brand")
    PARTNER = "partner", _("Partner")


class TaskComment(models.Model):
    id = PrefixedIdField(prefix="cmt")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_name = models.CharField(max_length=300)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"])]
        constraints = [external_ref_unique("comment_external_ref")]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:40]}"
