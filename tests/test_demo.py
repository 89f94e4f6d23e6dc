"""The demo data is a fixed contract (README): `seed_demo` creates it once and changes nothing after."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Account, Membership, User
from billing.models import BillingEvent, Price, Product, SubscriptionItem
from devtools.demo import DEMO_ACCOUNTS, PASSWORD
from tests.helpers import owners_let_go

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_seed_demo_creates_the_demo_then_changes_nothing():
    owners_let_go()
    call_command("flush", interactive=False)  # the suite loads the demo once: start from an empty database
    first = StringIO()
    call_command("seed_demo", stdout=first)
    assert "Demo loaded: Acme Self-Service" in first.getvalue()
    counts = (
        Account.objects.count(),
        User.objects.count(),
        SubscriptionItem.objects.count(),
        Price.objects.count(),
    )
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert (
        Account.objects.count(),
        User.objects.count(),
        SubscriptionItem.objects.count(),
        Price.objects.count(),
    ) == counts
    assert counts[0] == len(DEMO_ACCOUNTS) == 9
    # The past invoices, and Past Due Chat's declined renewal and its dunning steps.
    assert set(BillingEvent.objects.values_list("kind", flat=True)) == {
        "invoice_issued",
        "invoice_paid",
        "period_renewed",
        "payment_failed",
        "dunning_step",
    }


def test_every_demo_user_signs_in_with_the_demo_password(demo):
    emails = list(User.objects.values_list("email", flat=True))
    assert len(emails) == 18 + 2  # 18 members of the demo accounts, 2 staff
    # The sign-in throttle (django-axes) needs the request, as the sign-in form always passes it.
    request = RequestFactory().post("/login/")
    assert all(authenticate(request, username=email, password=PASSWORD) for email in emails)


def test_r1_2_every_demo_account_has_exactly_one_owner(demo):
    for account in Account.objects.all():
        assert account.memberships.filter(role=Membership.Role.OWNER).count() == 1


@pytest.mark.parametrize(
    ("name", "kind", "generation", "pricing", "products"),
    [
        ("Acme Self-Service", "self_service", "recent", "standalone", ["support", "chat", "guide", "talk"]),
        ("Legacy Suite SARL", "self_service", "legacy", "legacy_suite", ["support", "chat", "guide", "talk"]),
        ("SPP Corp", "self_service", "recent", "spp_suite", ["support", "chat", "guide", "talk"]),
        ("Online Assisted Ltd", "online_assisted", "recent", "standalone", ["support", "guide"]),
        ("Managed Enterprise Inc", "managed", "recent", "standalone", ["support", "explore"]),
        ("Trial Startup", "self_service", "recent", "spp_suite", ["support", "chat", "guide", "talk"]),
        ("Contact Support GmbH", "self_service", "recent", "standalone", ["support"]),
        ("Vintage 2019 Co", "self_service", "recent", "standalone", ["support", "chat", "guide"]),
        ("Past Due Chat", "self_service", "recent", "standalone", ["chat"]),
    ],
)
def test_demo_accounts_match_the_readme(demo, name, kind, generation, pricing, products):
    account = Account.objects.get(name=name)
    assert (account.kind, account.generation, account.pricing) == (kind, generation, pricing)
    items = SubscriptionItem.objects.filter(subscription__account=account).order_by("product__position")
    assert [i.product.code for i in items] == products


def test_demo_specifics(demo):
    acme = Account.objects.get(name="Acme Self-Service")
    support = SubscriptionItem.objects.get(subscription__account=acme, product__code="support")
    assert (support.seats, support.temporary_seats) == (12, 5)
    assert acme.payment_method.last4 == "4242"
    legacy = Account.objects.get(name="Legacy Suite SARL")
    assert (legacy.language, legacy.currency, legacy.subscription.cycle) == ("fr", "EUR", "annual")
    assert Account.objects.get(name="Vintage 2019 Co").chat_phase4 is False
    assert Account.objects.get(name="Contact Support GmbH").cancellation_via_support is True
    assert Account.objects.get(name="Trial Startup").trial_ends_on is not None


def test_the_catalog_has_tier1_support_and_chat_and_two_suites():
    assert set(Product.objects.filter(is_tier1=True).values_list("code", flat=True)) == {"support", "chat"}
    suites = Product.objects.filter(kind=Product.Kind.SUITE)
    assert {s.code: sorted(c.code for c in s.components.all()) for s in suites} == {
        "support_suite": ["chat", "guide", "support", "talk"],
        "zendesk_suite": ["chat", "guide", "support", "talk"],
    }
