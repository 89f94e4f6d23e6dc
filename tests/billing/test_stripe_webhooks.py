"""R12.1, R8.8, R8.5: Stripe's signed webhooks. localstripe sends no payment_intent.* events, so each event is
built from localstripe's real objects (retrieved after making them happen), wrapped as a Stripe Event,
signed with the endpoint's secret as Stripe signs, and posted to our endpoint — never a hand-written fake of
Stripe's objects."""

import json
import time

import pytest
from django.db import transaction

from billing import gateway
from billing.models import (
    BillingEvent,
    DunningCase,
    EmailLog,
    Invoice,
    PaymentAttempt,
    PaymentMethod,
    StripeEvent,
)
from billing.sandbox import DECLINED
from billing.services.collection import attempts_send
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.services.provider_outcomes import payment_intent_outcome
from tests import stripe_server
from tests.concurrency import postgresql_only, run_together
from tests.helpers import NOW, demo_member, new_events, text
from tests.stripe_billing import (
    DECLINED_AT_CHARGE,
    OK_CARD,
    PAYMENT,
    SECRET,
    on_stripe,
    post_event,
    post_signed,
)


@pytest.fixture
def acme(demo, localstripe, settings, monkeypatch):
    return on_stripe(settings, monkeypatch, localstripe)


def _lost_answer_charge(acme, number=OK_CARD):
    """A renewal charge sent to Stripe whose answer was lost: pending here, settled at Stripe."""
    acme.card(number)
    invoice = acme.open_invoice()
    attempt = acme.charge_intent(invoice)
    answer = acme.sent_unrecorded(attempt)
    intent = acme.intent(answer.reference) if answer.succeeded else acme.intent_of_charge(answer.reference)
    return invoice, attempt, intent


def _state(invoice, attempt):
    invoice.refresh_from_db()
    attempt.refresh_from_db()
    return invoice.status, attempt.status, StripeEvent.objects.count(), new_events().count()


def test_r12_1_a_bad_signature_a_stale_timestamp_or_garbage_is_400_and_changes_nothing(acme):
    invoice, attempt, intent = _lost_answer_charge(acme)
    before = _state(invoice, attempt)
    stale = int(time.time()) - 600  # Stripe's tolerance, which the library applies, is 5 minutes
    body, signature = stripe_server.signed_event("payment_intent.succeeded", intent, SECRET)
    refused = [
        post_event("payment_intent.succeeded", intent, secret="whsec_someone_else"),
        post_event("payment_intent.succeeded", intent, at=stale),
        post_signed(body, ""),
        post_signed(body.replace(b'"succeeded"', b'"requires_action"', 1), signature),  # tampered
        post_signed(*stripe_server.sign(b"{not json", SECRET)),  # signed garbage
    ]
    assert [response.status_code for response in refused] == [400] * 5
    assert _state(invoice, attempt) == before == ("open", "pending", 0, before[3])


def test_r12_1_without_a_secret_configured_every_event_is_refused(acme, settings):
    invoice, attempt, intent = _lost_answer_charge(acme)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_event("payment_intent.succeeded", intent, secret="").status_code == 400
    assert _state(invoice, attempt)[:3] == ("open", "pending", 0)


def test_r12_1_r8_8_payment_intent_succeeded_settles_a_pending_charge_once(acme):
    """The same event delivered twice (Stripe retries): the invoice is paid and its receipt queued once."""
    invoice, attempt, intent = _lost_answer_charge(acme)
    body, signature = stripe_server.signed_event("payment_intent.succeeded", intent, SECRET)
    with transaction.atomic():  # the receipt is written with the payment (the outbox), sent after commit
        first, second = post_signed(body, signature), post_signed(body, signature)
    assert (first.status_code, second.status_code) == (200, 200)
    assert _state(invoice, attempt)[:3] == ("paid", "succeeded", 1)
    assert attempt.reference == intent["id"]
    assert EmailLog.objects.filter(key=f"receipt-{invoice.number}").count() == 1
    assert new_events().filter(kind=BillingEvent.Kind.INVOICE_PAID).count() == 1
    recorded = StripeEvent.objects.get()
    assert (recorded.event_id, recorded.type) == (json.loads(body)["id"], "payment_intent.succeeded")
    assert recorded.outcome == "recorded: succeeded"


