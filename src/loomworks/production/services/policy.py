"""The production policy: which statuses each admin action may start from, and how
output is handled (pieces beyond the order, completion, the next step, rejection reasons)."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import (
    InvalidInput,
)
from loomworks.production.models import (
    NextStepQuantity,
    OverDelivery,
    ProductionPolicy,
    RunStatus,
)
from loomworks.production.rejections import DEFAULT_REASONS, OTHER
from loomworks.production.states import (
    POLICY_ACTIONS,
    TRANSITIONS,
)

_CODE = re.compile(r"[a-z0-9_]{1,40}")


@transaction.atomic
def policy_update(*, config: dict, actor: Actor) -> ProductionPolicy:
    """Set which statuses each admin action may start from, within the state machine (audited)."""
    if not isinstance(config, dict):
        raise InvalidInput("config", _("The policy is a mapping of action to statuses."))
    cleaned = {}
    for action, statuses in config.items():
        if action not in POLICY_ACTIONS:
            raise InvalidInput(
                f"config.{action}",
                _("Unknown action %(action)s; the policy covers %(actions)s.")
                % {"action": action, "actions": ", ".join(POLICY_ACTIONS)},
            )
        if not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
            raise InvalidInput(f"config.{action}", _("Give the statuses as a list."))
        allowed = TRANSITIONS[action].from_statuses
        outside = [s for s in statuses if s not in allowed]
        if outside:
            raise InvalidInput(
                f"config.{action}",
                _("%(action)s can only start from %(allowed)s, not %(outside)s.")
                % {
                    "action": action,
                    "allowed": ", ".join(s for s in RunStatus.values if s in allowed),
                    "outside": ", ".join(outside),
                },
            )
        cleaned[action] = [s for s in RunStatus.values if s in statuses]
    policy = ProductionPolicy.current()
    before = policy.config
    policy.config = cleaned
    policy.updated_by_id = actor.user_id
    policy.save()
    audit_record(
        actor=actor,
        action="production_policy.updated",
        target_type="production_policy",
        target_id=str(policy.pk),
        details={"config": [before, cleaned]},
    )
    return policy


_UNCHANGED = object()


def _choice(value, choices, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            field, _("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}
        )
    return value


def _reasons(value) -> list[dict]:
    """`[{"code", "label"}]`: codes unique, short and plain; "other" always on offer."""
    if not isinstance(value, list) or not value:
        raise InvalidInput("rejection_reasons", _("Give at least one reason."))
    cleaned, seen = [], set()
    for index, item in enumerate(value):
        field = f"rejection_reasons[{index}]"
        if not isinstance(item, dict):
            raise InvalidInput(field, _("Give each reason as a code and a label."))
        code = str(item.get("code") or "").strip().lower()
        label = str(item.get("label") or "").strip()
        if not _CODE.fullmatch(code):
            raise InvalidInput(
                f"{field}.code",
                _("A code is 1 to 40 lower-case letters, digits or _, like stain."),
            )
        if code in seen:
            raise InvalidInput(f"{field}.code", _("Each code may be given once."))
        if len(label) > 100:
            raise InvalidInput(f"{field}.label", _("A label is at most 100 characters."))
        if not label and code not in DEFAULT_REASONS:
            raise InvalidInput(f"{field}.label", _("Give the reason a label."))
        seen.add(code)
        cleaned.append({"code": code, "label": label})
    if OTHER not in seen:
        cleaned.append({"code": OTHER, "label": ""})
    return cleaned


@transaction.atomic
def output_policy_update(
    *,
    actor: Actor,
    over_delivery=_UNCHANGED,
    next_step_quantity=_UNCHANGED,
    complete_when_delivered=_UNCHANGED,
    complete_when_tasks_done=_UNCHANGED,
    rejection_reasons=_UNCHANGED,
) -> ProductionPolicy:
    """How output is handled: pieces beyond the order, when runs complete, the next
    step's quantity, the rejection reasons. Only what is given changes; audited."""
    policy = ProductionPolicy.objects.select_for_update().get(pk=ProductionPolicy.current().pk)
    before = output_policy_values(policy)
    if over_delivery is not _UNCHANGED:
        policy.over_delivery = _choice(over_delivery, OverDelivery, "over_delivery")
    if next_step_quantity is not _UNCHANGED:
        policy.next_step_quantity = _choice(
            next_step_quantity, NextStepQuantity, "next_step_quantity"
        )
    for name, value in (
        ("complete_when_delivered", complete_when_delivered),
        ("complete_when_tasks_done", complete_when_tasks_done),
    ):
        if value is _UNCHANGED:
            continue
        if not isinstance(value, bool):
            raise InvalidInput(name, _("Give true or false."))
        setattr(policy, name, value)
    if rejection_reasons is not _UNCHANGED:
        policy.rejection_reasons = _reasons(rejection_reasons)
    after = output_policy_values(policy)
    if after == before:
        return policy
    policy.updated_by_id = actor.user_id
    policy.save()
    audit_record(
        actor=actor,
        action="output_policy.updated",
        target_type="production_policy",
        target_id=str(policy.pk),
        details={"before": before, "after": after},
    )
    return policy


def output_policy_values(policy: ProductionPolicy) -> dict:
    return {
        "over_delivery": policy.over_delivery,
        "next_step_quantity": policy.next_step_quantity,
        "complete_when_delivered": policy.complete_when_delivered,
        "complete_when_tasks_done": policy.complete_when_tasks_done,
        "rejection_reasons": list(policy.rejection_reasons or []),
    }
