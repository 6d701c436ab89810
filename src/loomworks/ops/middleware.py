"""Answer the operations endpoints before anything else looks at the request.

`/healthz`, `/readyz` (load balancers) and `/metrics` (Prometheus) are called
by machines, usually by IP address, so they are answered here, right after
the request-id middleware: `ALLOWED_HOSTS`, `SECURE_SSL_REDIRECT`, sessions
and the language never get in the way, and the request metrics are not
swamped by polls. `/metrics` checks who is asking itself (loomworks.ops.metrics).
"""

from django.http import HttpResponseNotAllowed

from loomworks.ops import metrics, views

ENDPOINTS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": metrics.metrics}


class OperationsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return endpoint(request)
