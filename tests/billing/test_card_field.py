"""R12.1, R8.4: under Stripe the card is typed into Stripe's own field (Elements) and confirmed in a
SetupIntent made for the account's Customer; only the SetupIntent's id reaches our server, which checks it
with Stripe, runs the one-unit card check on its PaymentMethod and keeps the card's brand, last 4 and
expiry. Stripe is localstripe (tests/stripe_server.py), never a hand-written fake; the card is confirmed
the way Stripe.js confirms it (`confirm_as_stripe_js`)."""

import json
import os
import subprocess
import sys
import urllib.request
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import gateway
from billing.models import PaymentAttempt, PaymentMethod, ProviderCustomer
from billing.services.card_setup import card_setup_start, payment_method_update_from_setup
from billing.stripe_provider import StripeProvider
from config.csp import with_stripe
from tests import stripe_server
from tests.helpers import NOW, demo_member, new_events, text
from tests.html_validator import Batch

pytestmark = pytest.mark.usefixtures("demo")
PAYMENT = "/admin/account/billing/payment/"


def confirm_as_stripe_js(url: str, client_secret: str, number: str) -> str:
    """What Stripe.js's confirmCardSetup posts (localstripe's stand-in, read in its localstripe-v3.js): the
    card, with the publishable key and the SetupIntent's secret — from the browser, never through us."""
    setup_intent = client_secret.split("_secret_")[0]
    body = {
        "key": stripe_server.PUBLISHABLE_KEY,
        "use_stripe_sdk": True,
        "client_secret": client_secret,
        "payment_method_data": {
            "type": "card",
            "card": {"number": number, "exp_month": "11", "exp_year": "2031", "cvc": "123"},
        },
    }
    request = urllib.request.Request(
        f"{url}/v1/setup_intents/{setup_intent}/confirm", json.dumps(body).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["status"] == "succeeded"
    return setup_intent


def card_confirmed(url: str, email: str, number: str = "4242424242424242") -> str:
    """A SetupIntent of `email`'s account, confirmed with the card `number`: its id."""
    setup = card_setup_start(membership=demo_member(email), now=NOW)
    return confirm_as_stripe_js(url, setup.client_secret, number)


def card_checks(account) -> list[tuple[str, int, str, str]]:
    attempts = PaymentAttempt.objects.filter(account=account, operation__in=["authorize", "void"]).order_by(
        "id"
    )
    return [(a.operation, a.amount, a.currency, a.status) for a in attempts]


def test_r12_1_r8_4_a_card_confirmed_in_stripes_field_is_checked_and_saved(stripe_chosen):
    owner = demo_member("owner@acme.test")
    setup_intent = card_confirmed(stripe_chosen, "owner@acme.test")
    card = payment_method_update_from_setup(
        membership=owner, setup_intent=setup_intent, attempt_key=uuid.uuid4(), now=NOW
    )
    card.refresh_from_db()
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("Visa", "4242", 11, 2031)
    assert card.gateway_token.startswith("pm_")
    # R8.4: the check, a manual-capture PaymentIntent on the card, then cancelled: two attempts recorded.
    assert card_checks(owner.account) == [
        ("authorize", 100, "USD", "succeeded"),
        ("void", 100, "USD", "succeeded"),
    ]
    authorization = PaymentAttempt.objects.get(account=owner.account, operation="authorize")
    assert authorization.token == card.gateway_token
    intent = gateway.provider.client.v1.payment_intents.retrieve(authorization.reference)
    assert (intent.capture_method, intent.status, intent.amount) == ("manual", "canceled", 100)
    assert new_events().get().kind == "payment_method_updated"


def test_r12_1_the_accounts_stripe_customer_is_created_once_and_kept(stripe_chosen):
    owner = demo_member("owner@acme.test")
    first, second = (card_setup_start(membership=owner, now=NOW) for _ in range(2))
    customer = ProviderCustomer.objects.get(account=owner.account)
    assert customer.customer_id.startswith("cus_") and first.client_secret != second.client_secret
    for setup in (first, second):
        intent = gateway.provider.client.v1.setup_intents.retrieve(setup.client_secret.split("_secret_")[0])
        assert (intent.customer, intent.usage) == (customer.customer_id, "off_session")


def test_r8_8_the_customer_is_asked_for_again_under_its_intents_key(stripe_chosen, monkeypatch):
    """The Customer's intent commits before Stripe is asked: Stripe silent leaves it, with its random key;
    the next visit asks again under that same key (Stripe answers a key it has seen with the same Customer),
    never under one made from the account's id, which another deployment's account shares."""
    from tests.billing.test_payment_providers import RecordingHTTPClient

    owner = demo_member("owner@acme.test")
    monkeypatch.setattr(
        gateway, "provider", StripeProvider(api_key=stripe_server.API_KEY, api_base="http://127.0.0.1:9")
    )
    assert card_setup_start(membership=owner, now=NOW) is None
    intent = ProviderCustomer.objects.get(account=owner.account)
    assert intent.customer_id is None
    recorder = RecordingHTTPClient()
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=stripe_chosen, http_client=recorder)
    monkeypatch.setattr(gateway, "provider", provider)
    assert card_setup_start(membership=owner, now=NOW) is not None
    intent.refresh_from_db()
    assert intent.customer_id.startswith("cus_")
    asked = [
        headers.get("Idempotency-Key") for method, url, headers in recorder.sent if url.endswith("/customers")
    ]
    assert asked == [f"customer-{intent.key}"]


