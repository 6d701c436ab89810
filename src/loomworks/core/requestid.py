"""A request id on every log line of a request, and in its response.

The id comes from the `X-Request-ID` header when a proxy in front already set
a sane one (so one id follows the request through nginx, gunicorn and our
logs), else it is generated here. It lives in a context variable for the
length of the request; `RequestIdFilter` copies it onto each log record, so a
formatter can print `%(request_id)s` whatever logger wrote the line.
"""

import contextvars
import logging
import re
import uuid

HEADER = "X-Request-ID"
NO_REQUEST = "-"
# Letters, digits and a few separators, at most 128: enough for a UUID or a
# proxy's own ids, and nothing that could forge a log line or a header.
_SANE = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current() -> str:
    """The id of the request being served on this thread, or "-" outside one."""
    return _current.get()


def from_header(value: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    if value and _SANE.match(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: everything logged while the request runs carries its id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = from_header(request.headers.get(HEADER))
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            _tag_error_reports(request_id)
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers[HEADER] = request_id
        return response


def _tag_error_reports(request_id: str) -> None:
    """Name the request id on an error sent to Sentry (a no-op when SENTRY_DSN is unset)."""
    import sentry_sdk

    sentry_sdk.set_tag("request_id", request_id)


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (attach it to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx answer once the middlewares have returned,
            # so the id is read from the request it names when there is one.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _current.get()
        return True
