"""One audit row per change, naming who made it (see `AuditEntry`)."""

from loomworks.core.actors import Actor
from loomworks.core.models import AuditEntry


def audit_record(
    *, actor: Actor, action: str, target_type: str, target_id: str, details: dict | None = None
) -> AuditEntry:
    """Write the row in the caller's transaction, so it exists exactly when the change does."""
    return AuditEntry.objects.create(
        actor_kind="api_key" if actor.is_api_key else actor.kind,
        actor_id=actor.user_id,
        api_key_id=actor.api_key_id,
        actor_name=actor.name,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