def test_r12_1_a_second_event_with_the_same_outcome_changes_nothing(acme):
    """Another event (another id) saying what we recorded: nothing more happens."""
    invoice, attempt, intent = _lost_answer_charge(acme)
    post_event("payment_intent.succeeded", intent)
    state = _state(invoice, attempt)
    assert post_event("payment_intent.succeeded", intent).status_code == 200
    assert _state(invoice, attempt)[:2] == state[:2] and _state(invoice, attempt)[3] == state[3]
    assert StripeEvent.objects.order_by("id").last().outcome == "agrees with our record"


def test_r12_1_r8_5_payment_intent_payment_failed_opens_dunning(acme):
    invoice, attempt, intent = _lost_answer_charge(acme, DECLINED_AT_CHARGE)
    assert intent["status"] == "requires_payment_method"
    assert post_event("payment_intent.payment_failed", intent).status_code == 200
    assert _state(invoice, attempt)[:2] == ("open", "failed")
    assert attempt.failure_code == DECLINED
    case = DunningCase.objects.get(invoice=invoice)
    assert case.status == DunningCase.Status.OPEN
    assert EmailLog.objects.filter(key=f"dunning-{case.pk}-d0").exists()


def test_r12_1_an_outcome_recorded_by_the_call_is_not_recorded_again(acme):
    """The synchronous answer came first (the usual case); the webhook after it agrees and changes nothing."""
    acme.card(OK_CARD)
    invoice = acme.open_invoice()
    attempt = acme.charge_intent(invoice)
    assert attempts_send([attempt]) == 0
    state = _state(invoice, attempt)
    assert post_event("payment_intent.succeeded", acme.intent(attempt.reference)).status_code == 200
    assert _state(invoice, attempt)[:2] == state[:2] == ("paid", "succeeded")
    assert _state(invoice, attempt)[3] == state[3]
    assert StripeEvent.objects.get().outcome == "agrees with our record"


def test_r12_1_events_we_do_not_handle_are_answered_at_once_and_not_recorded(acme):
    customer = acme.client.v1.customers.create({"email": "someone@example.test"})
    response = post_event("customer.created", stripe_server.raw(acme.url, f"/v1/customers/{customer.id}"))
    assert response.status_code == 200 and StripeEvent.objects.count() == 0


def test_r12_1_a_payment_intent_of_someone_else_is_recorded_and_changes_nothing(acme):
    method = stripe_server.card_token(acme.client, OK_CARD)
    intent = acme.client.v1.payment_intents.create(
        {"amount": 500, "currency": "eur", "payment_method": method, "confirm": True}
    )
    assert post_event("payment_intent.succeeded", acme.intent(intent.id)).status_code == 200
    assert StripeEvent.objects.get().outcome == "not a payment of ours"


def _refund_intent(charged, credit, key: str):
    return gateway.intend(
        PaymentAttempt.Operation.REFUND,
        account=credit.account,
        invoice=credit,
        amount=credit.total,
        currency=credit.currency,
        key=key,
        now=NOW,
        against=charged.reference,
    )


def test_r12_1_r8_8_another_deployments_payment_under_our_key_settles_nothing(acme):
    """Keys are made from business facts (the subscription, the renewal date), which a staging copy sharing
    the Stripe account makes too: its PaymentIntent under our key, for another amount or card, is not ours."""
    acme.card(OK_CARD)
    invoice = acme.open_invoice()
    attempt = acme.charge_intent(invoice)
    theirs = acme.client.v1.payment_intents.create(
        {
            "amount": 999,
            "currency": "usd",
            "payment_method": stripe_server.card_token(acme.client, OK_CARD),
            "confirm": True,
            "metadata": {"key": attempt.idempotency_key, "reference": invoice.number, "operation": "charge"},
        }
    )
    assert post_event("payment_intent.succeeded", acme.intent(theirs.id)).status_code == 200
    assert StripeEvent.objects.get().outcome == "not a payment of ours"
    assert _state(invoice, attempt)[:2] == ("open", "pending")


