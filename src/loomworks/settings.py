"""Settings, read from environment variables with safe defaults for a laptop.

The variables are listed in docs/operations/configuration.md. Nothing here needs a
file to be edited: `DATABASE_URL` picks the database, `EVENTS_BACKEND` picks how
event deliveries run, and so on.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("LOOMWORKS_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("LOOMWORKS_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; else, on a laptop, a key kept under var/.

    The key under var/ is used with DEBUG on, and by the commands run by hand
    on the machine that holds var/ (`loomworks run`, `createadmin`, `demo`,
    `manage` set LOOMWORKS_LOCAL_SECRET_KEY), so they agree with `make run`.
    Web processes under gunicorn and workers must be given SECRET_KEY: what
    one signs (sessions, links in e-mails) has to check out on the others.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or env_bool("LOOMWORKS_LOCAL_SECRET_KEY")):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to the same "
            "long random value on every web process and worker "
            "(or DEBUG=1 on a laptop to have one generated under var/)."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# While SECRET_KEY is being changed: the previous keys, so signed cookies and the
# secrets sealed in the database (core/sealed.py) stay readable until resealed.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
# Mixed with SECRET_KEY to derive the key that seals stored secrets (not a secret itself).
SALT_KEY = env_list("LOOMWORKS_SALT_KEYS", "loomworks-sealed-secrets-v1")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "csp",
    "ninja",
    "loomworks.core",
    "loomworks.accounts",
    "loomworks.events",
    "loomworks.partners",
    "loomworks.catalog",
    "loomworks.orders",
    "loomworks.work",
    "loomworks.production",
    "loomworks.money",
    "loomworks.notifications",
    "loomworks.reminders",
    "loomworks.integrations",
    "loomworks.insights",
    "loomworks.api",
    "loomworks.web",
    "loomworks.ops",
]

MIDDLEWARE = [
    # Operations (loomworks.ops): a request id on every log line; /healthz,
    # /readyz and /metrics answered before host checks; request metrics.
    "loomworks.core.requestid.RequestIdMiddleware",
    "loomworks.ops.middleware.OperationsMiddleware",
    "loomworks.ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: a declared size over the limit is a 413.
    "loomworks.core.request_limits.RequestSizeLimitMiddleware",
    "loomworks.core.request_limits.RepeatedQueryParameterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The person's own language, else the browser's (replaces LocaleMiddleware).
    "loomworks.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    # Pages and API answers for a logged-in person are never cached (Back shows them anew).
    "loomworks.core.middleware.PrivateResponsesMiddleware",
]

ROOT_URLCONF = "loomworks.urls"
WSGI_APPLICATION = "loomworks.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database(url: str) -> dict:
    # A kept connection (CONN_MAX_AGE > 0, in web processes and Celery workers alike) is
    # checked with a cheap query before its first use in each request or task, so one
    # the server dropped (a restart, pg_terminate_backend, an idle timeout) is replaced
    # instead of failing that request or delivery. CONN_HEALTH_CHECKS=0 turns it off.
    config = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=os.environ.get("CONN_HEALTH_CHECKS", "1") != "0",
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work beside the one writer; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue instead of failing on upgrade.
        config.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        name = config.get("NAME")
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'loomworks.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A list's total is counted exactly up to this many rows, then estimated
# (`loomworks.core.paging`): counting a million rows costs more than the page.
LIST_COUNT_CAP = int(os.environ.get("LIST_COUNT_CAP", "10000"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a login while it is locked out
    "loomworks.accounts.backends.EmailBackend",
]

# Wrong passwords (django-axes, see accounts/lockout.py): after LOGIN_FAILURE_LIMIT
# failures for one e-mail from one client address, that pair waits
# LOGIN_COOLOFF_MINUTES. Behind N reverse proxies set LOGIN_PROXY_COUNT=N so the
# client's address is read from X-Forwarded-For.
AXES_ENABLED = env_bool("LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "loomworks.accounts.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "loomworks.accounts.lockout.keep_our_answer"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = (
    int(os.environ["LOGIN_PROXY_COUNT"]) if os.environ.get("LOGIN_PROXY_COUNT") else None
)
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login"
# How long an invitation or "forgot your password?" link works, in seconds.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))
# "Forgot your password?" floods (accounts/throttle.py): per e-mail address and
# per client address, within a window.
PASSWORD_RESET_EMAIL_LIMIT = int(os.environ.get("PASSWORD_RESET_EMAIL_LIMIT", "3"))
PASSWORD_RESET_CLIENT_LIMIT = int(os.environ.get("PASSWORD_RESET_CLIENT_LIMIT", "10"))
PASSWORD_RESET_WINDOW_MINUTES = int(os.environ.get("PASSWORD_RESET_WINDOW_MINUTES", "60"))
LOGOUT_REDIRECT_URL = "/login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("hi", _("Hindi")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Our formats where Django's differ from how people write (Hindi: 03/04/2027, 1,50,000).
FORMAT_MODULE_PATH = ["loomworks.core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there too
# Serve straight from the apps' static folders: `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads and request bodies (docs/operations/configuration.md). Each limit is checked
# before the work it protects: the declared size of a request before its body
# is read (core/request_limits.py), the number of files while it is parsed,
# an image's pixel count from its header before it is decoded.
MEDIA_MAX_UPLOAD_BYTES = int(os.environ.get("MEDIA_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
MEDIA_MAX_FILES_PER_UPLOAD = int(os.environ.get("MEDIA_MAX_FILES_PER_UPLOAD", "10"))
MEDIA_MAX_UPLOAD_REQUEST_BYTES = int(
    os.environ.get("MEDIA_MAX_UPLOAD_REQUEST_BYTES", str(40 * 1024 * 1024))
)
MEDIA_MAX_IMAGE_PIXELS = int(os.environ.get("MEDIA_MAX_IMAGE_PIXELS", str(40_000_000)))
# A body that is not an upload (JSON, a form): Django refuses a larger one.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("REQUEST_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FILES = MEDIA_MAX_FILES_PER_UPLOAD
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# ---------------------------------------------------------------- response headers
# Served over https (SITE_URL says so): cookies only over TLS, and browsers
# told to use nothing else (HSTS, HSTS_SECONDS; the header is sent on https
# requests, so behind a TLS proxy set TRUST_X_FORWARDED_PROTO=1, below).
SERVED_OVER_HTTPS = os.environ.get("SITE_URL", "").strip().lower().startswith("https://")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SERVED_OVER_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600 if SERVED_OVER_HTTPS else 0))
)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles from this site only,
# no inline script; style attributes (progress bars, colour swatches) allowed.
# Pictures may come from the web (designs' thumbnails). /api/docs loads its
# viewer from a CDN with an inline script, so it goes without the header.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:", "http:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# E-mail: console by default; EMAIL_URL (smtp://user:pass@host:port) or
# EMAIL_BACKEND picks another transport.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Loomworks <loomworks@localhost>")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
if os.environ.get("EMAIL_URL"):
    _email = dj_email_url.parse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]

# The address partners and admins are sent to from e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Events: "inline" runs deliveries on a thread inside the web process;
# "celery" hands them to Celery workers (see docs/architecture.md, "Events").
EVENTS_BACKEND = os.environ.get("EVENTS_BACKEND", "inline")
if EVENTS_BACKEND not in {"inline", "celery"}:
    raise ImproperlyConfigured("EVENTS_BACKEND must be 'inline' or 'celery'.")
EVENTS_MAX_ATTEMPTS = int(os.environ.get("EVENTS_MAX_ATTEMPTS", "6"))
EVENTS_LEASE_SECONDS = int(os.environ.get("EVENTS_LEASE_SECONDS", "120"))
EVENTS_RETRY_BASE_SECONDS = float(os.environ.get("EVENTS_RETRY_BASE_SECONDS", "5"))
EVENTS_POLL_SECONDS = float(os.environ.get("EVENTS_POLL_SECONDS", "5"))
# Workers' and the dispatcher's commits do not wait for the disk (PostgreSQL's
# synchronous_commit=off on their connections only): a crash of PostgreSQL can
# lose their last instant of work, which the outbox then does again (see
# core.database.commit_without_waiting_for_the_disk). 0: every commit waits.
EVENTS_ASYNC_COMMIT = os.environ.get("EVENTS_ASYNC_COMMIT", "1") != "0"

# Celery (EVENTS_BACKEND=celery). A delivery is acknowledged only after its
# handler returned, and re-queued if the worker process dies under it; each
# process takes one message at a time. The lease (EVENTS_LEASE_SECONDS) keeps a
# second worker off a delivery in progress; the broker's visibility timeout
# must be far longer, or Redis hands a slow delivery to a second worker. The
# periodic sweep re-sends deliveries whose lease ran out or whose message was
# lost (see loomworks.events.tasks).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "loomworks")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True
# A handler may not outlive its lease: soft limit → a failed attempt, retried;
# hard limit → the process is replaced and the sweep re-sends the delivery.
CELERY_TASK_TIME_LIMIT = EVENTS_LEASE_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = max(1, int(EVENTS_LEASE_SECONDS * 0.8))
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
if CELERY_VISIBILITY_TIMEOUT < 2 * EVENTS_LEASE_SECONDS:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be at least twice EVENTS_LEASE_SECONDS "
        "(a message must not come back while its delivery may still be running)."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 5,
}
# A request that commits while the broker is down must not hang: two quick
# tries, then the sweep sends the delivery once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the database connection around every task, so a
# worker would pay a new PostgreSQL connection per delivery whatever CONN_MAX_AGE
# says. With DB_REUSE_MAX it closes only once per that many tasks; between them
# loomworks.celery applies Django's own rule (CONN_MAX_AGE, CONN_HEALTH_CHECKS)
# before and after each task, as a web request does. With CONN_MAX_AGE=0 that
# still closes the connection after every task.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "10000"))
# Extra modules a worker imports at start, e.g. a deployment's own subscribers
# (the scale tests use it for a subscriber that exists only in their workers).
CELERY_IMPORTS = env_list("CELERY_IMPORTS")
# How often the sweep runs, and how long a new delivery may wait in the queue
# before the sweep takes its message for lost.
EVENTS_SWEEP_SECONDS = float(
    os.environ.get("EVENTS_SWEEP_SECONDS") or os.environ.get("CELERY_BEAT_SWEEP_SECONDS") or "15"
)
EVENTS_SWEEP_GRACE_SECONDS = float(os.environ.get("EVENTS_SWEEP_GRACE_SECONDS", "60"))

API_TOKEN_IDLE_DAYS = 30

# Chasing late work (loomworks.reminders): how often the rules are evaluated,
# how far back a missed evaluation is caught up, and how many runs one batch
# takes. In the default one-process setup `loomworks run` evaluates them on a
# thread; with Celery the beat does (`loomworks worker` or `loomworks beat`).
REMINDERS_EVERY_SECONDS = float(os.environ.get("REMINDERS_EVERY_SECONDS", "300"))
REMINDERS_CATCH_UP_DAYS = int(os.environ.get("REMINDERS_CATCH_UP_DAYS", "7"))
REMINDERS_BATCH = int(os.environ.get("REMINDERS_BATCH", "500"))
REMINDERS_SCHEDULER = env_bool("REMINDERS_SCHEDULER", True)

# WhatsApp Business Cloud API: off unless both the token and the sending
# number's id are set. The base URL is a setting so tests (or a proxy) can
# stand in for Meta's server.
WHATSAPP_TOKEN = os.environ.get("WHATSAPP_TOKEN", "")
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_API_URL = os.environ.get("WHATSAPP_API_URL", "https://graph.facebook.com")
WHATSAPP_API_VERSION = os.environ.get("WHATSAPP_API_VERSION", "v21.0")
WHATSAPP_TIMEOUT = float(os.environ.get("WHATSAPP_TIMEOUT", "10"))

# Outgoing webhooks (loomworks.integrations). Targets on private, loopback and
# link-local addresses are refused unless WEBHOOKS_ALLOW_PRIVATE=1 (tests, development).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE")
WEBHOOKS_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))
# Attempts of one message before it counts as failed (back-off from EVENTS_RETRY_BASE_SECONDS,
# doubling, at most an hour apart: 12 attempts span about two and a half hours).
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "12"))
# Messages in a row that failed every attempt before an endpoint is disabled.
WEBHOOKS_DISABLE_AFTER = int(os.environ.get("WEBHOOKS_DISABLE_AFTER", "5"))

# --- Operations: logs, error reports, probes, metrics (docs/operations/) ---------
# LOG_FORMAT=json writes one JSON object a line; every line of a request
# carries its request id (X-Request-ID). Unhandled errors are logged with their
# traceback whatever DEBUG says, e-mailed to ADMINS ("Name <a@b>, c@d") when
# set, and sent to Sentry when SENTRY_DSN is set.
from loomworks.ops.logs import logging_config  # noqa: E402

LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = logging_config(
    fmt=LOG_FORMAT,
    level=os.environ.get("LOG_LEVEL", "INFO"),
    django_level=os.environ.get("DJANGO_LOG_LEVEL", "WARNING"),
)


def _admins(value: str) -> list[tuple[str, str]]:
    from email.utils import getaddresses

    return [(name, address) for name, address in getaddresses([value]) if address]


ADMINS = _admins(os.environ.get("ADMINS", ""))
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = os.environ.get("EMAIL_SUBJECT_PREFIX", "[Loomworks] ")

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.logging import ignore_logger

    from loomworks import __version__

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=f"loomworks@{__version__}",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
    # Unhandled errors reach Sentry through Django's signal; the "Service
    # Unavailable" lines of a failing /readyz poll would only be noise.
    ignore_logger("django.request")

# GET /readyz answers 503 when the oldest due event delivery has waited longer
# than this, or the database, migrations or (with Celery) the broker fail.
READY_OUTBOX_LAG_SECONDS = float(os.environ.get("READY_OUTBOX_LAG_SECONDS", "300"))
READY_BROKER_TIMEOUT = float(os.environ.get("READY_BROKER_TIMEOUT", "2"))

# GET /metrics (Prometheus): with 'Authorization: Bearer $METRICS_TOKEN', or
# from an address in METRICS_ALLOW_IPS (addresses or networks; default: this
# machine). Behind a proxy on the same host every caller looks local: block
# /metrics in the proxy (deploy/nginx/loomworks.conf does) or set a token.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOW_IPS = env_list("METRICS_ALLOW_IPS", "127.0.0.1,::1")


def _networks(values: list[str]) -> list:
    import ipaddress

    try:
        return [ipaddress.ip_network(value, strict=False) for value in values]
    except ValueError as error:
        raise ImproperlyConfigured(f"METRICS_ALLOW_IPS: {error}") from error


METRICS_ALLOW_NETWORKS = _networks(METRICS_ALLOW_IPS)

# Behind nginx or Caddy terminating HTTPS: trust their X-Forwarded-Proto, so
# Django knows the request was secure (CSRF origin checks, secure redirects).
# Only set it when the proxy overwrites that header (both files in deploy/ do).
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# loomworks backup / restore: where archives go by default.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# --- end of operations ---------------------------------------------------------
