"""The production policy: which statuses each admin action may start from."""

from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import (
    InvalidInput,
)
from loomworks.production.models import (
    ProductionPolicy,
    RunStatus,
)
from loomworks.production.states import (
    POLICY_ACTIONS,
    TRANSITIONS,
)


@transaction.atomic
def policy_update(*, config: dict, actor: Actor) -> ProductionPolicy:
    """Set which statuses each admin action may start from, within the state machine."""
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
    policy.config = cleaned
    policy.updated_by_id = actor.user_id
    policy.save()
    return policy