def test_r12_1_r8_4_a_card_declined_at_the_check_is_not_saved(stripe_chosen):
    owner = demo_member("owner@acme.test")
    before = PaymentMethod.objects.get(account=owner.account)
    setup_intent = card_confirmed(stripe_chosen, "owner@acme.test", "4000000000000341")
    with pytest.raises(ValidationError, match="The card was declined. Try another card."):
        payment_method_update_from_setup(
            membership=owner, setup_intent=setup_intent, attempt_key=uuid.uuid4(), now=NOW
        )
    assert PaymentMethod.objects.get(account=owner.account).gateway_token == before.gateway_token
    assert card_checks(owner.account) == [("authorize", 100, "USD", "failed")]
    assert not new_events().exists()


def _post_setup(client, setup_intent: str, key=None):
    return client.post(PAYMENT + "card/", {"setup_intent": setup_intent, "attempt_key": key or uuid.uuid4()})


@pytest.mark.parametrize("whose", ["another account", "made up", "not confirmed", "malformed"])
def test_r12_1_a_setup_intent_not_this_accounts_is_refused_and_changes_nothing(stripe_chosen, sign_in, whose):
    client = sign_in("owner@acme.test")
    client.get(PAYMENT)  # the account's Customer exists, as after any visit of the page
    if whose == "another account":
        setup_intent = card_confirmed(stripe_chosen, "owner@managed.test")
    elif whose == "not confirmed":
        setup_intent = card_setup_start(
            membership=demo_member("owner@acme.test"), now=NOW
        ).client_secret.split("_secret_")[0]
    else:
        setup_intent = {"made up": "seti_madeup123", "malformed": "pm_../../v1/customers"}[whose]
    before = list(PaymentMethod.objects.values_list("account_id", "gateway_token"))
    response = _post_setup(client, setup_intent)
    assert response.status_code == 422
    assert "This card entry could not be verified, and no card was saved. Enter the card again." in text(
        response
    )
    assert list(PaymentMethod.objects.values_list("account_id", "gateway_token")) == before
    assert not PaymentAttempt.objects.filter(operation="authorize").exists() and not new_events().exists()


def test_r12_1_r8_4_a_double_submit_checks_once_and_updates_once(stripe_chosen, sign_in):
    client = sign_in("owner@acme.test")
    client.get(PAYMENT)
    setup_intent, key = card_confirmed(stripe_chosen, "owner@acme.test"), uuid.uuid4()
    assert [_post_setup(client, setup_intent, key).status_code for _ in range(2)] == [302, 302]
    assert new_events().filter(kind="payment_method_updated").count() == 1
    assert len(card_checks(demo_member("owner@acme.test").account)) == 2  # one authorization, one void
    assert "Visa ending in 4242" in text(client.get(PAYMENT))


