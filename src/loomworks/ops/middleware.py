"""Answer the load balancer's probes before anything else looks at the request.

Sits right after the request-id middleware. `/healthz` and `/readyz` are
answered here, so `ALLOWED_HOSTS` (a probe often calls by IP address),
`SECURE_SSL_REDIRECT`, sessions and the language never get in the way, and
the request metrics are not swamped by polls.
"""

from django.http import HttpResponseNotAllowed

from loomworks.ops import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return probe(request)
