"""What Stripe tells us after the fact (R12.1): a PaymentIntent's outcome, a refund made, a card detached —
from a signed webhook event (billing/views/stripe_webhook.py), or read back from Stripe when the owner comes
back from confirming a payment with their bank (billing/views/payment_confirmation.py).

Each outcome is recorded through the path a synchronous answer takes (`attempts_record`: the attempt locked
while pending, then what it means — a paid invoice and its receipt, a refusal chased, R8.5), so it counts
once whichever way it comes, and whichever comes second changes nothing. Each webhook event is recorded with
what it did, in the same transaction: the same event delivered twice, even at the same moment, is handled
once (its id is unique).
"""

import logging
from datetime import datetime

from django.db import IntegrityError, transaction

from billing import gateway
from billing.clock import now_for
from billing.models import BillingEvent, Invoice, PaymentAttempt, PaymentMethod, StripeEvent
from billing.sandbox import AUTHENTICATION_REQUIRED, Answer
from billing.services.audit import billing_event_record
from billing.services.collection import attempts_record
from billing.services.dunning import dunning_recover_if_settled

logger = logging.getLogger(__name__)
Operation, Status = PaymentAttempt.Operation, PaymentAttempt.Status
CONFIRMED = PaymentAttempt.CONFIRMED_BY_OWNER


def stripe_event_receive(event: dict, *, now: datetime) -> str:
    """A verified webhook event: handled and recorded once, in one transaction. Returns what it did, in a
    few words (the event's record, the logs); the types we do not handle are not recorded."""
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return "ignored"
    data = event["data"]["object"]
    if event["type"] == "charge.refunded":
        data = _with_refunds(data)  # asked of Stripe before the transaction, which holds the write lock
    with transaction.atomic():
        try:
            with transaction.atomic():
                received = StripeEvent.objects.create(
                    event_id=event["id"], type=event["type"], received_at=now
                )
        except IntegrityError:  # delivered before, or by a concurrent delivery: that one handles it
            return "handled already"
        received.outcome = handler(data, now=now)[:200]
        received.save(update_fields=["outcome"])
    logger.info("Stripe event %s (%s): %s", event["id"], event["type"], received.outcome)
    return received.outcome


def payment_intent_outcome(intent: dict, *, now: datetime) -> str:
    """Record what a PaymentIntent's current state means for the attempt that made it (found by the key
    in its metadata, else by its id as the attempt's reference), idempotently: a pending attempt gets the
    answer as if the call had returned it; a charge refused because the bank wanted the owner to confirm it,
    whose intent has now succeeded, is paid; an outcome that agrees with our record changes nothing."""
    attempt = _attempt_of(intent)
    if attempt is None:
        return "not a payment of ours"
    now = now_for(attempt.account, real_now=now)  # a test clock's account records on its clock
    # Imported here, as the gateway imports the provider: the stripe library is loaded only when used.
    from billing.stripe_provider import intent_answer

    answer = intent_answer(intent, attempt.operation)
    if answer is None:
        return f"not settled yet ({intent.get('status')})"
    with transaction.atomic():
        if attempt.pending:
            return _answer_record(attempt, answer, now=now)
        if _confirmed_by_the_owner(attempt, answer):
            return _confirmed_payment_record(attempt, answer, now=now)
    if answer.succeeded == attempt.succeeded:
        return "agrees with our record"
    logger.error("Stripe says %s for %s, recorded %s", intent.get("status"), attempt.idempotency_key, attempt)
    return "differs from our record: left to reconciliation"


def charge_refunded(charge: dict, *, now: datetime) -> str:
    """A refund of the charge was made: our refund attempts still pending that Stripe made are recorded,
    each by the key in its refund's metadata (`_with_refunds` lists them). Never guessed from the amount
    refunded — a refund taken as made would never be sent; one left pending is sent again by the tick."""
    from billing.stripe_provider import refund_answer  # as in payment_intent_outcome

    listed = (charge.get("refunds") or {}).get("data") or []
    refunds = {_key(refund): refund for refund in listed if _key(refund)}
    pending = PaymentAttempt.objects.pending().filter(operation=Operation.REFUND).select_related("invoice")
    attempts = list(pending.filter(idempotency_key__in=list(refunds)))
    answers = {a.idempotency_key: refund_answer(refunds[a.idempotency_key]) for a in attempts}
    with transaction.atomic():
        settled = attempts_record(attempts, answers)
    return f"{len(settled)} refund(s) recorded" if settled else "nothing pending"


