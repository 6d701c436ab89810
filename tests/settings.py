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
