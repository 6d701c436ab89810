"""The Celery app for scale-out event delivery (`EVENTS_BACKEND=celery`)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loomworks.settings")

app = Celery("loomworks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["loomworks.events"])
