"""Collecting money (R8.8): the intent to charge an invoice, sending intents to the provider, and recording
each answer with what it means — a paid invoice, a refused one chased (R8.5), a refund made.

These functions are not one `@transaction.atomic` block, by design: the intent commits, then the provider is
called outside any transaction, then the answer is recorded in a new one (docs/payments.md). A crash between
two steps leaves a pending intent that the billing clock sends again, under the same key (`payments_resume`).
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Count

from billing import crash, emails, gateway
from billing.models import (
    BillingEvent,
    Charge,
    Invoice,
    PaymentAttempt,
    PaymentMethod,
    Subscription,
)
from billing.sandbox import Answer
from billing.schedule import due_no_later_than
from billing.selectors.payments import live_dunning_case
from billing.services.audit import billing_event
from billing.services.dunning import dunning_case_open
from billing.services.invoices import (
    LineSpec,
    invoice_draft,
    invoice_finalize,
    invoice_mark_paid,
    paid_event,
    refused_event,
)
from billing.services.rows import update_each

logger = logging.getLogger(__name__)
Operation = PaymentAttempt.Operation
BATCH_SIZE = 500  # intents per request to the provider, and per transaction recording the answers
AUTHORIZE, VOID = "-authorize", "-void"  # the two calls of a card check (R8.4), under one key


def charge_intent(invoice: Invoice, *, key: str, now: datetime) -> PaymentAttempt | None:
    """In the caller's transaction: the intent to charge the card on file for an open invoice, under `key`
    (made from the business fact). An invoice with a charge already in flight returns that intent. Nothing
    to charge (0) marks the invoice paid; an invoice paid by transfer, or an account without a card, sends
    nothing: None."""
    # Locked, and read again: one charge in flight per invoice, whoever asks (a change's charge left
    # pending by a crash, then a dunning retry, must not both reach the card).
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    if invoice.status != Invoice.Status.OPEN:
        return None
    in_flight = PaymentAttempt.objects.pending().filter(invoice=invoice, operation=Operation.CHARGE).first()
    if in_flight is not None:
        return in_flight
    if invoice.total == 0:
        invoice_mark_paid(invoice=invoice, now=now)
        return None
    account = invoice.account
    payment_type = Subscription.objects.filter(account=account).values_list("payment_type", flat=True).first()
    card = PaymentMethod.objects.filter(account=account).first()
    if payment_type == Subscription.PaymentType.INVOICE or card is None:
        return None
    return gateway.intend(
        Operation.CHARGE,
        account=account,
        invoice=invoice,
        token=card.gateway_token,
        card_last4=card.last4,
        amount=invoice.total,
        currency=invoice.currency,
        key=key,
        now=now,
    )


def attempts_send(attempts: list[PaymentAttempt], *, receipts: bool = True) -> int:
    """Send the pending intents to the provider, a batch per request, and record each answer with what it
    means, a transaction per batch; every invoice paid by card gets its receipt by email, unless `receipts`
    is off (the demo's history). Outside any transaction: money is never rolled back. A batch that gets no
    answer (the provider is down, or an error of ours) is logged and stays pending for the next tick; it
    does not stop the other batches. Returns how many intents were left without an answer."""
    pending = [a for a in attempts if a is not None and a.pending]
    unanswered = 0
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start : start + BATCH_SIZE]
        try:
            answers = gateway.send(batch)
            with transaction.atomic():
                attempts_record(batch, answers, receipts=receipts)
        except gateway.CalledInsideTransaction:
            raise  # a mistake in our code, not the provider's trouble
        except Exception:
            logger.exception(
                "%s payment(s) sent without an answer; the next tick sends them again", len(batch)
            )
            unanswered += len(batch)
            continue
        crash.point("answer-recorded")
        unanswered += sum(1 for a in batch if gateway.unanswered(answers.get(a.idempotency_key)))
    return unanswered


def attempts_record(
    attempts: list[PaymentAttempt], answers: dict[str, Answer], *, receipts: bool = True
) -> list[PaymentAttempt]:
    """In the caller's transaction: the provider's answers on the attempts still pending, each with what it
    means (`_settle`) — whether the answer came back from the call or later, by a webhook (R12.1). Returns
    the attempts this call settled: an attempt answered already is left as it is."""
    settled = gateway.record(attempts, answers)
    _settle(settled, receipts=receipts)
    return settled


def payments_resume(*, account_ids: list[int] | None = None) -> int:
    """The billing clock's first step: every change's charge left without an invoice is invoiced and its
    intent recorded, then every intent left pending (a crash between commit and answer) is sent again under
    its key — the provider answers what it answered, or moves the money now, once — and recorded with what
    it means. Only the given accounts', if any (a test clock's). Returns the intents left without an
    answer; one that fails is logged and does not stop the others."""
    charges = Charge.objects.filter(invoice=None)
    pending = PaymentAttempt.objects.pending()
    if account_ids is not None:
        charges, pending = charges.filter(account__in=account_ids), pending.filter(account__in=account_ids)
    for charge in charges.order_by("id"):
        try:
            with transaction.atomic():
                change_charge_invoice(charge)
        except Exception:  # e.g. the account was cancelled since: nothing more is charged (R7.4)
            logger.exception("The charge of %s could not be invoiced", charge.event.idempotency_key)
    sent = list(pending.select_related("invoice").order_by("id"))
    unanswered = attempts_send(sent)
    # The voids of the card checks just answered (a request that died after its authorization): newer.
    voids = pending.filter(operation=Operation.VOID, pk__gt=max((a.pk for a in sent), default=0))
    return unanswered + attempts_send(list(voids.select_related("invoice").order_by("id")))


def change_charge_key(charge: Charge) -> str:
    """A change's charge is keyed by its quote: the confirmation's key, unique in the billing history (every
    change is applied with one, `subscription_change_apply`)."""
    if charge.event.idempotency_key is None:
        raise ValueError(f"The change behind charge {charge.pk} has no confirmation key.")
    return f"change-{charge.event.idempotency_key}"


def change_charge_invoice(charge: Charge) -> PaymentAttempt | None:
    """In the caller's transaction: the invoice of one change's charge (the Manage page's, R6.3) and the
    intent to charge it. Safe to call again: the charge is locked and invoiced once."""
    charge = Charge.objects.select_for_update().select_related("event", "account").get(pk=charge.pk)
    if charge.invoice_id is not None:
        return None
    draft = invoice_draft(
        account=charge.account, lines=[LineSpec(charge.description, charge.amount)], now=charge.created_at
    )
    Charge.objects.filter(pk=charge.pk).update(invoice=draft)
    invoice = invoice_finalize(invoice=draft, now=charge.created_at)
    return charge_intent(invoice, key=change_charge_key(charge), now=charge.created_at)


def _settle(attempts: list[PaymentAttempt], *, receipts: bool) -> None:
    """What the answers mean, recorded with them: charged invoices are paid (and receipted); a refused one is
    chased (R8.5) unless a payment of the account is chased already; a card check's authorization is to be
    voided; a refund made is in the billing history."""
    charges = [a for a in attempts if a.operation == Operation.CHARGE and a.invoice_id]
    _invoices_paid([a for a in charges if a.succeeded], receipts=receipts)
    refused = [a for a in charges if not a.succeeded]
    if refused:
        _invoices_refused(refused)
    for authorization in (a for a in attempts if a.operation == Operation.AUTHORIZE and a.succeeded):
        card_check_void_intent(authorization)
    events = [_refunded_event(a) for a in attempts if a.operation == Operation.REFUND and a.succeeded]
    BillingEvent.objects.bulk_create(events)
    for attempt in attempts:
        if attempt.operation == Operation.REFUND and not attempt.succeeded:
            logger.error("Refund %s refused: %s", attempt.idempotency_key, attempt.failure_code)


def _invoices_paid(attempts: list[PaymentAttempt], *, receipts: bool) -> None:
    """Charged: paid, and (R8.9) a receipt to the owner and billing contacts, written with the payment and
    sent once it commits (the outbox), once per invoice."""
    owed = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)
    by_invoice = {a.invoice_id: a for a in attempts}
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .select_related("account")
        .filter(pk__in=list(by_invoice), status__in=owed)
    )
    for invoice in invoices:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, by_invoice[invoice.pk].created_at
    update_each(invoices, ["status", "paid_at"])
    BillingEvent.objects.bulk_create(
        paid_event(invoice, invoice.paid_at, by_invoice[invoice.pk]) for invoice in invoices
    )
    if receipts and invoices:
        to = emails.invoice_recipients_of([invoice.account for invoice in invoices])
        emails.queue(*[emails.receipt(invoice, to=to[invoice.account_id]) for invoice in invoices])


def _invoices_refused(attempts: list[PaymentAttempt]) -> None:
    """Refused charges are rare: each is handled on its own."""
    accounts = [a.account_id for a in attempts]
    cards = {c.account_id: c for c in PaymentMethod.objects.filter(account__in=accounts)}
    tries = dict(
        PaymentAttempt.objects.filter(
            invoice__in=[a.invoice_id for a in attempts], operation=Operation.CHARGE
        )
        .values_list("invoice")
        .annotate(count=Count("id"))
    )
    for attempt in attempts:
        invoice, at = attempt.invoice, attempt.created_at
        card = cards.get(attempt.account_id)
        refused_event(invoice, card, attempt, tries[invoice.pk], at).save(force_insert=True)
        if live_dunning_case(invoice.account) is not None:
            continue  # a retry of a payment being chased: the case goes on
        # A period's invoice is paid through nothing of its period; a charge made during a period (a change)
        # leaves the period already paid untouched: suspension waits for its end.
        paid_through = (
            invoice.period_start
            or Subscription.objects.filter(account=invoice.account)
            .values_list("current_period_end", flat=True)
            .first()
            or at
        )
        dunning_case_open(invoice=invoice, paid_through=paid_through)
        due_no_later_than(invoice.account, at)  # the clock plans the case's next step at once


def _refunded_event(attempt: PaymentAttempt) -> BillingEvent:
    credit = attempt.invoice
    return billing_event(
        account=attempt.account,
        kind=BillingEvent.Kind.REFUND_ISSUED,
        by=None,
        summary=f"{credit.number}: {credit.total} refunded to the card ({attempt.reference})",
        after={"credit_note": credit.number},
        amount=-credit.total,
        now=attempt.created_at,
    )


def card_check_void_intent(authorization: PaymentAttempt) -> PaymentAttempt:
    """In the transaction that records a card check's authorization: the intent to void it (R8.4: the one
    unit is never captured). Committed with the answer, so no crash can leave the hold on the card."""
    return gateway.intend(
        Operation.VOID,
        account=authorization.account,
        token=authorization.token,
        amount=authorization.amount,
        currency=authorization.currency,
        key=authorization.idempotency_key.removesuffix(AUTHORIZE) + VOID,
        now=authorization.created_at,
        against=authorization.reference,
    )
