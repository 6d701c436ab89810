from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from loomworks.api.router import api

urlpatterns = [
    path("api/", api.urls),
    path("", include("loomworks.web.urls")),
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
