"""R12.1: one contract, two providers — the sandbox, and Stripe's API served locally by localstripe through
the official library (never a hand-written fake of Stripe). Each provider answers the same requests with
the same outcomes and failure codes; with Stripe, every call that moves money carries our business key as
its `Idempotency-Key` (R8.8)."""

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
import stripe
from django.db import transaction

from billing import gateway
from billing.models import PaymentAttempt
from billing.sandbox import (
    DECLINED,
    EXPIRED,
    INSUFFICIENT_FUNDS,
    INVALID_NUMBER,
    Answer,
    Request,
    SandboxProvider,
)
from billing.services.collection import attempts_send
from billing.stripe_provider import AUTHENTICATION_REQUIRED, StripeProvider, failure_code
from tests import stripe_server
from tests.helpers import NOW, demo_member

OK_CARD = "4242424242424242"


@dataclass
class Contract:
    """A provider under test, its declined test card, and a card's token as that provider knows it."""

    provider: SandboxProvider | StripeProvider
    declined_card: str
    token: Callable[[str], str]  # a test card number → its token


def _sandbox_token(number: str) -> str:
    return gateway.tokenize(number=number, exp_month=12, exp_year=2030, today=date(2026, 11, 30)).token


class RecordingHTTPClient(stripe.RequestsClient):
    """Stripe's own HTTP client, keeping the method, URL and headers of every request it sends."""

    def __init__(self):
        super().__init__()
        self.sent: list[tuple[str, str, dict]] = []

    def request(self, method, url, headers, post_data=None):
        self.sent.append((method.upper(), url, dict(headers or {})))
        return super().request(method, url, headers, post_data)


@pytest.fixture(params=["sandbox", "stripe"])
def contract(request) -> Contract:
    if request.param == "sandbox":
        return Contract(SandboxProvider(), "4000000000000002", _sandbox_token)
    url = request.getfixturevalue("localstripe")
    client = stripe_server.client(url)
    # localstripe refuses 4000000000000002 when it is attached (Stripe.js would stop there); this one is
    # attached, then declined when charged — the renewal's case.
    return Contract(
        StripeProvider(api_key=stripe_server.API_KEY, api_base=url),
        "4000000000000341",
        lambda number: stripe_server.card_token(client, number),
    )


def _charge(contract: Contract, number: str, key: str, amount: int = 1250):
    token = contract.token(number)
    answers = contract.provider.send([Request("charge", key, amount, "EUR", token, "F-2026-0101")])
    return answers[key]


def test_a_charge_succeeds_with_the_providers_reference_r12_1(contract):
    answer = _charge(contract, OK_CARD, "renewal-contract-ok")
    assert answer.succeeded and answer.failure_code == "" and answer.reference


def test_a_declined_card_reads_as_the_sandboxs_code_r12_1(contract):
    answer = _charge(contract, contract.declined_card, "renewal-contract-declined")
    assert not answer.succeeded and answer.failure_code == DECLINED


def test_a_refund_acts_on_the_charge_under_the_credit_notes_number_r12_1(contract):
    charge = _charge(contract, OK_CARD, "renewal-contract-refunded")
    key = "refund-AV-2026-0007"
    answers = contract.provider.send(
        [Request("refund", key, 500, "EUR", "", "AV-2026-0007", charge.reference)]
    )
    assert answers[key].succeeded and answers[key].reference


def test_the_card_check_authorizes_then_voids_r8_4_r12_1(contract):
    token = contract.token(OK_CARD)
    key = "card-check-contract"
    authorized = contract.provider.send([Request("authorize", f"{key}-authorize", 100, "EUR", token, key)])
    assert authorized[f"{key}-authorize"].succeeded
    against = authorized[f"{key}-authorize"].reference
    voided = contract.provider.send([Request("void", f"{key}-void", 100, "EUR", token, key, against)])
    assert voided[f"{key}-void"].succeeded


def test_an_authorization_is_captured_r12_1(contract):
    token = contract.token(OK_CARD)
    authorized = contract.provider.send([Request("authorize", "hold-a", 2000, "EUR", token, "F-3")])["hold-a"]
    captured = contract.provider.send(
        [Request("capture", "hold-c", 2000, "EUR", token, "F-3", authorized.reference)]
    )
    assert captured["hold-c"].succeeded


def test_a_declined_card_check_reads_as_the_sandboxs_code_r8_4_r12_1(contract):
    token = contract.token(contract.declined_card)
    answers = contract.provider.send([Request("authorize", "card-check-declined", 100, "EUR", token, "x")])
    assert not answers["card-check-declined"].succeeded
    assert answers["card-check-declined"].failure_code == DECLINED


def test_the_card_check_is_a_manual_capture_intent_cancelled_never_captured_r8_4(localstripe):
    client = stripe_server.client(localstripe)
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=localstripe)
    token = stripe_server.card_token(client, OK_CARD)
    authorized = provider.send([Request("authorize", "check-a", 100, "EUR", token, "check")])["check-a"]
    intent = client.v1.payment_intents.retrieve(authorized.reference)
    assert (intent.status, intent.capture_method, intent.amount) == ("requires_capture", "manual", 100)
    provider.send([Request("void", "check-v", 100, "EUR", token, "check", authorized.reference)])
    assert client.v1.payment_intents.retrieve(authorized.reference).status == "canceled"