def _with_refunds(charge: dict) -> dict:
    """The charge with its refunds listed, read from Stripe when the event left them out (API versions
    since 2022-11-15 do); none if Stripe does not answer: what is pending stays so, sent again by the tick."""
    if (charge.get("refunds") or {}).get("data") is not None:
        return charge
    listed = gateway.refunds_of(charge.get("payment_intent") or "") or []
    return {**charge, "refunds": {"data": listed}}


def payment_method_detached(method: dict, *, now: datetime) -> str:
    """The card was detached from its customer at Stripe (by the bank, by staff on Stripe's dashboard): it
    can no longer be charged, so the account has no card on file any more — the row is removed rather than
    its token cleared, so that the Payment page asks for a card and no charge is attempted on a dead one —
    and its billing history says so."""
    card = PaymentMethod.objects.select_related("account").filter(gateway_token=method["id"]).first()
    if card is None or not PaymentMethod.objects.filter(pk=card.pk).delete()[0]:
        return "not a card on file"
    billing_event_record(
        account=card.account,
        kind=BillingEvent.Kind.PAYMENT_METHOD_UPDATED,
        by=None,
        summary=f"Card {card.brand} •••• {card.last4} removed: detached at Stripe ({method['id']})",
        before={"card": f"{card.brand} {card.last4}"},
        after={},
        now=now,
    )
    return "card on file removed"


HANDLERS = {
    "payment_intent.succeeded": payment_intent_outcome,
    "payment_intent.payment_failed": payment_intent_outcome,
    "charge.refunded": charge_refunded,
    "payment_method.detached": payment_method_detached,
}


def _key(stripe_object: dict) -> str:
    return (stripe_object.get("metadata") or {}).get("key") or ""


def _attempt_of(intent: dict) -> PaymentAttempt | None:
    """Our attempt that made the intent — by the key in its metadata, else its id as our reference — if
    the intent is that payment: the same amount and currency, card and PaymentIntent. Keys are made from
    business facts (an invoice number, a subscription), which another deployment sharing the Stripe
    account (staging, a developer's copy) makes too: its PaymentIntents must not settle our invoices."""
    attempts = PaymentAttempt.objects.select_related("invoice", "account")
    if key := _key(intent):
        attempt = attempts.filter(idempotency_key=key).first()
    else:
        attempt = attempts.filter(reference=intent["id"]).exclude(idempotency_key__endswith=CONFIRMED).first()
    if attempt is None or not _same_payment(attempt, intent):
        return None
    return attempt


def _same_payment(attempt: PaymentAttempt, intent: dict) -> bool:
    method = intent.get("payment_method")
    method = method.get("id") if isinstance(method, dict) else method  # localstripe expands it
    return (
        intent.get("amount") == attempt.amount
        and str(intent.get("currency", "")).upper() == attempt.currency
        and attempt.reference in ("", intent["id"])
        and (not attempt.token or method in (None, attempt.token))
    )


def _answer_record(attempt: PaymentAttempt, answer: Answer, *, now: datetime) -> str:
    settled = attempts_record([attempt], {attempt.idempotency_key: answer})
    if not settled:
        return "recorded already"
    if answer.succeeded:
        dunning_recover_if_settled(account=attempt.account, at=now)
    return f"recorded: {settled[0].status}"


def _confirmed_by_the_owner(attempt: PaymentAttempt, answer: Answer) -> bool:
    return (
        attempt.operation == Operation.CHARGE
        and attempt.failure_code == AUTHENTICATION_REQUIRED
        and attempt.invoice_id is not None
        and answer.succeeded
    )


def _confirmed_payment_record(attempt: PaymentAttempt, answer: Answer, *, now: datetime) -> str:
    """The owner confirmed the payment the bank held (strong customer authentication): a second attempt,
    keyed from the first, records the money Stripe took — the invoice is paid, the payment being chased
    recovers as after a successful retry (R8.7). Its key makes the webhook and the page's return one."""
    try:
        confirmed = gateway.intend(
            Operation.CHARGE,
            account=attempt.account,
            invoice=attempt.invoice,
            token=attempt.token,
            card_last4=attempt.card_last4,
            amount=attempt.amount,
            currency=attempt.currency,
            key=attempt.idempotency_key + CONFIRMED,
            now=now,
        )
    except gateway.NoChargeAfterCancellation:  # the money moved all the same: staff refund it
        logger.error("A payment confirmed for %s after its account closed: refund it", attempt.invoice)
        return "confirmed after the account closed: to refund"
    if confirmed.pending and attempt.invoice.status == Invoice.Status.PAID:  # paid since, by a retry
        logger.error("A payment confirmed for %s after it was paid: refund one", attempt.invoice)
    return _answer_record(confirmed, answer, now=now)
