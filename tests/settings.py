"""Settings for the test suite: SQLite file by default, PostgreSQL with LOOMWORKS_TEST_DATABASE_URL."""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SECRET_KEY", "loomworks-tests-only-not-secret")
os.environ["DATABASE_URL"] = (
    os.environ.get("LOOMWORKS_TEST_DATABASE_URL") or f"sqlite:///{ROOT / 'var' / 'tests.sqlite3'}"
)
os.environ["EVENTS_DISPATCHER"] = "off"


def _redis_of_this_worker() -> None:
    """Under pytest-xdist (`-n 2`) each worker process empties and uses its own Redis
    database (the given one, then the ones below it), as each has its own test database."""
    url = os.environ.get("LOOMWORKS_TEST_REDIS_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"…
    if not url or not worker.startswith("gw"):
        return
    base, _slash, db = url.rpartition("/")
    number = int(db or 0) - int(worker[2:])
    if number < 1:
        raise RuntimeError(
            "LOOMWORKS_TEST_REDIS_URL: too many test workers for its Redis database number; "
            "name a higher database (e.g. /15) or run fewer workers."
        )
    os.environ["LOOMWORKS_TEST_REDIS_URL"] = f"{base}/{number}"


_redis_of_this_worker()
os.environ.setdefault("LOOMWORKS_VAR_DIR", str(ROOT / "var"))

from loomworks.settings import *  # noqa: E402,F403
from loomworks.settings import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the live server and race threads need their own connections.
    DATABASES["default"]["TEST"] = {"NAME": str(ROOT / "var" / "test-loomworks.sqlite3")}

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="loomworks-media-"))
EVENTS_RETRY_BASE_SECONDS = 0.01
SITE_URL = "http://testserver"
