"""R8.8 with PAYMENT_PROVIDER=stripe (R12.1): `billing_reconcile` and the billing clock's last step compare
Stripe's PaymentIntents and Refunds with our records, and an intent Stripe may have forgotten the key of is
looked up before it is sent again (the 24-hour guard). Against Stripe's API served by localstripe — one of
this module's own, emptied before each test: a Stripe account with no history."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from billing import gateway
from billing.lifecycle.tick import billing_tick
from billing.models import Invoice, PaymentAttempt, PaymentMethod
from billing.sandbox import Request, SandboxProvider
from billing.services.collection import attempts_send, payments_resume
from billing.services.contracts import early_termination, termination_preview
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.services.payments import verification_amount
from billing.stripe_provider import StripeProvider
from tests import stripe_server
from tests.helpers import NOW, change, item, reconcile

pytestmark = pytest.mark.usefixtures("demo")
ACME = "Acme Self-Service"
OK_CARD, DECLINED_AT_CHARGE = "4242424242424242", "4000000000000341"


@pytest.fixture(scope="module")
def stripe_account(tmp_path_factory):
    """localstripe of this module's own: emptying it empties nobody else's."""
    process, url = stripe_server.start(tmp_path_factory.mktemp("stripe-account") / "localstripe.log")
    yield url
    stripe_server.stop(process)


@pytest.fixture
def stripe(stripe_account, monkeypatch) -> StripeProvider:
    """The gateway on Stripe. The demo's payments went through the sandbox: as a deployment switched to
    Stripe before its first payment, it has none yet."""
    stripe_server.flush(stripe_account)
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=stripe_account)
    monkeypatch.setattr(gateway, "provider", provider)
    PaymentAttempt.objects.all().delete()
    return provider


def card(provider: StripeProvider, number: str, account: str = ACME) -> str:
    """The account's card on file is a Stripe PaymentMethod (its id is the token)."""
    token = stripe_server.card_token(provider.client, number)
    PaymentMethod.objects.filter(account__name=account).update(gateway_token=token)
    return token


@pytest.fixture
def owner(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")

    def charged_change() -> Invoice:
        """A Manage change charged to Acme's card, through the real journey."""
        with django_capture_on_commit_callbacks(execute=True):
            change(client, kind="add_seats", item=item(ACME, "support").pk, seats=2)
        return Invoice.objects.filter(account__name=ACME).order_by("-sequence").first()

    return charged_change


def card_check(account: Account, token: str, form: str) -> None:
    """The card check (R8.4) as payment_method_update makes it: authorized, then voided."""
    with transaction.atomic():
        authorization = gateway.intend(
            "authorize",
            account=account,
            key=f"card-check-{form}-authorize",
            amount=verification_amount("USD"),
            currency="USD",
            token=token,
            now=timezone.now(),
        )
    attempts_send([authorization])
    attempts_send([PaymentAttempt.objects.get(idempotency_key=f"card-check-{form}-void")])


def test_r8_8_r12_1_charges_a_refusal_a_card_check_and_a_refund_agree_with_stripe(stripe, owner):
    acme = Account.objects.get(name=ACME)
    card(stripe, DECLINED_AT_CHARGE)
    refused = owner()
    assert refused.status == "open"  # chased by dunning (R8.5)
    token = card(stripe, OK_CARD)
    paid = owner()
    card_check(acme, token, "form-1")
    period_end = acme.subscription.current_period_end
    billing_tick(real_now=period_end + timedelta(hours=1), account_ids=[acme.pk])  # the renewal, charged
    renewal = Invoice.objects.filter(account=acme, kind="invoice").order_by("-sequence").first()
    acme, at = Account.objects.get(name=ACME), period_end + timedelta(days=10)
    staff = get_user_model().objects.filter(is_superuser=True).first()
    early_termination(account=acme, by=staff, signed=termination_preview(acme, now=at)[1], now=at)
    credit = Invoice.objects.get(account=acme, kind="credit_note")

    assert (paid.status, renewal.status) == ("paid", "paid")
    assert PaymentAttempt.objects.get(invoice=credit).succeeded
    ledger = {(m["operation"], m["reference"], m["outcome"]) for m in stripe.movements()}
    assert {
        ("charge", refused.number, "card_declined"),
        ("charge", paid.number, "succeeded"),
        ("authorize", "card-check-form-1-authorize", "succeeded"),
        ("void", "card-check-form-1-authorize", "succeeded"),
        ("charge", renewal.number, "succeeded"),
        ("refund", credit.number, "succeeded"),
    } <= ledger
    assert reconcile() == (0, "No mismatch: the provider's ledger and our records agree.\n")


def test_r8_8_r12_1_a_payment_intent_of_ours_with_no_attempt_is_a_mismatch(stripe):
    """Made with our metadata (a key, an invoice number), but no attempt of ours says so."""
    token = card(stripe, OK_CARD)
    stripe.send([Request("charge", "stray-stripe-1", 4_200, "USD", token, "INV-9999-00001")])
    status, out = reconcile()
    assert status == 1
    assert out.split("\t")[:4] == ["unrecorded", "INV-9999-00001", "4200 USD", "stray-stripe-1"]


def test_r8_8_r12_1_the_ticks_last_step_compares_stripes_recent_movements(stripe, owner, caplog):
    card(stripe, OK_CARD)
    invoice = owner()
    assert billing_tick(real_now=NOW).mismatches == 0
    token = PaymentMethod.objects.get(account__name=ACME).gateway_token
    stripe.send([Request("charge", "twice", invoice.total, "USD", token, invoice.number)])
    with caplog.at_level(logging.ERROR, logger="billing.services.reconciliation"):
        assert billing_tick(real_now=NOW).mismatches == 1
    assert f"(duplicate) {invoice.number}" in caplog.text


# --- The 24-hour guard -----------------------------------------------------------------------------------


def _left_pending(provider, operation: str = "charge", amount: int = 4_200, **fields) -> PaymentAttempt:
    """An intent committed, sent, and its answer lost on the way (a crash, a timeout)."""
    acme = Account.objects.get(name=ACME)
    with transaction.atomic():
        attempt = gateway.intend(
            operation, account=acme, amount=amount, currency="USD", now=timezone.now(), **fields
        )
    provider.send([gateway.request_of(attempt)])
    return attempt


def _credit_note() -> Invoice:
    acme, now = Account.objects.get(name=ACME), timezone.now()
    with transaction.atomic():
        draft = invoice_draft(
            account=acme, lines=[LineSpec("Unused seats", 1_000)], now=now, kind=Invoice.Kind.CREDIT_NOTE
        )
        return invoice_finalize(invoice=draft, now=now, notify=False)


def _ours(provider: StripeProvider, key: str) -> list[dict]:
    return [m for m in provider.movements() if m["key"] == key]


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [(OK_CARD, "succeeded", ""), (DECLINED_AT_CHARGE, "failed", "card_declined")],
)
def test_r8_8_an_intent_pending_past_stripes_24_hours_is_recorded_from_what_stripe_made(
    stripe, caplog, number, status, code
):
    token = card(stripe, number)
    attempt = _left_pending(stripe, key="renewal-guard-1", token=token)
    (made,) = _ours(stripe, "renewal-guard-1")
    with time_machine.travel(timezone.now() + timedelta(hours=25)), caplog.at_level(logging.WARNING):
        payments_resume(account_ids=[attempt.account_id])
    attempt.refresh_from_db()
    assert (attempt.status, attempt.failure_code) == (status, code)
    assert attempt.reference == made["provider_reference"]
    assert len(_ours(stripe, "renewal-guard-1")) == 1  # localstripe ignores keys: a resend would be a second
    assert "renewal-guard-1 is older than the provider keeps keys" in caplog.text


