"""WSGI entry point (gunicorn `loomworks.wsgi:application`, or `loomworks run`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loomworks.settings")

application = get_wsgi_application()

from loomworks.events import dispatcher  # noqa: E402

dispatcher.start_if_configured()
