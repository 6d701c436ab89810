"""The two-command setup: the CLI, the login page and the API document."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from loomworks.cli import main
from loomworks.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_createadmin_twice_succeeds_and_the_credentials_log_in(client, capsys):
    assert main(["createadmin", "--email", "a@example.com", "--password", "S3cure-pass!"]) == 0
    assert main(["createadmin", "--email", "a@example.com", "--password", "S3cure-pass!"]) == 0
    output = capsys.readouterr().out
    assert "Created brand admin a@example.com" in output
    assert "Updated brand admin a@example.com" in output
    assert get_user_model().objects.filter(email="a@example.com").count() == 1
    audited = list(
        AuditEntry.objects.filter(target_type="user")
        .order_by("pk")
        .values_list("action", "actor_kind")
    )
    assert audited == [("user.admin_created", "system"), ("user.admin_updated", "system")]

    response = client.post("/login", {"email": "a@example.com", "password": "S3cure-pass!"})
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_createadmin_refuses_a_short_password(capsys):
    assert main(["createadmin", "--email", "a@example.com", "--password", "short"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_login_page_and_openapi_document_are_served(client):
    assert client.get("/login").status_code == 200
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Loomworks API"


def test_wrong_password_shows_a_clear_error(client):
    response = client.post("/login", {"email": "nobody@example.com", "password": "whatever-1"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_demo_seed_makes_runs_in_every_status_once():
    from loomworks import demo
    from loomworks.production.models import ProductionRun, RunStatus

    assert demo.seed() is not None
    statuses = set(ProductionRun.objects.values_list("status", flat=True))
    assert statuses == set(RunStatus.values)
    count = ProductionRun.objects.count()
    assert demo.seed() is None
    assert ProductionRun.objects.count() == count


def test_login_follows_next_only_inside_the_users_own_area(client):
    from tests.factories import PASSWORD, MemberFactory

    member = MemberFactory()
    response = client.post(
        "/login?next=/admin/production-runs/", {"email": member.user.email, "password": PASSWORD}
    )
    assert response.url == "/partner/"
    client.logout()
    response = client.post(
        "/login?next=/partner/notifications/", {"email": member.user.email, "password": PASSWORD}
    )
    assert response.url == "/partner/notifications/"


def _plain_shell(var_dir) -> dict:
    """The environment of a fresh clone's shell: no SECRET_KEY, no DEBUG, no DATABASE_URL."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var_dir),
        "LOOMWORKS_VAR_DIR": str(var_dir),
    }


LOOMWORKS = Path(sys.executable).parent / "loomworks"


@pytest.mark.skipif(not LOOMWORKS.exists(), reason="needs the installed `loomworks` command")
def test_createadmin_from_a_plain_shell_succeeds_twice_and_those_credentials_log_in(tmp_path):
    env = _plain_shell(tmp_path)
    command = [str(LOOMWORKS), "createadmin", "--email", "a@example.com"]
    for _ in range(2):
        done = subprocess.run(
            [*command, "--password", "S3cure-pass!"], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    check = (
        "from django.test import Client; r = Client().post('/api/auth/token',"
        " {'email': 'a@example.com', 'password': 'S3cure-pass!'}, content_type='application/json');"
        " print(r.status_code)"
    )
    login = subprocess.run(
        [str(LOOMWORKS), "manage", "shell", "-c", check], env=env, capture_output=True, text=True
    )
    assert login.stdout.strip().splitlines()[-1] == "200", login.stderr
    # The key was kept under var/, so the next command (and `make run`) signs with the same one.
    assert (tmp_path / "secret_key").exists()


@pytest.mark.skipif(not LOOMWORKS.exists(), reason="needs the installed `loomworks` command")
def test_a_worker_without_secret_key_says_what_to_set_instead_of_a_traceback(tmp_path):
    done = subprocess.run(
        [str(LOOMWORKS), "worker"], env=_plain_shell(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr


def _site_url_after_run_args(host: str, port: int, env_site_url: str | None = None) -> str:
    import os
    import subprocess
    import sys

    script = (
        "import os, django\n"
        "from loomworks.cli import default_site_url\n"
        f"default_site_url({host!r}, {port})\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'loomworks.settings'\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(settings.SITE_URL)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env.setdefault("SECRET_KEY", "x")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if env_site_url:
        env["SITE_URL"] = env_site_url
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_run_with_a_port_makes_it_the_default_site_url():
    assert _site_url_after_run_args("127.0.0.1", 8080) == "http://127.0.0.1:8080"
    assert _site_url_after_run_args("0.0.0.0", 9000) == "http://127.0.0.1:9000"
    # A SITE_URL given by the operator wins.
    given = "https://loom.example.com"
    assert _site_url_after_run_args("0.0.0.0", 9000, env_site_url=given) == given
