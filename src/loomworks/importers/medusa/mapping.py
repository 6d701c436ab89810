"""How the Medusa system's values read in Loomworks: statuses, sub-states, units, flags.

Pure functions of one source row: no database. The importer calls them for
the real import and for a dry run alike, so both say the same thing.
"""

import math
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from loomworks.catalog.models import DesignStatus
from loomworks.core.choices import Priority
from loomworks.partners.models import MemberRole, PartnerStatus
from loomworks.production.models import RunStatus, RunType
from loomworks.work.models import TaskStatus

# Run statuses are the same words in both systems (ours were made to match).
RUN_STATUSES = set(RunStatus.values)

# Task statuses: `assigned` is the generic assignment workflow's; nothing in
# Loomworks waits on it, so it reads as not yet accepted.
TASK_STATUSES = {
    "pending": TaskStatus.PENDING,
    "assigned": TaskStatus.PENDING,
    "accepted": TaskStatus.ACCEPTED,
    "in_progress": TaskStatus.IN_PROGRESS,
    "completed": TaskStatus.COMPLETED,
    "cancelled": TaskStatus.CANCELLED,
}

UNITS = {
    "Meter": "m",
    "Yard": "yd",
    "Kilogram": "kg",
    "Gram": "g",
    "Piece": "pcs",
    "Roll": "roll",
    "Other": "",
}

# What an entry of `production_run_activity` is in our history: its kind, and
# the status it leaves the run in ("" when it does not say).
ACTIVITY_KINDS = {
    "sent_to_partner": ("dispatch", RunStatus.SENT_TO_PARTNER),
    "accepted": ("accept", RunStatus.IN_PROGRESS),
    "started": ("start", RunStatus.IN_PROGRESS),
    "finished": ("finish", RunStatus.IN_PROGRESS),
    "completed": ("complete", RunStatus.COMPLETED),
    "cancelled": ("cancel", RunStatus.CANCELLED),
    "declined": ("decline", RunStatus.AWAITING_REASSIGNMENT),
    "reassignment_needed": ("reassign", RunStatus.AWAITING_REASSIGNMENT),
    "partner_assigned": ("reassign", RunStatus.APPROVED),
}

ACTOR_KINDS = {"admin": "admin", "partner": "partner"}  # system, scheduled_flow: system


def text(value, limit: int) -> str:
    return str(value or "").strip()[:limit]


def priority(value, default: str = Priority.MEDIUM) -> str:
    value = str(value or "").lower()
    return value if value in Priority.values else default


def design_status(value) -> str | None:
    return value if value in DesignStatus.values else None


def partner_status(value) -> str:
    return value if value in PartnerStatus.values else PartnerStatus.PENDING


def member_role(value) -> str:
    return value if value in MemberRole.values else MemberRole.ADMIN


def handle(value, fallback: str) -> str:
    return (slugify(str(value or "")) or slugify(fallback) or "partner")[:90]


def json_list(value) -> list:
    return value if isinstance(value, list) else []


def json_dict(value, key: str = "value") -> dict:
    if isinstance(value, dict):
        return value
    return {} if value in (None, "", []) else {key: value}


def date_of(value):
    return value.date() if isinstance(value, datetime) else None


def decimal(value, places: str = "0.001") -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, TypeError, ValueError):
        return None


