"""The `loomworks` command: run, createadmin, demo, worker, beat (and Django's own commands).

loomworks run [--host 127.0.0.1] [--port 8000] [--no-demo]
loomworks createadmin --email E --password P
loomworks demo
loomworks worker [--concurrency N] [--pool prefork|threads|solo] [--no-beat] [--hostname H]
loomworks beat
loomworks check
loomworks backup [--to FILE]
loomworks restore FILE [--yes]
loomworks import-medusa --from postgres://… [--schema S] [--dry-run] [--send-invitations]
                        [--batch-size N]
loomworks manage <django command> ...
"""

import argparse
import os
import sys


def _setup(*, local_key: bool = False) -> None:
    """Start Django. With `local_key`, a missing SECRET_KEY means the one kept under var/.

    Commands run by hand next to var/ (run, createadmin, demo, manage) take
    it; workers and beat do not, as their key must be the web processes'.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loomworks.settings")
    if local_key:
        os.environ.setdefault("LOOMWORKS_LOCAL_SECRET_KEY", "1")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    print("Preparing the database…", flush=True)
    call_command("migrate", interactive=False, verbosity=0)


def cmd_run(args: argparse.Namespace) -> int:
    # The web process works the event outbox itself unless Celery does.
    _setup(local_key=True)
    _migrate()
    from loomworks import demo

    logins = None
    if not args.no_demo:
        logins = demo.seed(progress=print) or demo.logins()
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer, run

    from loomworks.reminders import schedule
    from loomworks.wsgi import application

    reminders_here = schedule.start_if_inline()
    url = f"http://{args.host}:{args.port}/"
    print()
    print(
        f"Loomworks is running at {url}  (admin console {url}admin/, partner portal {url}partner/)"
    )
    print(f"API docs: {url}api/docs")
    if logins:
        print("Demo logins:")
        for role, email, password in logins:
            print(f"  {role:<28} {email:<32} {password}")
    if reminders_here:
        print(
            f"Reminders and digests: evaluated here every {settings.REMINDERS_EVERY_SECONDS:g}s.",
            flush=True,
        )
    print(f"Events: {settings.EVENTS_BACKEND}. Press Ctrl+C to stop.", flush=True)
    try:
        run(args.host, args.port, application, threading=True, server_cls=WSGIServer)
    except KeyboardInterrupt:
        print("\nStopped.")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup(local_key=True)
    _migrate()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from loomworks.accounts.services import admin_create_or_update

    try:
        validate_email(args.email)
    except ValidationError:
        print(f"'{args.email}' is not an e-mail address.", file=sys.stderr)
        return 2
    if len(args.password) < 8:
        print("Choose a password of at least 8 characters.", file=sys.stderr)
        return 2
    user, created = admin_create_or_update(email=args.email, password=args.password)
    print(f"{'Created' if created else 'Updated'} brand admin {user.email}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup(local_key=True)
    _migrate()
    from loomworks import demo

    logins = demo.seed(progress=print, force=args.force)
    if logins is None:
        print("Demo data is there already (use --force to add another set).")
        return 0
    for role, email, password in logins:
        print(f"  {role:<28} {email:<32} {password}")
    return 0


def _celery_app():
    """The Celery app, refusing to start when deliveries would not go through Celery."""
    os.environ.setdefault("EVENTS_BACKEND", "celery")
    _setup()
    from django.conf import settings

    if settings.EVENTS_BACKEND != "celery":
        print(
            "EVENTS_BACKEND is 'inline': workers would not hand on the events their own "
            "handlers publish. Set EVENTS_BACKEND=celery (or leave it unset) for workers.",
            file=sys.stderr,
        )
        return None, settings
    from loomworks.celery import app, beat_schedule

    app.conf.beat_schedule = beat_schedule()
    return app, settings


def _describe(app, settings) -> str:
    from kombu.utils.url import maybe_sanitize_url

    reminders = (
        f", reminders every {settings.REMINDERS_EVERY_SECONDS:g}s"
        if settings.REMINDERS_SCHEDULER
        else ", reminders off"
    )
    return (
        f"broker {maybe_sanitize_url(app.conf.broker_url)}, queue {app.conf.task_default_queue}, "
        f"lease {settings.EVENTS_LEASE_SECONDS}s, sweep every {settings.EVENTS_SWEEP_SECONDS:g}s"
        f"{reminders}"
    )


# The beat keeps its schedule in memory (celery.beat:Scheduler): no schedule
# file to share or lock, so every worker can run its own. Sweeps are
# idempotent, so M workers with M beats only sweep M times as often.
IN_MEMORY_SCHEDULER = "celery.beat:Scheduler"


def cmd_worker(args: argparse.Namespace) -> int:
    app, settings = _celery_app()
    if app is None:
        return 2
    argv = [
        "worker",
        "--loglevel",
        args.loglevel,
        "--concurrency",
        str(args.concurrency),
        "--pool",
        args.pool,
        "--queues",
        app.conf.task_default_queue,
    ]
    if not args.no_beat:
        argv += ["--beat", "--scheduler", IN_MEMORY_SCHEDULER]
    if args.hostname:
        argv += ["--hostname", args.hostname]
    print(f"Loomworks worker: {_describe(app, settings)}", flush=True)
    app.worker_main(argv)
    return 0


def cmd_beat(args: argparse.Namespace) -> int:
    app, settings = _celery_app()
    if app is None:
        return 2
    print(f"Loomworks beat (sweep, reminders): {_describe(app, settings)}", flush=True)
    app.start(["beat", "--loglevel", args.loglevel, "--scheduler", IN_MEMORY_SCHEDULER])
    return 0


# --- Operations: check, backup, restore (loomworks.ops; docs/operations/) -------


def cmd_check(args: argparse.Namespace) -> int:
    """Check a deployment's settings and services; non-zero exit when one fails."""
    from loomworks.ops.deploychecks import PLACEHOLDER_KEY

    if not os.environ.get("SECRET_KEY"):
        # Report the missing key with everything else instead of stopping at it.
        os.environ["SECRET_KEY"] = PLACEHOLDER_KEY
    _setup()
    from loomworks.ops import deploychecks

    def show(result) -> None:
        mark = "ok  " if result.ok else "FAIL"
        detail = f": {result.detail}" if result.detail else ""
        print(f"[{mark}] {result.name}{detail}", flush=True)
        if not result.ok and result.hint:
            print(f"       → {result.hint}", flush=True)

    print("Checking this deployment…", flush=True)
    results = deploychecks.run(progress=show)
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"\n{len(failed)} of {len(results)} checks failed: {', '.join(failed)}.")
        return 1
    print(f"\nAll {len(results)} checks passed.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _setup(local_key=True)
    from loomworks.ops import backup

    try:
        summary = backup.backup(args.to, progress=lambda line: print(line, flush=True))
    except backup.BackupError as error:
        print(f"loomworks backup: {error}", file=sys.stderr)
        return 1
    print(
        f"{summary.engine} database ({summary.database_bytes:,} bytes) and "
        f"{summary.media_files} media files in {summary.path}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _setup(local_key=True)
    from django.conf import settings

    from loomworks.ops import backup

    try:
        manifest = backup.read_manifest(args.archive)
    except backup.BackupError as error:
        print(f"loomworks restore: {error}", file=sys.stderr)
        return 1
    database = settings.DATABASES["default"]["NAME"]
    print(
        f"{args.archive}: a {manifest['engine']} backup of {manifest['created_at']} "
        f"(Loomworks {manifest['loomworks']}, {manifest['media_files']} media files)."
    )
    print(f"This REPLACES the database {database} and everything under {settings.MEDIA_ROOT}.")
    print("Stop the web processes and workers first.")
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not confirmed: pass --yes to restore without a question.", file=sys.stderr)
            return 2
        if input("Type 'restore' to go on: ").strip() != "restore":
            print("Nothing changed.")
            return 2
    try:
        backup.restore(args.archive, progress=lambda line: print(line, flush=True))
    except backup.BackupError as error:
        print(f"loomworks restore: {error}", file=sys.stderr)
        return 1
    print("Now run `loomworks manage migrate` if this code is newer than the backup, then start.")
    return 0


# --- end of operations -----------------------------------------------------------


def cmd_import_medusa(args: argparse.Namespace) -> int:
    """Bring a Medusa system's production data over (loomworks.importers.medusa)."""
    _setup(local_key=True)
    if not args.dry_run:  # a dry run changes nothing, not even the schema
        _migrate()
    from loomworks.importers.medusa.importer import import_medusa
    from loomworks.importers.medusa.source import SourceError

    if args.batch_size < 1:
        print("--batch-size is at least 1.", file=sys.stderr)
        return 2
    if args.dry_run:
        print("Dry run: reading everything, writing nothing.", flush=True)
    try:
        report = import_medusa(
            args.source,
            schema=args.schema,
            dry_run=args.dry_run,
            send_invitations=args.send_invitations,
            batch_size=args.batch_size,
            progress=lambda line: print(line, flush=True),
        )
    except SourceError as error:
        print(f"loomworks import-medusa: {error}", file=sys.stderr)
        return 1
    print()
    for line in report.lines():
        print(line)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup(local_key=True)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["loomworks manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loomworks", description="Loomworks production runs.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="migrate, seed demo data once, and serve")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    run.set_defaults(func=cmd_run)

    admin = commands.add_parser("createadmin", help="create or update a brand admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.set_defaults(func=cmd_createadmin)

    demo = commands.add_parser("demo", help="seed the demo data")
    demo.add_argument("--force", action="store_true", help="seed even if demo data exists")
    demo.set_defaults(func=cmd_demo)

    worker = commands.add_parser("worker", help="a Celery worker for event deliveries")
    worker.add_argument("--concurrency", type=int, default=2, help="processes (default 2)")
    worker.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    worker.add_argument("--loglevel", default="info")
    worker.add_argument(
        "--no-beat", action="store_true", help="do not run the periodic sweep in this worker"
    )
    worker.add_argument("--hostname", default=None, help="Celery node name, e.g. w1@%%h")
    worker.set_defaults(func=cmd_worker)

    beat = commands.add_parser(
        "beat", help="only the periodic sweep and reminders (for workers run --no-beat)"
    )
    beat.add_argument("--loglevel", default="info")
    beat.set_defaults(func=cmd_beat)

    # Operations (docs/operations/).
    check = commands.add_parser(
        "check", help="check this deployment's settings, database, broker, e-mail and media"
    )
    check.set_defaults(func=cmd_check)
    backup = commands.add_parser("backup", help="archive the database and the media")
    backup.add_argument(
        "--to", default=None, help="archive file (default: BACKUP_DIR/loomworks-<time>.tar.gz)"
    )
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="replace the database and media from a backup")
    restore.add_argument("archive", help="a file written by `loomworks backup`")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)

    medusa = commands.add_parser(
        "import-medusa", help="import the production data of a Medusa system (read-only)"
    )
    medusa.add_argument(
        "--from", dest="source", required=True, help="the Medusa database: postgres://…"
    )
    medusa.add_argument("--schema", default="", help="its schema, when not the default one")
    medusa.add_argument(
        "--dry-run", action="store_true", help="say what would be imported; write nothing"
    )
    medusa.add_argument(
        "--send-invitations",
        action="store_true",
        help="e-mail imported partner members an invitation to set a password",
    )
    medusa.add_argument("--batch-size", type=int, default=1000, help="rows per batch (1000)")
    medusa.set_defaults(func=cmd_import_medusa)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ImproperlyConfigured as error:  # a setting to fix: say which, without a traceback
        print(f"loomworks: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