def test_every_call_that_moves_money_carries_the_business_key_r8_8(localstripe):
    """localstripe ignores idempotency keys (a key sent twice makes a second PaymentIntent): what we can
    prove here is that Stripe receives ours — the replay itself is Stripe's promise."""
    recorder = RecordingHTTPClient()
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=localstripe, http_client=recorder)
    token = stripe_server.card_token(stripe_server.client(localstripe), OK_CARD)
    charged = provider.send([Request("charge", "renewal-7-2026-12-01-1", 900, "EUR", token, "F-1")])
    check = provider.send([Request("authorize", "card-check-9-authorize", 100, "EUR", token, "c")])
    authorization, charge = check["card-check-9-authorize"], charged["renewal-7-2026-12-01-1"]
    void = Request("void", "card-check-9-void", 100, "EUR", token, "c", authorization.reference)
    refund = Request("refund", "refund-AV-2026-0009", 900, "EUR", "", "AV-2026-0009", charge.reference)
    provider.send([void, refund])
    posted = [
        (url, headers.get("Idempotency-Key")) for method, url, headers in recorder.sent if method == "POST"
    ]
    assert [key for _url, key in posted] == [
        "renewal-7-2026-12-01-1",
        "card-check-9-authorize",
        "card-check-9-void",
        "refund-AV-2026-0009",
    ]
    assert [url.removeprefix(localstripe) for url, _key in posted] == [
        "/v1/payment_intents",
        "/v1/payment_intents",
        f"/v1/payment_intents/{authorization.reference}/cancel",
        "/v1/refunds",
    ]


def test_stripe_out_of_reach_leaves_the_intent_unanswered_r8_8():
    """No answer is not a refusal: the attempt stays pending and the same key is sent again later."""
    closed = f"http://127.0.0.1:{stripe_server.free_port()}"
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=closed)
    assert provider.send([Request("charge", "renewal-unreachable", 900, "EUR", "pm_x", "F-2")]) == {}


def test_a_card_stripe_does_not_know_is_refused_not_left_pending_r8_5_r12_1(localstripe):
    """A token Stripe has no PaymentMethod for (deleted; or a sandbox token kept from before a switch):
    Stripe's answer is final, so the charge is refused and chased (R8.5), not sent again at every tick."""
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=localstripe)
    for token in ("pm_deleted0000000000000000", "sandbox_ok_0123456789abcdef"):
        answers = provider.send([Request("charge", f"renewal-gone-{token}", 900, "EUR", token, "F-3")])
        assert answers == {f"renewal-gone-{token}": Answer(False, DECLINED)}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        # Stripe's error objects as its API documents them (localstripe sends only the first kind).
        ({"type": "card_error", "code": "card_declined"}, DECLINED),
        ({"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}, DECLINED),
        (
            {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds"},
            INSUFFICIENT_FUNDS,
        ),
        ({"type": "card_error", "code": "expired_card"}, EXPIRED),
        ({"type": "card_error", "code": "incorrect_number"}, INVALID_NUMBER),
        ({"type": "card_error", "code": "authentication_required"}, AUTHENTICATION_REQUIRED),
        ({"type": "card_error", "code": "processing_error"}, DECLINED),
        (None, DECLINED),
    ],
)
def test_stripes_refusals_read_as_the_sandboxs_codes_r12_1(error, code):
    assert failure_code(error) == code


def test_settings_choose_the_provider_sandbox_by_default_r12_1(settings):
    assert isinstance(gateway.chosen_provider(), SandboxProvider)
    settings.PAYMENT_PROVIDER, settings.STRIPE_SECRET_KEY = "stripe", "sk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    assert isinstance(gateway.chosen_provider(), StripeProvider)


@pytest.mark.parametrize(
    ("number", "status", "code"), [(OK_CARD, "succeeded", ""), ("4000000000000341", "failed", DECLINED)]
)
def test_a_charge_through_the_gateway_is_recorded_from_stripes_answer_r8_8_r12_1(
    demo, localstripe, monkeypatch, number, status, code
):
    """Intent, call, outcome, as every charge is made — Stripe answering."""
    provider = StripeProvider(api_key=stripe_server.API_KEY, api_base=localstripe)
    monkeypatch.setattr(gateway, "provider", provider)
    token = stripe_server.card_token(provider.client, number)
    account = demo_member("owner@acme.test").account
    with transaction.atomic():
        attempt = gateway.intend(
            PaymentAttempt.Operation.CHARGE,
            account=account,
            token=token,
            amount=4200,
            currency="USD",
            key=f"renewal-stripe-{number}",
            now=NOW,
        )
    assert attempts_send([attempt]) == 0
    attempt.refresh_from_db()
    assert (attempt.status, attempt.failure_code) == (status, code)
    if attempt.succeeded:  # a refusal names what Stripe names: the PaymentIntent (localstripe: the charge)
        intent = provider.client.v1.payment_intents.retrieve(attempt.reference)
        assert intent.amount == 4200 and intent.metadata["key"] == attempt.idempotency_key


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER is either sandbox or stripe."),
        (
            {"PAYMENT_PROVIDER": "stripe", "STRIPE_SECRET_KEY": ""},
            "PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY.",
        ),
    ],
)
def test_a_provider_misconfigured_stops_the_app_at_start_r12_1(environment, message):
    started = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env={**os.environ, "SECRET_KEY": "x", **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode != 0 and message in started.stderr
