"""A request id for every request: on the response, in every log line, in error reports.

A client or proxy may send `X-Request-ID` (a short token of letters, digits,
`-` and `_`); otherwise one is made. The id goes back in the response's
`X-Request-ID` header and into every log record written while the request is
served (`%(request_id)s`, through `RequestIdFilter`), so a person who quotes
it from an error page leads straight to the traceback in the logs, the
e-mail to ADMINS, or the Sentry event.
"""

import logging
import re
import uuid
from contextvars import ContextVar

_current: ContextVar[str] = ContextVar("request_id", default="-")
_ACCEPTED = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request being served on this thread, or "-" outside a request."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(HEADER, "")
        request_id = sent if _ACCEPTED.match(sent) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            _tag_error_reports(request_id)
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers.setdefault(HEADER, request_id)
        return response


def _tag_error_reports(request_id: str) -> None:
    """Sentry (when SENTRY_DSN is set) files this request's errors under its id too."""
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - sentry-sdk is a dependency
        return
    sentry_sdk.set_tag("request_id", request_id)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, "-" when it was written outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
