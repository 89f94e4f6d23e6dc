"""Production security: sign-in throttling, Argon2, the Content-Security-Policy, `check --deploy`."""

import secrets
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, make_password
from django.test import override_settings

from devtools.demo import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def production_env() -> dict[str, str]:
    """deploy/production.env.example as an environment, with a real secret key."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    return env


def test_check_deploy_is_clean_with_the_production_environment():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_when_production_settings_are_missing():
    """The test above can fail: without HTTPS settings the same check reports them."""
    env = {**production_env(), "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # HSTS


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_passwords_are_hashed_with_argon2_and_old_hashes_still_verify():
    from django.conf import settings

    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_password("correct horse").startswith("argon2$")
    old = make_password("correct horse", hasher="pbkdf2_sha256")
    assert check_password("correct horse", old)


def test_the_project_settings_choose_argon2():
    """The suite itself hashes with MD5 for speed (conftest); the product's settings say Argon2."""
    import config.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.usefixtures("demo")
def test_r1_1_sign_in_is_throttled_after_five_wrong_passwords(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
        assert response.status_code == 200
        assert "The email or password is not correct." in response.content.decode()
    response = client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    # Even the right password is refused during the pause, and the session stays anonymous.
    response = client.post("/login/", {"username": "owner@acme.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another email from the same address is not locked out by someone else's mistakes.
    response = client.post("/login/", {"username": "admin@acme.test", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.usefixtures("demo")
def test_the_throttle_pause_ends_and_a_good_sign_in_clears_the_count(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
    after_the_pause = datetime.now(UTC) + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
    with time_machine.travel(after_the_pause, tick=False):
        response = client.post("/login/", {"username": "owner@acme.test", "password": PASSWORD})
        assert response.status_code == 302
        client.post("/logout/")
        # The good sign-in cleared the count: one more mistake is a plain error, not a lock-out.
        response = client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
        assert response.status_code == 200


@pytest.mark.usefixtures("demo")
def test_the_locked_out_page_speaks_french(client, settings):
    client.cookies["django_language"] = "fr"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "owner@acme.test", "password": "wrong"})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


@pytest.mark.usefixtures("demo")
def test_pages_carry_a_content_security_policy_without_inline_scripts(client_for):
    from tests.helpers import demo_member

    response = client_for(demo_member("owner@acme.test")).get("/admin/account/billing/subscription/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "hx-on" not in html


def test_client_ip_trusts_only_the_proxys_own_entry(rf, settings):
    from accounts.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    assert client_ip(request) == "203.0.113.9"


BILLING = "/admin/account/billing/"
PRIVATE = [
    BILLING + "subscription/",
    BILLING + "subscription/manage/",
    BILLING + "invoices/",
    BILLING + "history/",
    BILLING + "payment/",
    BILLING + "contacts/",
    BILLING + "export/",
    BILLING + "cancellations/",
    "/admin/",
]


@pytest.mark.usefixtures("demo")
def test_nothing_a_signed_in_user_sees_is_kept_by_a_cache_on_the_way(sign_in):
    from billing.models import Invoice

    client = sign_in("owner@acme.test")
    invoice = Invoice.objects.filter(account__name="Acme Self-Service").exclude(number="").first()
    for path in [*PRIVATE, f"{BILLING}invoices/{invoice.pk}/pdf/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        cache = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache, path
        assert "camera=()" in response["Permissions-Policy"], path


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_read_only_pages_answer_other_methods_with_405(sign_in, method):
    client = sign_in("owner@acme.test")
    for path in PRIVATE:
        response = getattr(client, method)(path)
        assert response.status_code == 405, (method, path, response.status_code)
