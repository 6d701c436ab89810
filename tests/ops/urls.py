"""The app's URLs plus one view that fails, for the error-reporting tests."""

import logging

from django.urls import include, path

log = logging.getLogger("loomworks.tests")


def boom(request):
    log.info("about to fail")
    raise ZeroDivisionError("the view divided by zero")


urlpatterns = [
    path("boom/", boom),
    path("", include("loomworks.urls")),
]