def test_r8_8_an_old_intent_stripe_has_no_record_of_is_sent_anew_once(stripe):
    token = card(stripe, OK_CARD)
    acme = Account.objects.get(name=ACME)
    with transaction.atomic():  # committed, then the process died before the call
        attempt = gateway.intend(
            "charge", account=acme, key="renewal-guard-2", token=token, amount=900, currency="USD", now=NOW
        )
    payments_resume(account_ids=[acme.pk])
    attempt.refresh_from_db()
    assert attempt.succeeded and len(_ours(stripe, "renewal-guard-2")) == 1


def test_r8_8_an_old_refund_and_void_are_recorded_from_what_stripe_made(stripe):
    token = card(stripe, OK_CARD)
    charged = stripe.send([Request("charge", "renewal-guard-3", 4_200, "USD", token, "INV-1")])
    against = charged["renewal-guard-3"].reference
    credit = _credit_note()
    refund = _left_pending(
        stripe, "refund", credit.total, key=f"refund-{credit.number}", invoice=credit, against=against
    )
    authorized = stripe.send([Request("authorize", "card-check-guard-authorize", 100, "USD", token, "c")])
    void = _left_pending(
        stripe,
        "void",
        key="card-check-guard-void",
        against=authorized["card-check-guard-authorize"].reference,
    )
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        payments_resume(account_ids=[refund.account_id])
    refund.refresh_from_db(), void.refresh_from_db()
    assert (refund.status, void.status) == ("succeeded", "succeeded")
    assert len(_ours(stripe, refund.idempotency_key)) == 1


def test_r8_8_the_sandbox_keeps_keys_for_ever_and_is_never_asked_first(monkeypatch):
    provider = SandboxProvider()
    monkeypatch.setattr(gateway, "provider", provider)
    attempt = _left_pending(provider, key="renewal-guard-sandbox", token="sandbox_ok_x")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        payments_resume(account_ids=[attempt.account_id])
    attempt.refresh_from_db()
    assert attempt.succeeded
    assert [m["key"] for m in provider.movements()].count("renewal-guard-sandbox") == 1
