"""Production runs and what hangs off them: history, deliveries, consumption, media, policy."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loomworks.core.ids import PrefixedIdField
from loomworks.core.models import TimeStamped, external_ref_unique


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    APPROVED = "approved", _("Approved")
    SENT_TO_PARTNER = "sent_to_partner", _("Sent to partner")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    AWAITING_REASSIGNMENT = "awaiting_reassignment", _("Awaiting reassignment")


TERMINAL_STATUSES = (RunStatus.COMPLETED, RunStatus.CANCELLED)
OPEN_STATUSES = tuple(s for s in RunStatus.values if s not in TERMINAL_STATUSES)


class RunType(models.TextChoices):
    PRODUCTION = "production", _("Production")
    SAMPLE = "sample", _("Sample")


class DeadlineKind(models.TextChoices):
    """Which date a run is held to, and so how people read it: "Promised …" or "Due …"."""

    PROMISED = "promised", _("Promised")
    DUE = "due", _("Due")


class ProductionRun(TimeStamped):
    id = PrefixedIdField(prefix="run")
    number = models.PositiveBigIntegerField(_("number"), unique=True)
    design = models.ForeignKey(
        "catalog.Design", on_delete=models.PROTECT, related_name="production_runs"
    )
    run_type = models.CharField(
        _("run type"), max_length=20, choices=RunType.choices, default=RunType.PRODUCTION
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=30, choices=RunStatus.choices, default=RunStatus.PENDING_REVIEW
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    previous_partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    order_group = models.PositiveIntegerField(_("order group"), null=True, blank=True)
    depends_on = models.ManyToManyField(
        "self",
        through="RunDependency",
        symmetrical=False,
        related_name="dependents",
        blank=True,
    )
    # Templates chosen at approval: the run is dispatched with them by itself
    # once every run it depends on has completed.
    planned_template_ids = models.JSONField(default=list, blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="runs"
    )
    order_line = models.OneToOneField(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="production_run",
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    # How the quantity splits by size and colour: a list of cells
    # `{"size": "M", "color": "Madder Red", "quantity": 4}` adding up to
    # `quantity`; empty when the run was given none. Checked by `size_matrix`.
    size_quantities = models.JSONField(_("size × colour quantities"), default=list, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_reason = models.TextField(_("cancellation reason"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    # When the partner holding it was sent the run (dispatch, or a reassignment
    # of a sent run), and when it last moved forward while in work (accepted,
    # started, finished, a task or checklist item done, material logged). The
    # reminder rules read them through partial indexes (see Meta).
    last_sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Totals of the run's deliveries (`services.output`); None until one is recorded.
    produced_quantity = models.PositiveIntegerField(_("produced"), null=True, blank=True)
    rejected_quantity = models.PositiveIntegerField(_("rejected"), null=True, blank=True)
    # A rework run remakes rejected pieces of another run (same or another partner).
    rework_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reworks"
    )
    # The quantity the step before delivered, waiting for an admin to confirm it
    # before this run is dispatched (`OutputPolicy.next_step_quantity == "ask"`).
    proposed_quantity = models.PositiveIntegerField(_("proposed quantity"), null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # What an import found wrong with the run in the system it came from (a
    # completed run with open tasks, a reference to nothing…): imported as it
    # was, and shown on the run's page so someone looks at it. One line each.
    import_flags = models.JSONField(
        _("import problems"),
        default=list,
        blank=True,
        db_default=models.Value([], output_field=models.JSONField()),
    )
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            external_ref_unique("run_external_ref"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="run_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="run_not_its_own_parent"
            ),
        ]
        indexes = [
            # The run lists order by (created_at, id), both the same way
            # (`selectors.ORDERINGS`); each filter's index ends with both, so a page,
            # and the page after a keyset cursor, is read in order and stops at the limit.
            models.Index(fields=["-created_at", "-id"], name="run_created_id_desc"),
            models.Index(fields=["status", "-created_at", "-id"], name="run_status_created_id"),
            models.Index(
                fields=["status", "run_type", "-created_at", "-id"], name="run_status_type_created"
            ),
            models.Index(fields=["run_type", "-created_at", "-id"], name="run_type_created_id"),
            models.Index(fields=["partner", "-created_at", "-id"], name="run_partner_created"),
            models.Index(fields=["partner", "status", "-created_at"], name="run_partner_status"),
            models.Index(fields=["design", "-created_at"], name="run_design_created"),
            models.Index(fields=["parent", "-created_at"], name="run_parent_created"),
            # The reminder rules' candidate sets: each scan reads only a window
            # of one of these, never the table (loomworks.reminders.rules).
            models.Index(
                fields=["last_sent_at", "id"],
                condition=Q(status="sent_to_partner"),
                name="run_sent_waiting",
            ),
            models.Index(
                Coalesce("promised_date", "due_date"),
                "id",
                condition=~Q(status__in=["completed", "cancelled"]),
                name="run_open_deadline",
            ),
            models.Index(
                Coalesce("promised_date", "due_date"),
                "id",
                condition=Q(status__in=["sent_to_partner", "in_progress"], started_at__isnull=True),
                name="run_not_started_deadline",
            ),
            models.Index(
                fields=["last_progress_at", "id"],
                condition=Q(status="in_progress"),
                name="run_in_work_progress",
            ),
            models.Index(
                fields=["completed_at"],
                condition=Q(completed_at__isnull=False),
                name="run_completed_at",
            ),
            # The console's counts of open runs (partners page, designs page, the
            # dashboard's statuses): each a GROUP BY over a few percent of the runs,
            # read from the index alone, instead of a scan of every run.
            models.Index(
                fields=["partner", "status"],
                condition=~Q(status__in=["completed", "cancelled"]),
                name="run_open_partner",
            ),
            models.Index(
                fields=["design", "status"],
                condition=~Q(status__in=["completed", "cancelled"]),
                name="run_open_design",
            ),
            # The dashboard's lists of open runs in one status, first five by due date.
            models.Index(
                fields=["status", "due_date", "number"],
                condition=~Q(status__in=["completed", "cancelled"]),
                name="run_open_status_due",
            ),
            # Scorecards: the runs a partner accepted in a period.
            models.Index(
                fields=["accepted_at"],
                condition=Q(accepted_at__isnull=False),
                name="run_accepted_at",
            ),
        ]
        verbose_name = _("production run")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"PR-{self.number}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def stage(self) -> str:
        """Where the run stands for people: received, accepted, started, finished, completed."""
        if self.status == RunStatus.COMPLETED:
            return "completed"
        if self.finished_at:
            return "finished"
        if self.started_at:
            return "started"
        if self.accepted_at:
            return "accepted"
        return "received"

    @property
    def deadline(self):
        """The date the run is held to: the partner's promised date, else the brand's due date."""
        return self.promised_date or self.due_date

    @property
    def deadline_kind(self) -> str:
        """`promised` when the partner gave the date, `due` for the brand's, "" without either."""
        if self.promised_date is not None:
            return DeadlineKind.PROMISED
        return DeadlineKind.DUE if self.due_date is not None else ""

    @property
    def is_late(self) -> bool:
        if self.is_terminal:
            return False
        deadline = self.deadline
        return bool(deadline and timezone.localdate() > deadline)


