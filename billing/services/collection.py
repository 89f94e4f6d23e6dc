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

from billing import crash, gateway
from billing.models import (
    BillingEvent,
    Charge,
    Invoice,
    PaymentAttempt,
    PaymentMethod,
    Subscription,
)
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
from billing.services.payments import card_check_release
from billing.services.rows import update_each

logger = logging.getLogger(__name__)
Operation = PaymentAttempt.Operation
BATCH_SIZE = 500  # intents per request to the provider, and per transaction recording the answers


def charge_intent(invoice: Invoice, *, key: str, now: datetime) -> PaymentAttempt | None:
    """In the caller's transaction: the intent to charge the card on file for an open invoice, under `key`
    (made from the business fact). Nothing to charge (0) marks the invoice paid; an invoice paid by
    transfer, or an account without a card, sends nothing: None."""
    if invoice.status != Invoice.Status.OPEN:
        return None
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
        amount=invoice.total,
        currency=invoice.currency,
        key=key,
        now=now,
    )


def attempts_send(attempts: list[PaymentAttempt]) -> None:
    """Send the pending intents to the provider, a batch per request, and record each answer with what it
    means, a transaction per batch. Outside any transaction: money is never rolled back."""
    pending = [a for a in attempts if a is not None and a.pending]
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start : start + BATCH_SIZE]
        answers = gateway.send(batch)
        with transaction.atomic():
            _settle(gateway.record(batch, answers))
        crash.point("answer-recorded")


def payments_resume() -> int:
    """The billing clock's first step: every intent left pending (a crash between commit and answer) is
    sent again under its key — the provider answers what it answered, or moves the money now, once — and
    every change's charge left without an invoice is invoiced and charged. Returns the intents sent."""
    for charge in Charge.objects.filter(invoice=None).select_related("event", "account").order_by("id"):
        with transaction.atomic():
            change_charge_invoice(charge)
    pending = list(PaymentAttempt.objects.pending().select_related("invoice").order_by("id"))
    attempts_send(pending)
    _release_card_checks([a.pk for a in pending if a.operation == Operation.AUTHORIZE])
    return len(pending)


def change_charge_key(charge: Charge) -> str:
    """A change's charge is keyed by its quote (the confirmation's key, unique in the billing history)."""
    return f"change-{charge.event.idempotency_key or charge.event_id}"


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


def _settle(attempts: list[PaymentAttempt]) -> None:
    """What the answers mean, recorded with them: charged invoices are paid; a refused one is chased
    (R8.5) unless a payment of the account is chased already; a refund made is in the billing history."""
    charges = [a for a in attempts if a.operation == Operation.CHARGE and a.invoice_id]
    _invoices_paid([a for a in charges if a.succeeded])
    refused = [a for a in charges if not a.succeeded]
    if refused:
        _invoices_refused(refused)
    events = [_refunded_event(a) for a in attempts if a.operation == Operation.REFUND and a.succeeded]
    BillingEvent.objects.bulk_create(events)
    for attempt in attempts:
        if attempt.operation == Operation.REFUND and not attempt.succeeded:
            logger.error("Refund %s refused: %s", attempt.idempotency_key, attempt.failure_code)


def _invoices_paid(attempts: list[PaymentAttempt]) -> None:
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


def _release_card_checks(authorizations: list[int]) -> None:
    """A card check whose request died after its authorization: the authorization is voided, as the
    request would have done (the card itself was never saved; the owner sends the form again)."""
    for authorization in PaymentAttempt.objects.filter(pk__in=authorizations, status="succeeded"):
        card_check_release(authorization)