def test_r12_1_the_payment_page_draws_stripes_field_and_says_it_needs_javascript(stripe_chosen, sign_in):
    html = sign_in("owner@acme.test").get(PAYMENT).content.decode()
    assert f'data-stripe-js="{stripe_chosen}/js.stripe.com/v3/"' in html
    assert (
        f'data-stripe-key="{stripe_server.PUBLISHABLE_KEY}"' in html and 'data-client-secret="seti_' in html
    )
    assert "<form" in html and " hidden data-stripe-card" in html  # drawn by static/js/stripe-card.js only
    assert 'name="number"' not in html and "Sandbox test cards" not in html
    client = sign_in("owner@acme.test")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})  # the EN/FR switch
    page = text(client.get(PAYMENT))
    assert "Saisir une carte nécessite JavaScript" in page


def test_r12_1_the_payment_page_under_stripe_is_valid_html(stripe_chosen, sign_in, tmp_path):
    """As tests/test_valid_html.py checks every page under the sandbox: the page, and its refusal (422)."""
    client, batch = sign_in("owner@acme.test"), Batch(tmp_path / "pages")
    batch.add("pages", "GET Payment under Stripe", client.get(PAYMENT))
    batch.add("pages", "POST a made-up SetupIntent", _post_setup(client, "seti_madeup123"))
    assert len(batch.pages) == 2 and batch.errors() == []


def test_r12_1_the_card_on_file_shows_when_stripe_is_silent(settings, monkeypatch, sign_in):
    settings.PAYMENT_PROVIDER = "stripe"
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base="http://127.0.0.1:9")
    monkeypatch.setattr(gateway, "provider", provider)
    page = text(sign_in("owner@acme.test").get(PAYMENT))
    assert "The card field could not be loaded" in page and "ending in" in page


def test_r8_4_the_sandbox_page_keeps_its_form_and_test_cards(sign_in):
    html = sign_in("owner@acme.test").get(PAYMENT).content.decode()
    assert 'name="number"' in html and "Sandbox test cards" in html and "data-stripe-card" not in html


def test_r12_1_the_payment_page_runs_one_more_query_under_stripe(
    stripe_chosen, sign_in, settings, monkeypatch
):
    """The Customer, read once; the rest is the sandbox's page, whose budget is constant
    (tests/billing/test_query_budget.py)."""
    client = sign_in("owner@acme.test")
    client.get(PAYMENT)  # the Customer is created at the first visit

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAYMENT).status_code == 200
        return len(queries)

    under_stripe = count()
    settings.PAYMENT_PROVIDER = "sandbox"
    assert under_stripe == count() + 1


def _policy_under(provider: str) -> str:
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY)"
    environment = {
        "PAYMENT_PROVIDER": provider,
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
        "STRIPE_API_BASE": "https://api.stripe.com",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_r12_1_the_csp_allows_stripe_only_when_stripe_is_chosen():
    assert "stripe.com" not in _policy_under("sandbox")
    policy = with_stripe(
        {"DIRECTIVES": {"script-src": ["'self'"], "connect-src": ["'self'"]}},
        js_url="https://js.stripe.com/v3/",
        api_base="https://api.stripe.com",
    )["DIRECTIVES"]
    # As Stripe's security guide lists them: the bank's 3-D Secure page is framed from hooks.stripe.com.
    assert policy == {
        "script-src": ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"],
        "frame-src": [
            "'self'",
            "https://js.stripe.com",
            "https://*.js.stripe.com",
            "https://hooks.stripe.com",
        ],
        "connect-src": ["'self'", "https://js.stripe.com", "https://api.stripe.com"],
    }
    assert str(policy["connect-src"]) in _policy_under("stripe")
    assert str(policy["frame-src"]) in _policy_under("stripe")
    stand_in = with_stripe(
        {"DIRECTIVES": {"script-src": ["'self'"]}},
        js_url="http://127.0.0.1:8420/js.stripe.com/v3/",
        api_base="http://127.0.0.1:8420",
    )["DIRECTIVES"]
    assert "https://hooks.stripe.com" not in stand_in["frame-src"]  # a stand-in's frames are its own