def legacy(metadata: dict, *path):
    """A value under `metadata[a][b]…`, or None."""
    value = metadata
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def parse_time(value):
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class RunMapping:
    """One source run read as ours: the values, the flags, or why it cannot be imported."""

    def __init__(self, row: dict):
        self.row = row
        self.flags: list[str] = []
        self.refusal = ""
        self.notes: list[str] = []
        self._read()

    def _read(self) -> None:
        row = self.row
        metadata = row.get("metadata") if isinstance(row.get("metadata"), dict) else {}
        self.metadata = metadata
        self.run_status = row.get("status")
        if self.run_status not in RUN_STATUSES:
            self.refusal = f"unknown status {self.run_status!r}"
            return
        if not row.get("design_id"):
            self.refusal = "no design"
            return
        if not row.get("design_exists"):
            self.refusal = f"its design {row['design_id']} does not exist"
            return
        try:
            quantity = float(row.get("quantity"))
        except (TypeError, ValueError):
            quantity = 0.0
        if not math.isfinite(quantity) or quantity <= 0:
            self.refusal = f"quantity {row.get('quantity')!r} is not a positive number"
            return
        self.quantity = math.ceil(quantity)
        if self.quantity != quantity:
            self.flags.append(f"quantity {quantity:g} rounded up to {self.quantity}")
        self.run_type = (
            row.get("run_type") if row.get("run_type") in RunType.values else "production"
        )

        # Lifecycle: the columns, else the legacy metadata they were back-filled from.
        self.accepted_at = row.get("accepted_at") or parse_time(
            legacy(metadata, "acceptance", "accepted_at")
        )
        if row.get("accepted_at") is None and self.accepted_at is not None:
            self.notes.append("accepted_at taken from metadata.acceptance")
        self.started_at = row.get("started_at")
        self.finished_at = row.get("finished_at")
        self.completed_at = row.get("completed_at")
        if self.run_status == RunStatus.COMPLETED and self.completed_at is None:
            # What the source's own migration did for completed rows.
            self.completed_at = row.get("updated_at")
            self.notes.append("completed_at taken from updated_at")
        self.cancelled_at = row.get("cancelled_at")
        if self.run_status == RunStatus.CANCELLED and self.cancelled_at is None:
            self.cancelled_at = row.get("updated_at")

        self.dispatch_state = row.get("dispatch_state") or "idle"
        legacy_state = legacy(metadata, "dispatch", "state")
        if self.dispatch_state == "idle" and legacy_state in ("awaiting_templates", "completed"):
            self.dispatch_state = legacy_state
            self.notes.append("dispatch state taken from metadata.dispatch")
        names = row.get("dispatch_template_names")
        if not names:
            names = metadata.get("dispatch_template_names")
        self.template_names = [str(n) for n in json_list(names)]

        # What breaks our rules: imported as it is, flagged.
        status = self.run_status
        dispatched = status in (RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS)
        if status == RunStatus.COMPLETED and row.get("open_tasks"):
            self.flags.append(f"completed with {row['open_tasks']} task(s) still open")
        if row.get("completions", 0) > 1:
            self.flags.append(f"completed {row['completions']} times")
        if status == RunStatus.COMPLETED and row.get("open_children"):
            self.flags.append(f"completed with {row['open_children']} part(s) still open")
        if row.get("partner_id") and not row.get("partner_exists"):
            self.flags.append(f"its partner {row['partner_id']} does not exist")
        if row.get("parent_run_id") and not row.get("parent_exists"):
            self.flags.append(f"its parent run {row['parent_run_id']} does not exist")
        if row.get("parent_run_id") and row.get("parent_run_id") == row.get("id"):
            self.flags.append("it is its own parent")
        if row.get("missing_dependencies"):
            self.flags.append(f"depends on {row['missing_dependencies']} run(s) that do not exist")
        if dispatched and row.get("unmet_dependencies"):
            self.flags.append("sent before the runs it depends on were completed")
        has_partner = row.get("partner_id") and row.get("partner_exists")
        if dispatched and not has_partner and not self._is_parent_status():
            self.flags.append(f"{status} without a partner")
        if status != RunStatus.COMPLETED and row.get("completed_at"):
            self.flags.append(f"has a completion time but is {status}")
        if self.dispatch_state == "awaiting_templates":
            self.notes.append(
                "was waiting in Medusa for templates to be chosen; dispatch it again here"
            )
        if self.dispatch_state == "completed" and status in (
            RunStatus.DRAFT,
            RunStatus.PENDING_REVIEW,
            RunStatus.APPROVED,
        ):
            self.flags.append(f"dispatch marked completed but the run is {status}")

    def _is_parent_status(self) -> bool:
        return bool(self.row.get("children"))

    @property
    def ok(self) -> bool:
        return not self.refusal

    def medusa_metadata(self) -> dict:
        """What the run keeps of its source: its metadata and the ids we have no model for."""
        row = self.row
        kept = {
            key: row.get(key)
            for key in (
                "product_id",
                "variant_id",
                "order_id",
                "order_line_item_id",
                "dispatch_state",
                "lifecycle_transaction_id",
                "finish_notes",
                "completion_notes",
            )
            if row.get(key) not in (None, "")
        }
        for key in ("dispatch_started_at", "dispatch_completed_at", "captured_at"):
            if row.get(key) is not None:
                kept[key] = row[key].isoformat()
        kept["dispatch_state"] = self.dispatch_state
        if self.template_names:
            kept["dispatch_template_names"] = self.template_names
        kept["metadata"] = self.metadata
        return kept


def task_status(value) -> str | None:
    return TASK_STATUSES.get(value)