class RunDependency(models.Model):
    """`run` may not be dispatched before `depends_on` has completed."""

    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="+")
    depends_on = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "depends_on"], name="unique_run_dependency"),
            models.CheckConstraint(
                condition=~Q(run=models.F("depends_on")), name="run_not_dependent_on_itself"
            ),
        ]
        indexes = [models.Index(fields=["depends_on"])]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class ActorKind(models.TextChoices):
    ADMIN = "admin", _("Brand")
    PARTNER = "partner", _("Partner")
    SYSTEM = "system", _("System")


class RunHistory(models.Model):
    """One row per state change or notable action, written with the change."""

    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    related_run = models.ForeignKey(
        ProductionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["run", "occurred_at"]),
            # The dashboard's blocked list asks which runs have a `blocked` row: a few
            # rows among millions, found here instead of by scanning the history.
            models.Index(fields=["run"], condition=Q(kind="blocked"), name="history_blocked"),
            # Scorecards: a period's declines (a small share of the history).
            models.Index(
                fields=["occurred_at"], condition=Q(kind="decline"), name="history_declines"
            ),
        ]
        verbose_name_plural = "run history"
        constraints = [external_ref_unique("history_external_ref")]

    def __str__(self) -> str:
        return str(self.kind)


class ConsumptionType(models.TextChoices):
    SAMPLE = "sample", _("Sample")
    PRODUCTION = "production", _("Production")
    WASTAGE = "wastage", _("Wastage")


