"""Where the benchmarks point: their own PostgreSQL database and Redis database.

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/lw_bench) and
BENCH_REDIS_URL (default redis://127.0.0.1:6379/13). `setup()` points Django
at them before anything imports a model.
"""

import os
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lw_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def bench_environ() -> dict:
    """The environment a benchmark process (or a worker it starts) runs with."""
    return {
        "DJANGO_SETTINGS_MODULE": "loomworks.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "EVENTS_BACKEND": "celery",
        "EVENTS_DISPATCHER": "off",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loomworks-benchmarks-only",
        "DEBUG": "0",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }


def ensure_database() -> None:
    """Create the benchmark database when it does not exist yet."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url())
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(*, migrate: bool = False) -> None:
    os.environ.update(bench_environ())
    if migrate:
        ensure_database()
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)


def psycopg_url() -> str:
    """The database URL in the form psycopg accepts (postgres:// works as is)."""
    return database_url()
