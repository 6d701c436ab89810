"""Who does something. Every service takes an explicit actor.

History rows, comments and events record the actor's kind and name, so the
audit trail says "Ana (Atelier Nord) accepted" or "system completed".

A program calling with an API key acts for the brand (kind "admin", no user)
within the key's scopes; `api_key_id` names the key, so what it wrote is
attributed to it: "API key Shop sync" in history, the key's id beside it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Actor:
    kind: str  # "admin" | "partner" | "system"
    user_id: int | None = None
    name: str = ""
    partner_id: str | None = None
    api_key_id: str | None = None

    ADMIN = "admin"
    PARTNER = "partner"
    SYSTEM = "system"

    @property
    def is_admin(self) -> bool:
        return self.kind == self.ADMIN

    @property
    def is_partner(self) -> bool:
        return self.kind == self.PARTNER

    @property
    def is_system(self) -> bool:
        return self.kind == self.SYSTEM

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    def as_payload(self) -> dict:
        payload = {"kind": self.kind, "user_id": self.user_id, "name": self.name}
        if self.api_key_id:
            payload["api_key_id"] = self.api_key_id
        return payload

    def audit_details(self) -> dict:
        """What a history row keeps beside the actor's kind and name: the key it used."""
        return {"api_key_id": self.api_key_id} if self.api_key_id else {}

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=cls.SYSTEM, name=_("Loomworks"))

    @classmethod
    def admin(cls, user) -> "Actor":
        return cls(kind=cls.ADMIN, user_id=user.pk, name=user.display_name)

    @classmethod
    def api_key(cls, key) -> "Actor":
        return cls(
            kind=cls.ADMIN, name=_("API key %(name)s") % {"name": key.name}, api_key_id=key.pk
        )

    @classmethod
    def partner(cls, user, partner) -> "Actor":
        return cls(kind=cls.PARTNER, user_id=user.pk, name=user.display_name, partner_id=partner.pk)


SYSTEM = Actor.system
