"""One place that turns errors into the API's JSON answers."""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from loomworks.core.errors import DomainError
from loomworks.core.request_limits import BODY_ERRORS, body_error

log = logging.getLogger("loomworks.api")


def _field_name(location: tuple) -> str:
    # ("body", "payload", "assignments", 0, "quantity") -> "assignments[0].quantity"
    # Only the leading place and parameter name go: a field may itself be
    # called "body" (a comment's), and ("body", "payload", "body") -> "body".
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        parts = parts[1:]
    if parts and parts[0] in ("payload", "filters"):
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
}


def _http_code(status: int) -> str:
    return HTTP_CODES.get(status, "error")


def install(api: NinjaAPI) -> None:
    def unreadable_body(request, exc):
        status, body = body_error(exc)
        return api.create_response(request, body, status=status)

    for error_class in BODY_ERRORS:
        api.add_exception_handler(error_class, unreadable_body)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(
            request, {"field": None, **exc.as_dict()}, status=exc.status_code
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = exc.errors
        first = errors[0] if errors else {}
        field = _field_name(tuple(first.get("loc", ())))
        message = first.get("msg", _("Invalid input."))
        detail = f"{field}: {message}" if field else message
        safe_errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors
        ]
        return api.create_response(
            request,
            {"detail": detail, "code": "invalid", "field": field, "errors": safe_errors},
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        return api.create_response(
            request,
            {
                "detail": _(
                    "Log in first: send 'Authorization: Bearer <token>' from POST /api/auth/token."
                ),
                "code": "not_authenticated",
                "field": None,
            },
            status=401,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(
            request,
            {"detail": exc.message, "code": _http_code(exc.status_code), "field": None},
            status=exc.status_code,
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(
            request, {"detail": _("Not found."), "code": "not_found", "field": None}, status=404
        )
