"""Domain errors. Services raise them; the API and the pages translate them.

Each carries a human sentence (`detail`) that says what is wrong and, where it
helps, what to do next. The API maps them to HTTP statuses in one place
(`loomworks.api.errors`).
"""

from django.utils.translation import gettext as _


class DomainError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail

    def as_dict(self) -> dict:
        return {"detail": self.detail, "code": self.code}


class InvalidInput(DomainError):
    """Input that names something wrong (a field, an unknown id): 422."""

    status_code = 422
    code = "invalid"

    def __init__(self, field: str, detail: str):
        super().__init__(detail)
        self.field = field

    def as_dict(self) -> dict:
        return {"detail": self.detail, "code": self.code, "field": self.field}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str = ""):
        super().__init__(what or _("Not found."))


class Conflict(DomainError):
    """The request clashes with what exists (a duplicate handle, an inactive partner): 409."""

    status_code = 409
    code = "conflict"


class TransitionNotAllowed(Conflict):
    """An action the object's current status does not allow: 409, naming the status."""

    code = "transition_not_allowed"

    def __init__(self, detail: str, *, status: str, action: str):
        super().__init__(detail)
        self.status = status
        self.action = action

    def as_dict(self) -> dict:
        return {"detail": self.detail, "code": self.code, "status": self.status}