class ConsumptionLog(models.Model):
    id = PrefixedIdField(prefix="cons")
    run = models.ForeignKey(
        ProductionRun, on_delete=models.CASCADE, related_name="consumption_logs"
    )
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20)
    consumption_type = models.CharField(_("type"), max_length=20, choices=ConsumptionType.choices)
    notes = models.TextField(_("notes"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_by_name = models.CharField(max_length=300, blank=True)
    consumed_at = models.DateTimeField(default=timezone.now)
    # The workshop corrected its entry (an audit row keeps the figures before).
    corrected_at = models.DateTimeField(null=True, blank=True)
    # The id this row had in the system it was imported from (`loomworks import-medusa`):
    # a second import finds it there and updates it instead of adding another. Blank otherwise.
    external_ref = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-consumed_at", "id"]
        constraints = [
            external_ref_unique("consumption_external_ref"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="consumption_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


class Delivery(models.Model):
    """What a workshop handed over on a run: one batch, or the last one (`final`).

    `good` pieces; `rejected` pieces in `rejections` lines (`{"reason", "quantity",
    "note"}`, the reasons from `ProductionPolicy.rejection_reasons`); per cell of the
    run's size × colour matrix when it has one (`size_quantities`, good pieces per
    cell). Written by `services.output` only; an admin's correction keeps who, when
    and why beside the figures it changed (and an audit row with the figures before).
    """

    id = PrefixedIdField(prefix="dlv")
    run = models.ForeignKey(ProductionRun, on_delete=models.CASCADE, related_name="deliveries")
    number = models.PositiveIntegerField(_("batch"))
    delivered_on = models.DateField(_("delivered on"), default=timezone.localdate)
    good = models.PositiveIntegerField(_("good pieces"))
    rejected = models.PositiveIntegerField(_("rejected pieces"), default=0)
    rejections = models.JSONField(default=list, blank=True)
    size_quantities = models.JSONField(default=list, blank=True)
    shortfall_reason = models.TextField(_("why fewer"), blank=True)
    note = models.TextField(_("note"), blank=True)
    final = models.BooleanField(_("handed over"), default=False)
    # Pieces beyond what was ordered, accepted because the policy flags them.
    over_delivered = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=300, blank=True)
    recorded_by_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    corrected_at = models.DateTimeField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_by_name = models.CharField(max_length=300, blank=True)
    correction_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="unique_delivery_number"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk}"


def media_path(instance: "MediaFile", filename: str) -> str:
    return f"runs/{instance.run_id or 'design'}/{instance.id}/{filename}"


def preview_path(instance: "MediaFile", filename: str) -> str:
    return f"runs/{instance.run_id or 'design'}/{instance.id}/preview/{filename}"


class DesignFileKind(models.TextChoices):
    """What a brand's file of a design is (a workshop's photos of a run have none)."""

    TECH_PACK = "tech_pack", _("Tech pack")
    PATTERN = "pattern", _("Pattern")
    ARTWORK = "artwork", _("Artwork")
    IMAGE = "image", _("Image")
    OTHER = "other", _("Other")


class MediaFile(models.Model):
    """An uploaded file: a photo or PDF of a run, or (with a design and no run) one of
    the brand's files of a design (`kind`: tech pack, pattern, artwork…)."""

    id = PrefixedIdField(prefix="med")
    run = models.ForeignKey(
        ProductionRun, on_delete=models.CASCADE, null=True, blank=True, related_name="media"
    )
    design = models.ForeignKey(
        "catalog.Design", on_delete=models.CASCADE, null=True, blank=True, related_name="media"
    )
    file = models.FileField(upload_to=media_path, max_length=500)
    # A small JPEG of an image for galleries (see previews.py); empty for PDFs and old uploads.
    preview = models.FileField(upload_to=preview_path, max_length=500, blank=True)
    original_name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_by_name = models.CharField(max_length=300, blank=True)
    # A photo of a delivery (what was handed over), or of a checked item.
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    task = models.ForeignKey(
        "work.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, blank=True, choices=DesignFileKind.choices)
    # A design's file taken off the design: runs whose snapshot names it still show it.
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(self.original_name)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def preview_url(self) -> str:
        """What a gallery shows: the small preview when there is one, else the file."""
        return self.preview.url if self.preview else self.file.url


class OverDelivery(models.TextChoices):
    REFUSE = "refuse", _("Refuse pieces beyond the order")
    FLAG = "flag", _("Accept them and flag the delivery")


class NextStepQuantity(models.TextChoices):
    FOLLOW = "follow", _("Follow what was delivered")
    ASK = "ask", _("Ask an admin to confirm")


class ProductionPolicy(models.Model):
    """One editable record: how the brand runs production.

    `config` maps an action name to the statuses each admin action may start
    from; each list is kept within what the state machine allows (see
    `states.TRANSITIONS`). The other fields say what happens with output:
    pieces beyond the order, the reasons a piece may be rejected for, whether a
    run completes once everything ordered is delivered (or once its tasks are
    done), and whether the next step's quantity follows what was delivered.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    config = models.JSONField(default=dict, blank=True)
    over_delivery = models.CharField(
        max_length=10, choices=OverDelivery.choices, default=OverDelivery.REFUSE
    )
    next_step_quantity = models.CharField(
        max_length=10, choices=NextStepQuantity.choices, default=NextStepQuantity.ASK
    )
    complete_when_delivered = models.BooleanField(default=True)
    complete_when_tasks_done = models.BooleanField(default=True)
    # `[{"code", "label"}]`; a blank label is the built-in one, in the reader's language.
    rejection_reasons = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return "production policy"

    @classmethod
    def current(cls) -> "ProductionPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy
