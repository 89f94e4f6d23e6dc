"""R8.8 in one process: intents left pending are sent again by the next tick, and reconciliation finds every
disagreement between the provider's ledger and our records. (test_crash_safety.py kills real processes.)"""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from billing import gateway
from billing.lifecycle.tick import billing_tick
from billing.models import BillingEvent, Charge, Invoice, PaymentAttempt, PaymentMismatch
from billing.sandbox import Request
from billing.services.collection import attempts_send, charge_intent
from billing.services.payments import verification_amount
from tests.helpers import NOW, change, item, new_events, reconcile, text

pytestmark = pytest.mark.usefixtures("demo")
ACME = "Acme Self-Service"
MANAGED = "Managed Enterprise Inc"  # pays by transfer: its paid invoices moved no money through us
OK, DECLINED = "sandbox_ok_test", "sandbox_card_declined_test"


def charged_change(client) -> Invoice:
    """A Manage change charged to Acme's card, through the real journey."""
    change(client, kind="add_seats", item=item(ACME, "support").pk, seats=2)
    return Invoice.objects.filter(account__name=ACME).order_by("-sequence").first()


@pytest.fixture
def owner(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action(client)

    return run


# --- Intents left pending ---------------------------------------------------------------------------------


def test_r8_8_a_change_whose_charge_failed_to_send_is_charged_by_the_next_tick(owner, monkeypatch):
    def unreachable(requests):
        raise ConnectionError("the provider does not answer")

    monkeypatch.setattr(gateway.provider, "send", unreachable)
    invoice = owner(charged_change)  # the change is confirmed all the same: the charge waits
    intent = PaymentAttempt.objects.get(invoice=invoice)
    assert (invoice.status, intent.status) == ("open", "pending")
    monkeypatch.undo()
    assert billing_tick(real_now=NOW).mismatches == 0
    invoice.refresh_from_db()
    assert invoice.status == "paid" and PaymentAttempt.objects.get(invoice=invoice).status == "succeeded"
    assert [m["reference"] for m in gateway.provider.movements()[-1:]] == [invoice.number]


def test_r8_8_a_change_charge_never_invoiced_is_invoiced_and_charged_by_the_next_tick(owner):
    invoice = owner(charged_change)
    event = invoice.charges.get().event
    # As a crash before this version left it: the change applied, its charge neither invoiced nor sent.
    with transaction.atomic():
        Charge.objects.create(
            account=invoice.account,
            amount=5_000,
            currency="USD",
            description="Add 1 agent seat, prorated",
            event=BillingEvent.objects.create(
                account=invoice.account,
                kind=event.kind,
                summary="seats added before the upgrade",
                occurred_at=NOW,
                idempotency_key="6f1d1b1e-0000-4000-8000-000000000001",
            ),
            created_at=NOW,
        )
    billing_tick(real_now=NOW)
    billing_tick(real_now=NOW)  # again: nothing more
    late = Charge.objects.get(amount=5_000)
    assert late.invoice.status == "paid" and late.invoice.total == 5_000
    (attempt,) = PaymentAttempt.objects.filter(invoice=late.invoice)
    assert attempt.idempotency_key == "change-6f1d1b1e-0000-4000-8000-000000000001"
    assert reconcile()[0] == 0


@pytest.mark.parametrize("died", ["before the authorization", "after its answer"])
def test_r8_8_a_card_check_whose_request_died_is_answered_and_voided_by_the_next_tick(died):
    account = Account.objects.get(name=ACME)
    with transaction.atomic():  # the intent committed, then the request died
        authorization = gateway.intend(
            "authorize",
            account=account,
            key="card-check-form-1-abc-authorize",
            amount=verification_amount("USD"),
            currency="USD",
            token=OK,
            now=NOW,
        )
    if died == "after its answer":  # answered, and the void's intent committed with the answer
        attempts_send([authorization])
        assert PaymentAttempt.objects.get(idempotency_key="card-check-form-1-abc-void").pending
    billing_tick(real_now=NOW)
    attempts = PaymentAttempt.objects.filter(idempotency_key__startswith="card-check-form-1-abc")
    assert sorted(attempts.values_list("operation", "status")) == [
        ("authorize", "succeeded"),
        ("void", "succeeded"),
    ]


def test_r8_8_a_dunning_retry_never_charges_an_invoice_whose_charge_is_in_flight(owner, monkeypatch):
    monkeypatch.setattr(gateway.provider, "send", lambda requests: {})  # the answer is lost on the way
    invoice = owner(charged_change)
    monkeypatch.undo()
    in_flight = PaymentAttempt.objects.get(invoice=invoice)
    with transaction.atomic():  # a dunning step of the account asks to retry its open invoices
        retry = charge_intent(invoice, key=f"dunning-INV-X-d2-{invoice.number}", now=NOW)
    assert retry == in_flight  # the charge in flight, not a second one
    billing_tick(real_now=NOW)
    assert [m["key"] for m in gateway.provider.movements() if m["reference"] == invoice.number] == [
        in_flight.idempotency_key
    ]
    assert reconcile()[0] == 0


def test_r8_8_a_request_refused_by_the_provider_stays_pending_and_stops_nothing_else(
    owner, monkeypatch, caplog
):
    monkeypatch.setattr(gateway.provider, "send", lambda requests: {})  # two changes, answers lost
    first, second = owner(charged_change), owner(charged_change)
    monkeypatch.undo()
    poisoned = PaymentAttempt.objects.get(invoice=first)
    # The provider knows the key for another request (a bug of ours): it refuses that one request.
    gateway.provider.send([Request("charge", poisoned.idempotency_key, 1, "USD", OK, "INV-OTHER")])
    with caplog.at_level(logging.ERROR, logger="billing.gateway"):
        report = billing_tick(real_now=NOW)
    assert report.unanswered == 1 and poisoned.idempotency_key in caplog.text
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("open", "paid")
    assert PaymentAttempt.objects.get(invoice=first).pending  # for a person to look at; nothing moved


def test_r8_8_the_provider_down_leaves_payments_pending_for_the_next_tick(owner, monkeypatch):
    def unreachable(requests):
        raise ConnectionError("the provider does not answer")

    monkeypatch.setattr(gateway.provider, "send", unreachable)
    invoice = owner(charged_change)
    assert billing_tick(real_now=NOW).unanswered == 1
    monkeypatch.undo()
    assert billing_tick(real_now=NOW).unanswered == 0
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_r8_8_r7_4_a_charge_left_uninvoiced_on_an_account_cancelled_since_stops_no_tick(owner, caplog):
    invoice = owner(charged_change)
    Charge.objects.filter(invoice=invoice).update(invoice=None)  # as a crash before this version left it
    Account.objects.filter(name=ACME).update(status=Account.Status.CANCELLED)
    with caplog.at_level(logging.ERROR, logger="billing.services.collection"):
        report = billing_tick(real_now=NOW)
    assert "could not be invoiced" in caplog.text  # logged; nothing is charged after a cancellation
    assert report.failed == []


# --- Reconciliation --------------------------------------------------------------------------------------


def test_r8_8_the_ledger_and_our_records_agree_after_real_charges(owner):
    owner(charged_change)
    owner(charged_change)
    assert reconcile() == (0, "No mismatch: the provider's ledger and our records agree.\n")


def test_r8_8_money_moved_with_no_paid_invoice_is_a_mismatch_exit_1_and_listed_for_staff(sign_in):
    gateway.provider.send([Request("charge", "stray-1", 4_200, "USD", OK, "INV-9999-00001")])
    status, out = reconcile()
    assert status == 1
    assert out.split("\t")[:4] == ["unrecorded", "INV-9999-00001", "4200 USD", "stray-1"]
    page = text(sign_in("support@staff.test").get("/staff/billing/paymentmismatch/"))
    assert "INV-9999-00001" in page and "Money moved with no paid invoice" in page


def test_r8_8_a_paid_invoice_with_no_money_moved_is_a_mismatch(owner, settings, tmp_path):
    invoice = owner(charged_change)
    settings.PAYMENT_SANDBOX_LEDGER = tmp_path / "a-ledger-without-it.sqlite3"
    status, out = reconcile()
    assert status == 1 and out.startswith(f"missing\t{invoice.number}\t{invoice.total} USD\tchange-")


def test_r8_8_two_movements_for_one_invoice_are_a_mismatch(owner):
    invoice = owner(charged_change)
    gateway.provider.send([Request("charge", "again", invoice.total, "USD", OK, invoice.number)])
    status, out = reconcile()
    assert status == 1 and out.startswith(f"duplicate\t{invoice.number}\t{2 * invoice.total} USD\t")


def test_r8_8_a_movement_of_another_amount_is_a_mismatch():
    paid = Invoice.objects.filter(account__name=MANAGED, status="paid").first()  # paid by transfer (demo)
    gateway.provider.send([Request("charge", "other", paid.total + 1, "USD", OK, paid.number)])
    status, out = reconcile()
    assert status == 1 and out.startswith(f"different\t{paid.number}\t")
    gateway.provider.send([Request("refund", "refund-x", 100, "USD", "", paid.number)])
    assert "Money moved with no credit note" in reconcile()[1]


def test_r8_8_a_movement_whose_answer_we_have_not_recorded_yet_is_in_flight_not_a_mismatch(
    owner, monkeypatch
):
    monkeypatch.setattr(gateway.provider, "send", lambda requests: {})  # the answer is lost on the way
    invoice = owner(charged_change)
    monkeypatch.undo()
    gateway.send([PaymentAttempt.objects.get(invoice=invoice)])  # the money moves; not recorded yet
    assert reconcile()[0] == 0


def test_r8_8_the_tick_reconciles_at_its_end_and_logs_each_mismatch(caplog):
    gateway.provider.send([Request("charge", "stray-2", 100, "USD", OK, "INV-9999-00002")])
    with caplog.at_level(logging.ERROR, logger="billing.services.reconciliation"):
        report = billing_tick(real_now=NOW)
    assert report.mismatches == 1 and "INV-9999-00002" in caplog.text
    assert PaymentMismatch.objects.get().kind == "unrecorded"
    assert not new_events().filter(kind="invoice_paid").exists()


def test_r8_8_we_recorded_a_payment_the_provider_declined_is_a_mismatch(owner, monkeypatch):
    monkeypatch.setattr(gateway.provider, "send", lambda requests: {})  # the answer is lost on the way
    invoice = owner(charged_change)
    monkeypatch.undo()
    attempt = PaymentAttempt.objects.get(invoice=invoice)
    gateway.provider.send(
        [Request("charge", attempt.idempotency_key, invoice.total, "USD", DECLINED, invoice.number)]
    )
    PaymentAttempt.objects.filter(pk=attempt.pk).update(status="succeeded", answered_at=timezone.now())
    Invoice.objects.filter(pk=invoice.pk).update(status="paid")  # as a bug, or a manual edit, would
    status, out = reconcile()
    assert status == 1 and out.startswith(f"different\t{invoice.number}\t")
    assert "the provider says: card_declined" in out


def test_r8_8_the_tick_compares_what_changed_lately_with_the_whole_history_of_its_documents(owner):
    invoice = owner(charged_change)
    with time_machine.travel(timezone.now() - timedelta(days=10)):  # long before this tick's span
        gateway.provider.send([Request("charge", "stray-old", 300, "USD", OK, "INV-9999-00003")])
    assert billing_tick(real_now=NOW).mismatches == 0  # the tick looks at what changed lately only
    assert reconcile()[0] == 1  # the full comparison finds the old stray movement, and lists it
    gateway.provider.send([Request("charge", "twice", invoice.total, "USD", OK, invoice.number)])
    assert billing_tick(real_now=NOW).mismatches == 1  # a new movement, compared with its document's past
    assert sorted(PaymentMismatch.objects.values_list("kind", "reference")) == [
        ("duplicate", invoice.number),
        ("unrecorded", "INV-9999-00003"),  # kept: the tick did not look at it
    ]
