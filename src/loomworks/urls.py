from django.urls import include, path, re_path

from loomworks.api.router import api
from loomworks.web.portal.media import protected_media

urlpatterns = [
    path("api/", api.urls),
    path("", include("loomworks.web.urls")),
    re_path(r"^media/(?P<path>.+)$", protected_media, name="media"),
]
