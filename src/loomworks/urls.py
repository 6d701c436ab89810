from django.urls import include, path, re_path

from loomworks.api.router import api
from loomworks.ops.metrics import metrics
from loomworks.web.portal.media import protected_media

urlpatterns = [
    path("api/", api.urls),
    # Operations: Prometheus metrics (/healthz and /readyz are answered by
    # loomworks.ops.middleware.ProbeMiddleware, before host checks).
    path("metrics", metrics, name="metrics"),
    path("", include("loomworks.web.urls")),
    re_path(r"^media/(?P<path>.+)$", protected_media, name="media"),
]
