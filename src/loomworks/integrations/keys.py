"""API keys: made by an admin, shown once, stored hashed, revocable."""

import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput
from loomworks.integrations.models import ApiKey
from loomworks.integrations.scopes import SCOPES

# A key's last use is written at most this often: not one UPDATE per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _clean_scopes(scopes: Sequence[str]) -> list[str]:
    scopes = [str(scope).strip() for scope in scopes or []]
    if not scopes:
        raise InvalidInput("scopes", _("Give the key at least one scope."))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise InvalidInput(
            "scopes",
            _("Unknown scope %(scope)s; the scopes are: %(known)s.")
            % {"scope": unknown[0], "known": ", ".join(SCOPES)},
        )
    return sorted(set(scopes), key=list(SCOPES).index)


@transaction.atomic
def api_key_create(*, name: str, scopes: Sequence[str], actor: Actor) -> tuple[ApiKey, str]:
    """A new key and its raw value. The raw value exists only in this answer."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name", _("Give the key a name that says which program uses it."))
    if len(name) > 200:
        raise InvalidInput("name", _("The name is at most 200 characters."))
    scopes = _clean_scopes(scopes)
    raw = ApiKey.PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        hint=raw[:10],
        key_hash=ApiKey.hash(raw),
        scopes=scopes,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="api_key.created",
        target_type="api_key",
        target_id=key.pk,
        details={"name": name, "scopes": scopes},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    """Revoke the key: from now on it answers 401. Revoking again changes nothing."""
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.revoked_at)
    audit_record(actor=actor, action="api_key.revoked", target_type="api_key", target_id=key.pk)
    return key


def api_key_authenticate(*, raw: str) -> ApiKey | None:
    """The live key with this raw value, its last use refreshed (at most once a minute)."""
    if not raw or not raw.startswith(ApiKey.PREFIX):
        return None
    key = ApiKey.objects.filter(key_hash=ApiKey.hash(raw), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
