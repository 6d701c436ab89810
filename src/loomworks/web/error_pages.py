"""What Django answers when no view did: JSON under `/api/`, a page elsewhere.

Django calls these for an unknown address (404), a request it refused
before any view ran (400: an unreadable body, too many files), a refused
permission (403) and an unhandled error (500, after logging it with the
request id). An API client always gets the API's shape,
`{"detail", "code", "field"}`; a person gets a page that says what to do.
"""

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from loomworks.core.request_limits import API_PREFIX, body_error
from loomworks.core.requestid import current as current_request_id


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _answer(request, status: int, code: str, detail: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": detail, "code": code, "field": None}, status=status)
    body = loader.render_to_string(
        "web/error.html", {"status": status, "message": detail}, request=None
    )
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    if exception is not None:
        status, answer = body_error(exception)
        return _answer(request, status, answer["code"], answer["detail"])
    return _answer(request, 400, "bad_request", _("The request could not be read."))


def permission_denied(request, exception=None):
    return _answer(request, 403, "forbidden", _("You may not open this page."))


def page_not_found(request, exception=None):
    return _answer(request, 404, "not_found", _("Not found."))


def server_error(request):
    detail = _(
        "Something went wrong on our side and it was recorded. Try again in a moment; "
        "if it keeps happening, tell the brand and quote the reference %(id)s."
    ) % {"id": current_request_id()}
    return _answer(request, 500, "server_error", detail)
