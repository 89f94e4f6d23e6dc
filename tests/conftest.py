import os
import shutil
from datetime import UTC, datetime

import pytest
from django.db.models import Max
from django.test import Client

from accounts.models import Membership
from billing.models import BillingEvent
from devtools.demo import PASSWORD, seed_demo
from tests.factories import MembershipFactory

# Playwright's sync API runs an event loop in the test thread; Django must accept ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"  # data exports


@pytest.fixture
def now():
    return NOW


DEMO = {"last_event": 0}


@pytest.fixture
def demo(db):
    """The demo data of the README, loaded at NOW."""
    seed_demo(now=NOW)
    DEMO["last_event"] = BillingEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def new_events():
    """The billing events recorded since the demo was loaded (the demo's past invoices have theirs)."""
    return BillingEvent.objects.filter(pk__gt=DEMO["last_event"])


def demo_member(email: str) -> Membership:
    return Membership.objects.select_related("account", "user").get(user__email=email)


@pytest.fixture
def client_for():
    """A test client signed in as a membership's user (or a user)."""

    def make(who) -> Client:
        user = getattr(who, "user", who)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def sign_in():
    """A client signed in through the real sign-in form, as a demo user."""

    def make(email: str) -> Client:
        client = Client()
        response = client.post("/login/", {"username": email, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return make


@pytest.fixture
def owner(db):
    return MembershipFactory(owner=True)


@pytest.fixture
def billing_admin(owner):
    return MembershipFactory(account=owner.account, role=Membership.Role.BILLING_ADMIN)


@pytest.fixture
def admin(owner):
    return MembershipFactory(account=owner.account, role=Membership.Role.ADMIN)


@pytest.fixture
def agent(owner):
    return MembershipFactory(account=owner.account, role=Membership.Role.AGENT)


# Browser tests: Debian's Chromium driven by Playwright (RECIPES.md). Without Chromium they skip, unless
# CI_STRICT=1 (CI), where a missing browser is a failure.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        if os.environ.get("CI_STRICT") == "1":
            pytest.fail("Chromium is required (CI_STRICT=1) but was not found: apt-get install chromium")
        pytest.skip(
            "Chromium not installed: apt-get install chromium (CI sets CI_STRICT=1 and fails instead)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
