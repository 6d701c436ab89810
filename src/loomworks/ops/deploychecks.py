"""`loomworks check`: is this deployment fit to start? Each problem says what to do.

Run it after configuring a host or a container and after every change of its
configuration, before starting the services. It checks
what Django's own `check --deploy` does not know about: our settings, the
database and its migrations, the broker, the mail server and the media folder.
"""

import smtplib
import ssl
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from loomworks.ops import readiness
from loomworks.ops.readiness import Result

LAPTOP_HOSTS = {"localhost", "127.0.0.1", "[::1]", "testserver"}
PLACEHOLDER_KEY = "loomworks-check-no-secret-key"  # set by the CLI when SECRET_KEY is missing


def secret_key() -> Result:
    key = settings.SECRET_KEY
    if key == PLACEHOLDER_KEY:
        return Result(
            "SECRET_KEY",
            False,
            "not set",
            hint="Set SECRET_KEY to a long random value, the same on every web process and "
            "worker: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    if len(key) < 40 or len(set(key)) < 10 or "insecure" in key or "not-secret" in key:
        return Result(
            "SECRET_KEY",
            False,
            "too short or a placeholder",
            hint="Use at least 50 random characters: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    return Result("SECRET_KEY", True, "set")


def debug() -> Result:
    if settings.DEBUG:
        return Result(
            "DEBUG",
            False,
            "on",
            hint="Unset DEBUG (or DEBUG=0): with it on, error pages show settings and "
            "source to anyone, and every query is kept in memory.",
        )
    return Result("DEBUG", True, "off")


def allowed_hosts() -> Result:
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        return Result(
            "ALLOWED_HOSTS",
            False,
            "'*' accepts any Host header",
            hint="Set ALLOWED_HOSTS to the public host name(s), e.g. loomworks.example.com.",
        )
    if not hosts - LAPTOP_HOSTS:
        return Result(
            "ALLOWED_HOSTS",
            False,
            "only this machine's names",
            hint="Set ALLOWED_HOSTS to the public host name(s), e.g. loomworks.example.com.",
        )
    return Result("ALLOWED_HOSTS", True, ", ".join(sorted(hosts - LAPTOP_HOSTS)))


def site_url() -> Result:
    url = settings.SITE_URL
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        return Result(
            "SITE_URL",
            False,
            f"{url!r} is not an address",
            hint="Set SITE_URL to the address people open, e.g. https://loomworks.example.com.",
        )
    if host in {"localhost", "127.0.0.1", "::1"}:
        return Result(
            "SITE_URL",
            False,
            f"{url} points at this machine: links in e-mails would not work",
            hint="Set SITE_URL to the address people open, e.g. https://loomworks.example.com.",
        )
    allowed = settings.ALLOWED_HOSTS
    if "*" not in allowed and not any(
        host == pattern or (pattern.startswith(".") and host.endswith(pattern))
        for pattern in allowed
    ):
        return Result(
            "SITE_URL",
            False,
            f"its host {host} is not in ALLOWED_HOSTS",
            hint=f"Add {host} to ALLOWED_HOSTS, or correct SITE_URL.",
        )
    if parts.scheme != "https":
        return Result(
            "SITE_URL",
            False,
            f"{url} is not HTTPS: passwords and sessions would cross the network in clear",
            hint="Serve Loomworks over HTTPS (deploy/ has nginx and Caddy sites), set "
            "SITE_URL=https://… and SECURE_COOKIES=1.",
        )
    return Result("SITE_URL", True, url)


def email() -> Result:
    backend = settings.EMAIL_BACKEND
    if not backend.endswith("smtp.EmailBackend"):
        name = backend.rsplit(".", 2)[-2] if "." in backend else backend
        if name in {"console", "locmem", "dummy", "filebased"}:
            return Result(
                "e-mail",
                False,
                f"the {name} backend sends nothing: invitations and notices would be lost",
                hint="Set EMAIL_URL, e.g. smtp://user:password@mail.example.com:587/?tls=True.",
            )
        return Result("e-mail", True, f"{backend} (not checked)")
    host, port = settings.EMAIL_HOST, settings.EMAIL_PORT
    try:
        smtp_class = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        kwargs = {"timeout": settings.EMAIL_TIMEOUT or 10}
        if settings.EMAIL_USE_SSL:
            kwargs["context"] = ssl.create_default_context()
        with smtp_class(host, port, **kwargs) as server:
            server.ehlo()
            if settings.EMAIL_USE_TLS:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if settings.EMAIL_HOST_USER:
                server.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    except (OSError, smtplib.SMTPException) as error:
        return Result(
            "e-mail",
            False,
            f"cannot talk to the mail server {host}:{port}: {readiness._first_line(error)}",
            hint="Check EMAIL_URL (host, port, user, password, ?tls=True or ?ssl=True) and "
            "that this host may reach the mail server.",
        )
    return Result("e-mail", True, f"mail server {host}:{port} answers")


def media() -> Result:
    root = Path(settings.MEDIA_ROOT)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".loomworks-check-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as error:
        return Result(
            "media",
            False,
            f"cannot write to MEDIA_ROOT {root}: {error.strerror or error}",
            hint="Create MEDIA_ROOT and give it to the user the web processes run as "
            "(e.g. chown -R loomworks: /var/lib/loomworks/media).",
        )
    return Result("media", True, f"{root} writable")


def broker() -> Result:
    return readiness.broker() or Result(
        "broker", True, "not used: EVENTS_BACKEND=inline delivers events in the web processes"
    )


def all_checks() -> list[Callable[[], Result]]:
    return [
        secret_key,
        debug,
        allowed_hosts,
        site_url,
        readiness.database,
        readiness.migrations,
        broker,
        email,
        media,
    ]


def run(progress: Callable[[Result], None] | None = None) -> list[Result]:
    """Run every check; a failing database skips the migrations check (it could only fail)."""
    results: list[Result] = []
    database_ok = True
    for check in all_checks():
        if check is readiness.migrations and not database_ok:
            result = Result("migrations", False, "not checked: the database is unreachable")
        else:
            result = check()
        if check is readiness.database:
            database_ok = result.ok
        results.append(result)
        if progress:
            progress(result)
    return results
