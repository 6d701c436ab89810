"""`GET /healthz` and `GET /readyz`, for load balancers and orchestrators.

Both are served by `OperationsMiddleware` before host checks, sessions and the
language middleware: a load balancer polling by IP address gets an answer,
and a poll costs no session lookup. Neither needs a login, and neither leaks
more than which check failed.
"""

from django.http import JsonResponse

from loomworks.ops import readiness


def healthz(request) -> JsonResponse:
    """The process is up and serving; touches nothing else (no database)."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    """Ready for traffic: database reachable, migrations applied, outbox moving, broker up."""
    results = readiness.readiness()
    ready = all(result.ok for result in results)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {result.name: result.as_dict() for result in results},
    }
    response = JsonResponse(body, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