@pytest.mark.parametrize("listed", [True, False], ids=["refunds listed", "refunds left out"])
def test_r12_1_r8_8_charge_refunded_records_a_pending_refund(acme, listed):
    """A refund sent to Stripe whose answer was lost: charge.refunded records it, under its key. Since API
    version 2022-11-15 the event's charge leaves its refunds out: they are asked for, never guessed — a
    second refund of the same charge, committed but not sent yet, stays pending (the tick sends it)."""
    acme.card(OK_CARD)
    invoice = acme.open_invoice()
    charged = acme.charge_intent(invoice, key="renewal-acme-refunded")
    attempts_send([charged])
    charged.refresh_from_db()
    with transaction.atomic():
        credit = invoice_finalize(
            invoice=invoice_draft(
                account=invoice.account,
                lines=[LineSpec("Unused seats", 1000)],
                now=NOW,
                kind=Invoice.Kind.CREDIT_NOTE,
                credits=invoice,
            ),
            now=NOW,
        )
        refund = _refund_intent(charged, credit, f"refund-{credit.number}")
        not_sent = _refund_intent(charged, credit, f"refund-{credit.number}-again")
    made = acme.sent_unrecorded(refund)
    latest = acme.intent(charged.reference)["latest_charge"]  # localstripe expands it, Stripe gives its id
    charge = stripe_server.raw(
        acme.url, f"/v1/charges/{latest['id'] if isinstance(latest, dict) else latest}"
    )
    assert [r["metadata"]["key"] for r in charge["refunds"]["data"]] == [refund.idempotency_key]
    if not listed:
        del charge["refunds"]
    assert charge["amount_refunded"] == credit.total
    assert post_event("charge.refunded", charge).status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.reference) == ("succeeded", made.reference)
    not_sent.refresh_from_db()
    assert not_sent.status == "pending"
    assert new_events().filter(kind=BillingEvent.Kind.REFUND_ISSUED).count() == 1
    assert post_event("charge.refunded", charge).status_code == 200  # another event: nothing pending
    assert new_events().filter(kind=BillingEvent.Kind.REFUND_ISSUED).count() == 1


def test_r12_1_payment_method_detached_leaves_no_card_on_file(acme, sign_in):
    card = acme.card(OK_CARD)
    acme.client.v1.payment_methods.detach(card.gateway_token)
    method = stripe_server.raw(acme.url, f"/v1/payment_methods/{card.gateway_token}")
    assert post_event("payment_method.detached", method).status_code == 200
    assert not PaymentMethod.objects.filter(account=card.account).exists()
    event = new_events().get(kind=BillingEvent.Kind.PAYMENT_METHOD_UPDATED)
    assert "detached" in event.summary and event.before == {"card": f"Visa {OK_CARD[-4:]}"}
    page = text(sign_in("owner@acme.test").get(PAYMENT))
    assert "No card on file." in page
    history = text(sign_in("owner@acme.test").get("/admin/account/billing/history/"))
    assert "was removed: there is no card on file" in history


def test_r12_1_the_outcome_function_is_idempotent_called_directly(acme):
    """payment_intent_outcome is what the page's return calls too: twice, once."""
    invoice, attempt, intent = _lost_answer_charge(acme)
    account = demo_member("owner@acme.test").account
    assert payment_intent_outcome(intent, now=NOW) == "recorded: succeeded"
    assert payment_intent_outcome(intent, now=NOW) == "agrees with our record"
    assert Invoice.objects.get(pk=invoice.pk).status == "paid" and account.pk == invoice.account_id


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_r12_1_r8_8_two_deliveries_of_one_event_at_the_same_moment_pay_once(acme):
    """Stripe may deliver an event twice at once: each delivery in its own thread and connection; the event's
    unique id lets one handle it (on PostgreSQL the second waits on the id, then finds it taken)."""
    invoice, attempt, intent = _lost_answer_charge(acme)
    body, signature = stripe_server.signed_event("payment_intent.succeeded", intent, SECRET)
    answers = run_together([lambda: post_signed(body, signature)] * 2)
    assert [getattr(answer, "status_code", answer) for answer in answers] == [200, 200]
    assert _state(invoice, attempt)[:3] == ("paid", "succeeded", 1)
    assert EmailLog.objects.filter(key=f"receipt-{invoice.number}").count() == 1
    assert (
        BillingEvent.objects.filter(kind=BillingEvent.Kind.INVOICE_PAID, account=invoice.account)
        .filter(summary__contains=invoice.number)
        .count()
        == 1
    )
