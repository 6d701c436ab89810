from django.urls import include, path, re_path

from loomworks.api.router import api
from loomworks.web.portal.media import protected_media

urlpatterns = [
    path("api/", api.urls),
    path("", include("loomworks.web.urls")),
    re_path(r"^media/(?P<path>.+)$", protected_media, name="media"),
]

# JSON under /api/, a short page elsewhere (see web/error_pages.py).
handler400 = "loomworks.web.error_pages.bad_request"
handler403 = "loomworks.web.error_pages.permission_denied"
handler404 = "loomworks.web.error_pages.page_not_found"
handler500 = "loomworks.web.error_pages.server_error"
