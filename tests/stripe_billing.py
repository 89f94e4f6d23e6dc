"""What the webhook and payment-confirmation tests share (R12.1): the demo's Acme paying through Stripe's API
served by localstripe, an open invoice charged to its card, and signed events posted to our endpoint."""

from dataclasses import dataclass

from django.db import transaction
from django.test import Client

from billing import gateway
from billing.clock import now_for
from billing.models import Invoice, PaymentAttempt, PaymentMethod
from billing.services.collection import charge_intent
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.stripe_provider import StripeProvider
from tests import stripe_server
from tests.helpers import NOW, demo_member

SECRET = "whsec_test_endpoint"
WEBHOOK = "/admin/billing/stripe/webhook/"
PAYMENT = "/admin/account/billing/payment/"
OK_CARD = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"  # attached, then declined (localstripe refuses 4000…0002 at attach)
ASKS_THE_BANK = "4000002500003155"  # the bank asks the owner to confirm (3-D Secure): requires_action


@dataclass
class OnStripe:
    """Stripe chosen by settings, the gateway talking to localstripe, and Acme's card there."""

    url: str
    provider: StripeProvider

    @property
    def client(self):
        return self.provider.client

    def card(self, number: str) -> PaymentMethod:
        """Acme's card on file becomes a localstripe PaymentMethod of that test card."""
        account = demo_member("owner@acme.test").account
        token = stripe_server.card_token(self.client, number)
        card, _ = PaymentMethod.objects.update_or_create(
            account=account,
            defaults={
                "brand": "Visa",
                "last4": number[-4:],
                "exp_month": 12,
                "exp_year": 2030,
                "gateway_token": token,
            },
        )
        return card

    def open_invoice(self, total: int = 4200) -> Invoice:
        account = demo_member("owner@acme.test").account
        with transaction.atomic():
            draft = invoice_draft(account=account, lines=[LineSpec("Agent seats", total)], now=NOW)
            return invoice_finalize(invoice=draft, now=NOW)

    def charge_intent(self, invoice: Invoice, key: str = "renewal-acme-2026-12-01") -> PaymentAttempt:
        """The renewal's intent to charge the card off session, committed (R8.8) now: sent within the day,
        not looked up first by the 24-hour guard (billing.gateway)."""
        with transaction.atomic():
            return charge_intent(invoice, key=key, now=now_for())

    def sent_unrecorded(self, attempt: PaymentAttempt) -> gateway.sandbox.Answer:
        """Sent to Stripe, its answer lost before it was recorded (a crash): the attempt stays pending."""
        return gateway.send([attempt])[attempt.idempotency_key]

    def intent(self, intent_id: str) -> dict:
        return stripe_server.raw(self.url, f"/v1/payment_intents/{intent_id}")

    def intent_of_charge(self, charge_id: str) -> dict:
        """localstripe names the charge of a refusal, not its PaymentIntent (Stripe names the intent)."""
        return self.intent(stripe_server.raw(self.url, f"/v1/charges/{charge_id}")["payment_intent"])


def on_stripe(settings, monkeypatch, url: str) -> OnStripe:
    """With a Stripe account of no history: the database is the demo's again, its invoice numbers and
    keys too, so another test's PaymentIntents under them would read as duplicates (R8.8)."""
    stripe_server.flush(url)
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_JS_URL = f"{url}/js.stripe.com/v3/"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=url)
    monkeypatch.setattr(gateway, "provider", provider)
    return OnStripe(url, provider)


def post_event(event_type: str, data_object: dict, *, secret: str = SECRET, at: int | None = None):
    """A signed event posted as Stripe posts it: no session, no CSRF token."""
    body, signature = stripe_server.signed_event(event_type, data_object, secret, at=at)
    return post_signed(body, signature)


def post_signed(body: bytes, signature: str):
    client = Client(enforce_csrf_checks=True)
    return client.post(WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
