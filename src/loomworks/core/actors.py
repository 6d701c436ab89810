"""Who does something. Every service takes an explicit actor.

History rows, comments and events record the actor's kind and name, so the
audit trail says "Ana (Atelier Nord) accepted" or "system completed".
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Actor:
    kind: str  # "admin" | "partner" | "system"
    user_id: int | None = None
    name: str = ""
    partner_id: str | None = None

    ADMIN = "admin"
    PARTNER = "partner"
    SYSTEM = "system"

    @property
    def is_admin(self) -> bool:
        return self.kind == self.ADMIN

    @property
    def is_partner(self) -> bool:
        return self.kind == self.PARTNER

    def as_payload(self) -> dict:
        return {"kind": self.kind, "user_id": self.user_id, "name": self.name}

    @classmethod
    def system(cls) -> "Actor":
        return cls(kind=cls.SYSTEM, name=_("Loomworks"))

    @classmethod
    def admin(cls, user) -> "Actor":
        return cls(kind=cls.ADMIN, user_id=user.pk, name=user.display_name)

    @classmethod
    def partner(cls, user, partner) -> "Actor":
        return cls(kind=cls.PARTNER, user_id=user.pk, name=user.display_name, partner_id=partner.pk)


SYSTEM = Actor.system
