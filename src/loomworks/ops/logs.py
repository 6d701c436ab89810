"""The logging set-up, built from settings (`LOG_FORMAT`, `LOG_LEVEL`, `DJANGO_LOG_LEVEL`).

Imported by settings.py, so nothing here may import Django models. Every
handler stamps the request id on the record; `LOG_FORMAT=json` writes one
JSON object a line (python-json-logger) for a log collector, the default a
plain line for people. Django's own loggers go to the same handler, so an
unhandled error in a request is written with its traceback and request id
whatever DEBUG says, and is e-mailed to ADMINS when they are set.
"""

import logging

# Paths the load balancer polls: their answers are not worth a log line each,
# even a 503 from /readyz (a crash inside them still is).
PROBE_PATHS = frozenset({"/healthz", "/readyz"})

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class QuietProbesFilter(logging.Filter):
    """Drop Django's "Service Unavailable: /readyz" lines; keep real errors in probes."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        return not (path in PROBE_PATHS and not record.exc_info)


def logging_config(*, fmt: str = "plain", level: str = "INFO", django_level: str = "WARNING"):
    if fmt not in {"plain", "json"}:
        raise ValueError("LOG_FORMAT must be 'plain' or 'json'.")
    stamp = ["request_id", "quiet_probes"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "loomworks.core.requestid.RequestIdFilter"},
            "quiet_probes": {"()": "loomworks.ops.logs.QuietProbesFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "format": JSON_FIELDS,
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
            "mail": {"format": "%(message)s\n\nRequest id: %(request_id)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": stamp,
            },
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "formatter": "mail",
                "filters": ["require_debug_false", *stamp],
            },
        },
        "loggers": {
            "loomworks": {"handlers": ["console"], "level": level},
            # Workers and beat: Celery's own lines in the same format
            # (loomworks.celery keeps Celery from installing handlers of its own).
            "celery": {"handlers": ["console"], "level": level},
            # django.request logs every unhandled error (with its traceback) at ERROR.
            "django": {
                "handlers": ["console", "mail_admins"],
                "level": django_level,
            },
        },
    }
