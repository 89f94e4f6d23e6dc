import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db.models import Max
from django.test import Client, override_settings

from accounts.models import Account, Membership
from billing import gateway
from billing.models import BillingEvent
from config.csp import with_stripe
from devtools.demo import PASSWORD, seed_demo
from tests import stripe_server
from tests.email_parts import assert_same_facts
from tests.factories import MembershipFactory
from tests.helpers import DEMO, NOW, TODAY, owners_let_go

# Playwright's sync API runs an event loop in the test thread; Django must accept ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    """The suite's clock starts at TODAY, whatever the real date: the demo is loaded at NOW and the pages
    read it as of TODAY, so the suite passes the same way next month. The clock ticks; this process (and
    the live server's thread in it) and every Python child it starts (tests/clock/sitecustomize.py) share
    one offset from the real time."""
    time_machine.travel(TODAY, tick=True).start()
    # time-machine starts ticking at the first read, not at start(): read at once, and take the offset at
    # that moment — taken earlier, the children ran ahead of this process by whatever came in between.
    offset = time.time() - time_machine.escape_hatch.time.time()
    os.environ["TESTS_CLOCK_OFFSET_SECONDS"] = repr(offset)
    clock = str(Path(__file__).resolve().parent / "clock")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [clock, os.environ.get("PYTHONPATH")]))


@pytest.fixture(autouse=True)
def _fast_tests(settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"  # data exports
    # The provider's own ledger, per test: a copy of the one the demo was charged in, as the database is
    # the demo's (the provider keeps what a test moves; our database rolls it back).
    settings.PAYMENT_SANDBOX_LEDGER = tmp_path / "sandbox-ledger.sqlite3"
    if DEMO.get("ledger"):
        _copy_ledger(DEMO["ledger"], settings.PAYMENT_SANDBOX_LEDGER)


def _copy_ledger(source, target) -> None:
    """SQLite's backup: a consistent copy, the write-ahead log included."""
    with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()


@pytest.fixture(autouse=True)
def _owners_let_go_before_the_flush(request):
    """Tests that commit end with Django's flush: the accounts let their owners go first (`owners_let_go`)."""
    marker = request.node.get_closest_marker("django_db")
    commits = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not commits:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so its flush runs after this fixture
    yield
    owners_let_go()


@pytest.fixture(autouse=True)
def _every_email_has_its_html_part():
    """Issue 19: every email any test sends — every kind, those added later too — has an HTML part that
    carries the same facts as its text (tests/email_parts.py)."""
    yield
    for message in getattr(mail, "outbox", []):
        if "Message-ID" in message.extra_headers:  # the outbox's (billing/outbox.py), not Django's own
            assert_same_facts(message)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """Stripe's API served locally for the session (tests/stripe_server.py), started by the first test that
    asks for it; its base URL."""
    process, url = stripe_server.start(tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    yield url
    stripe_server.stop(process)


@pytest.fixture
def stripe_chosen(demo, settings, monkeypatch, localstripe):
    """PAYMENT_PROVIDER=stripe on localstripe, as config/settings.py sets it up: the keys, Stripe.js (the
    stand-in localstripe serves), the Content-Security-Policy allowing them, and the gateway's provider.
    After the demo is loaded: its past payments are the sandbox's."""
    settings.PAYMENT_PROVIDER, settings.STRIPE_API_BASE = "stripe", localstripe
    settings.STRIPE_SECRET_KEY = stripe_server.API_KEY
    settings.STRIPE_PUBLISHABLE_KEY = stripe_server.PUBLISHABLE_KEY
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    settings.CONTENT_SECURITY_POLICY = with_stripe(
        settings.CONTENT_SECURITY_POLICY, js_url=settings.STRIPE_JS_URL, api_base=localstripe
    )
    monkeypatch.setattr(gateway, "provider", gateway.chosen_provider())
    return localstripe


@pytest.fixture
def now():
    return NOW


def _load_demo(ledger) -> None:
    """Seed the demo, its payments charged in `ledger` (emptied first: it must be the demo's alone)."""
    with sqlite3.connect(ledger) as connection:
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'movements'").fetchone():
            connection.execute("DELETE FROM movements")
    connection.close()
    with override_settings(PASSWORD_HASHERS=FAST_HASHER, PAYMENT_SANDBOX_LEDGER=ledger):
        seed_demo(now=NOW)
    DEMO["last_event"] = BillingEvent.objects.aggregate(last=Max("pk"))["last"] or 0


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once into the test database. Every test runs in a transaction rolled back after it,
    so each one — reading the demo or writing to it — starts from the same demo without loading it again;
    and with a copy of the provider's ledger the demo was charged in (`_fast_tests`)."""
    ledger = tmp_path_factory.mktemp("demo") / "demo-ledger.sqlite3"
    with django_db_blocker.unblock():
        _load_demo(ledger)
    DEMO["ledger"] = ledger


@pytest.fixture
def demo(db, settings):
    """The demo data of the README, loaded at NOW. Tests that commit (live server, several connections)
    empty the database when they end: the next one loads the demo again, charged in its own ledger."""
    if not Account.objects.filter(name="Acme Self-Service").exists():
        _load_demo(settings.PAYMENT_SANDBOX_LEDGER)


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
