"""`/api/admin/reminder-rules`: the rules that chase late work, and who changed them.

`GET` reads them, `PATCH` changes the fields it is given (all are checked
before any is written; a bad one is a 422 naming it), and every change is
recorded (`GET /reminder-rules/changes`). The next evaluation uses them.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router

from loomworks.api.admin_schemas import BODY_ERRORS, Flag, Strict, WholeNumber, responses
from loomworks.api.schemas import Out
from loomworks.reminders import selectors, services

router = Router(tags=["admin"])


class ReminderRulesOut(Out):
    unaccepted_enabled: bool
    unaccepted_hours: int
    escalation_enabled: bool
    escalation_hours: int
    not_started_enabled: bool
    not_started_days: int
    late_enabled: bool
    stalled_enabled: bool
    stalled_days: int
    digest_hour: int
    updated_at: datetime


class ReminderRulesEnvelope(Out):
    reminder_rules: ReminderRulesOut


class ReminderRulesIn(Strict):
    """Any of the rule settings; those left out keep their value."""

    unaccepted_enabled: Flag | None = None
    unaccepted_hours: WholeNumber | None = Field(None, description="1–720: hours after sending")
    escalation_enabled: Flag | None = None
    escalation_hours: WholeNumber | None = Field(None, description="1–720: more hours, then admins")
    not_started_enabled: Flag | None = None
    not_started_days: WholeNumber | None = Field(None, description="1–60: days before the date")
    late_enabled: Flag | None = None
    stalled_enabled: Flag | None = None
    stalled_days: WholeNumber | None = Field(None, description="1–60: days without progress")
    digest_hour: WholeNumber | None = Field(None, description="0–23, in each person's time zone")


class ReminderRulesChangeOut(Out):
    changed_at: datetime
    actor_type: str
    actor_id: int | None
    actor_name: str
    changes: dict[str, list]


class ReminderRulesChangeList(Out):
    changes: list[ReminderRulesChangeOut]


def _rules_out(rules) -> dict:
    return {
        "reminder_rules": {
            **{name: getattr(rules, name) for name in services.RULE_FIELDS},
            "updated_at": rules.updated_at,
        }
    }


@router.get("/reminder-rules", response=responses({200: ReminderRulesEnvelope}))
def reminder_rules_read(request: HttpRequest):
    """Who is reminded of what, and when."""
    return _rules_out(selectors.rules_current())


@router.patch("/reminder-rules", response=responses({200: ReminderRulesEnvelope}, *BODY_ERRORS))
def reminder_rules_update(request: HttpRequest, payload: ReminderRulesIn):
    """Change some rules. A value out of its bounds is 422 with the field named; nothing changes."""
    changes = payload.dict(exclude_none=True)
    return _rules_out(services.rules_update(actor=request.actor, changes=changes))


@router.get("/reminder-rules/changes", response=responses({200: ReminderRulesChangeList}))
def reminder_rules_changes(request: HttpRequest):
    """The latest changes to the rules, newest first: who, when, and each field before → after."""
    return {
        "changes": [
            {
                "changed_at": change.changed_at,
                "actor_type": change.actor_kind,
                "actor_id": change.actor_id,
                "actor_name": change.actor_name,
                "changes": change.changes,
            }
            for change in selectors.rules_changes(limit=100)
        ]
    }
