"""R8.8: the payment provider is outside our database. The sandbox keeps its own ledger, in a file our
transactions cannot roll back, and honours idempotency keys as a real provider does."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction

from billing import gateway
from billing.models import PaymentAttempt
from billing.sandbox import IDEMPOTENCY_CONFLICT, Answer, Request
from billing.services.collection import attempts_send
from tests.helpers import NOW, demo_member, rolled_back_like_the_test

pytestmark = pytest.mark.usefixtures("demo")
OK, DECLINED = "sandbox_ok_test", "sandbox_card_declined_test"


def ledger() -> list[dict]:
    """The movements this test made: the demo's own payments (charged when it was loaded, and in the copy
    of the ledger each test starts from) are left out."""
    return [m for m in _printed_ledger() if m["key"] not in DEMO_MOVEMENTS]


def _printed_ledger() -> list[dict]:
    out = io.StringIO()
    call_command("provider_ledger", "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


DEMO_MOVEMENTS: set[str] = set()


@pytest.fixture(autouse=True)
def _demo_movements(demo):
    DEMO_MOVEMENTS.clear()
    DEMO_MOVEMENTS.update(m["key"] for m in _printed_ledger())
    assert DEMO_MOVEMENTS  # the demo's card payments


def charge(key: str, amount: int = 1000, token: str = OK) -> PaymentAttempt:
    """Intent, call, outcome, as every charge is made."""
    account = demo_member("owner@acme.test").account
    with transaction.atomic():
        attempt = gateway.intend(
            "charge", account=account, token=token, amount=amount, currency="USD", key=key, now=NOW
        )
    attempts_send([attempt])
    attempt.refresh_from_db()
    return attempt


def test_r8_8_the_same_key_answers_the_first_answer_and_moves_money_once():
    first = gateway.provider.send([Request("charge", "k-1", 1000, "USD", OK, "INV-1")])["k-1"]
    again = gateway.provider.send([Request("charge", "k-1", 1000, "USD", DECLINED, "INV-1")])["k-1"]
    assert first == again and first.succeeded  # the first answer, whatever the card does now
    assert [m["key"] for m in ledger()] == ["k-1"]


@pytest.mark.parametrize("change", [{"amount": 999}, {"currency": "EUR"}, {"operation": "refund"}])
def test_r8_8_the_same_key_for_another_request_is_refused(change):
    gateway.provider.send([Request("charge", "k-2", 1000, "USD", OK, "INV-2")])
    other = {"operation": "charge", "key": "k-2", "amount": 1000, "currency": "USD", "token": OK} | change
    answers = gateway.provider.send(
        [Request(**other, reference="INV-2"), Request("charge", "k-3", 500, "USD", OK, "INV-3")]
    )
    assert answers["k-2"] == Answer(False, IDEMPOTENCY_CONFLICT)  # that request is refused…
    assert answers["k-3"].succeeded  # … not the others sent with it
    assert [m["key"] for m in ledger()] == ["k-2", "k-3"]


def test_r8_8_the_provider_is_never_called_inside_a_transaction_that_can_roll_back():
    with pytest.raises(gateway.CalledInsideTransaction), transaction.atomic():
        charge("inside")
    assert ledger() == []


def test_r8_8_a_charge_outlives_our_rollback_and_is_not_made_again():
    with pytest.raises(RuntimeError), rolled_back_like_the_test():
        charge("renewal-x")
        raise RuntimeError("our records are lost after the provider answered")
    assert not PaymentAttempt.objects.filter(idempotency_key="renewal-x").exists()  # we forgot it…
    assert [(m["key"], m["outcome"]) for m in ledger()] == [("renewal-x", "succeeded")]  # … it did not
    attempt = charge("renewal-x")  # sent again with the same key: recorded, not charged again
    assert attempt.succeeded and len(ledger()) == 1


def test_r8_8_provider_ledger_prints_one_json_object_per_movement():
    charge("k-3", amount=4200)
    charge("k-4", token=DECLINED)
    assert ledger() == [
        {
            "key": "k-3",
            "operation": "charge",
            "amount": 4200,
            "currency": "USD",
            "outcome": "succeeded",
            "reference": "k-3",
        },
        {
            "key": "k-4",
            "operation": "charge",
            "amount": 1000,
            "currency": "USD",
            "outcome": "card_declined",
            "reference": "k-4",
        },
    ]
