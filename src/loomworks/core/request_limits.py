"""Refuse a request whose body is too large before anything reads it.

Django limits a form or JSON body (`DATA_UPLOAD_MAX_MEMORY_SIZE`) and the
number of files (`DATA_UPLOAD_MAX_NUMBER_FILES`) only while parsing, and the
files of a multipart body not at all. This middleware reads the declared
`Content-Length` first: a multipart body may carry up to
`MEDIA_MAX_UPLOAD_REQUEST_BYTES` (all its files together), any other body up
to `DATA_UPLOAD_MAX_MEMORY_SIZE`. Beyond that the answer is 413 at once,
in the API's JSON shape under `/api/`, as a short page elsewhere, and the
body is never read. What Django refuses while parsing a body is described
once here too (`body_error`), for the API's handlers and the error pages.
"""

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpResponse, JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.2f}"


def body_limit(request) -> int:
    """How many bytes the body of `request` may declare."""
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/"):
        return settings.MEDIA_MAX_UPLOAD_REQUEST_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_message(limit: int) -> str:
    return _(
        "The request is larger than %(limit)s MB. Send less at once: fewer or smaller files, "
        "or a shorter body."
    ) % {"limit": _megabytes(limit)}


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = body_limit(request)
        if declared > limit:
            return too_large_response(request, limit)
        return self.get_response(request)


class RepeatedQueryParameterMiddleware:
    """Refuse an API request that gives one query parameter twice (`?q=a&q=b`).

    No API parameter is a list, and the parser would quietly keep one of the
    values: a 422 naming the parameter says what to change instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            repeated = next((k for k, v in request.GET.lists() if len(v) > 1), None)
            if repeated is not None:
                return JsonResponse(
                    {
                        "detail": _("Give %(name)s once.") % {"name": repeated},
                        "code": "invalid",
                        "field": repeated,
                    },
                    status=422,
                )
        return self.get_response(request)


def too_large_response(request, limit: int) -> HttpResponse:
    message = too_large_message(limit)
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "code": "too_large", "field": None}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


def body_error(exc: Exception) -> tuple[int, dict]:
    """The status and JSON answer for a request body Django could not, or would not, read.

    These are raised while the body is parsed (inside the handler, when ninja
    reads its parameters), so they come here rather than to Django's HTML 400.
    """
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, {"detail": too_large_message(limit), "code": "too_large", "field": None}
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        detail = _("Send at most %(limit)s files at once.") % {"limit": limit}
        return 400, {"detail": detail, "code": "too_many_files", "field": "files"}
    if isinstance(exc, TooManyFieldsSent):
        detail = _("The request has too many fields.")
        return 400, {"detail": detail, "code": "too_many_fields", "field": None}
    detail = _(
        "The request body could not be read. Send JSON, or files as multipart/form-data "
        "with a boundary and file names of at most 200 characters."
    )
    return 400, {"detail": detail, "code": "malformed", "field": None}


BODY_ERRORS = (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError)
