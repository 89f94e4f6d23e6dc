"""Invoices (R8.1, R8.2, R7.4): drafts, finalization (gapless numbers, buyer snapshot, immutable after), and
their payment state. Renewals (billing.lifecycle.renewals) share `issue`, `lines_for` and the events; the
Manage page's charges, refunds and final statements use the rest. Collecting them is
billing.services.collection's job."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts.models import Account
from billing import documents, emails, gateway, pricing, tax
from billing.models import (
    BillingEvent,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    PaymentAttempt,
    PaymentMethod,
    ReceivedTransfer,
    Subscription,
)
from billing.schedule import due_no_later_than
from billing.selectors.upcoming import LineSpec
from billing.services.audit import billing_event, billing_event_record

INVOICE_DUE_DAYS = 30
# Reminders of an invoice paid by transfer (billing.lifecycle.reminders): before and after its due date.
REMINDER_BEFORE_DUE, REMINDER_AFTER_DUE = timedelta(days=7), timedelta(days=1)
ALREADY_FINALIZED = gettext_lazy("This invoice is already finalized.")
EMPTY_INVOICE = gettext_lazy("An invoice needs at least one line.")
NEVER_VOIDED_IN_FRANCE = gettext_lazy(
    "An invoice billed in France is never voided: cancel it with a credit note for its full amount "
    "(action “Cancel with a credit note”)."
)


def invoice_draft(
    *,
    account: Account,
    lines: list[LineSpec],
    now: datetime,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    kind: str = Invoice.Kind.INVOICE,
    credits: Invoice | None = None,
) -> Invoice:
    if not lines:
        raise ValidationError(EMPTY_INVOICE)
    invoice = Invoice.objects.create(
        account=account,
        kind=kind,
        currency=account.currency,
        created_at=now,
        period_start=period_start,
        period_end=period_end,
        credits=credits,
    )
    InvoiceLine.objects.bulk_create(invoice_lines(invoice, lines))
    return invoice


def invoice_lines(invoice: Invoice, specs: list[LineSpec]) -> list[InvoiceLine]:
    """The invoice's lines in their order, not saved (drafts and batches of renewals insert them)."""
    return [
        InvoiceLine(
            invoice=invoice,
            description=spec.description[:300],
            quantity=spec.quantity,
            unit_amount=spec.unit_amount,
            amount=spec.quantity * spec.unit_amount,
            position=position,
            basis=spec.basis,
            period_start=spec.period_start or invoice.period_start,
            period_end=spec.period_end or invoice.period_end,
        )
        for position, spec in enumerate(specs)
    ]


def invoice_number(account: Account, sequence: int, kind: str) -> str:
    prefix = "CN" if kind == Invoice.Kind.CREDIT_NOTE else "INV"
    return f"{prefix}-{account.pk:04d}-{sequence:05d}"


@transaction.atomic(savepoint=False)  # inside the clock, a failure aborts the account's whole work
def invoice_finalize(*, invoice: Invoice, now: datetime, notify: bool = True) -> Invoice:
    """Give the invoice the next number of its account's series (locked: no gap, no duplicate), its totals
    and tax, and a snapshot of the buyer (R8.2); from now on the database refuses any other change. Its PDF
    is built once this transaction commits (billing/documents.py); the owner and every billing contact get
    it by email."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise ValidationError(ALREADY_FINALIZED)
    account = invoice.account
    if invoice.kind == Invoice.Kind.INVOICE:
        gateway.ensure_chargeable(account)  # R7.4: nothing is invoiced after a cancellation took effect
    sequence, _created = InvoiceSequence.objects.select_for_update().get_or_create(account=account)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    payment_type = Subscription.objects.filter(account=account).values_list("payment_type", flat=True).first()
    issue(
        invoice,
        account,
        sequence=sequence.last,
        subtotal=sum(invoice.lines.values_list("amount", flat=True)),
        payment_type=payment_type,
        now=now,
    )
    invoice.save()
    issued_event(invoice, now).save(force_insert=True)
    documents.build_after_commit([invoice])
    if notify:
        emails.queue(emails.invoice_issued(invoice))
    if invoice.kind == Invoice.Kind.INVOICE and invoice.payment_type == Subscription.PaymentType.INVOICE:
        due_no_later_than(account, invoice.due_at - REMINDER_BEFORE_DUE)  # the clock reminds (R8.9)
    return invoice


def issue(
    invoice: Invoice, account: Account, *, sequence: int, subtotal: int, payment_type, now: datetime
) -> None:
    """What finalizing gives an invoice — its number, its tax decided now (billing/tax.py) and totals, the
    snapshot of seller and buyer (R8.2, R8.9), its dates — set on the object, not saved (the billing clock
    saves renewals in bulk)."""
    decision = _credited_decision(invoice) or tax.decision_for(account)
    amount = pricing.percentage_of(subtotal, decision.rate_bp)
    invoice.sequence, invoice.number = sequence, invoice_number(account, sequence, invoice.kind)
    invoice.subtotal, invoice.tax_rate_bp, invoice.tax, invoice.total = (
        subtotal,
        decision.rate_bp,
        amount,
        subtotal + amount,
    )
    invoice.tax_category = decision.category
    invoice.seller_name, invoice.seller_address = (
        settings.INVOICE_SELLER_NAME,
        settings.INVOICE_SELLER_ADDRESS,
    )
    invoice.seller_country = settings.INVOICE_SELLER_COUNTRY
    invoice.seller_vat_number = settings.INVOICE_SELLER_VAT_NUMBER
    invoice.seller_bank_name, invoice.seller_iban, invoice.seller_bic = (
        settings.INVOICE_SELLER_BANK_NAME,
        settings.INVOICE_SELLER_IBAN,
        settings.INVOICE_SELLER_BIC,
    )
    invoice.buyer_name = account.billing_name or account.name
    invoice.buyer_address, invoice.buyer_country = account.billing_address, account.billing_country
    invoice.buyer_vat_number, invoice.buyer_is_business = account.vat_number, account.is_business
    invoice.purchase_order, invoice.language = account.purchase_order, account.language
    invoice.payment_type = payment_type or ""
    invoice.status, invoice.issued_at = Invoice.Status.OPEN, now
    invoice.due_at = now + timedelta(days=INVOICE_DUE_DAYS) if payment_type == "invoice" else now


def _credited_decision(invoice: Invoice) -> tax.TaxDecision | None:
    """A credit note corrects its invoice: it takes the invoice's VAT (rate and category), whatever the
    rates or the buyer's status are today, so that crediting the whole invoice cancels its tax too."""
    credited = invoice.credits if invoice.credits_id else None
    if credited is None or not credited.tax_category:
        return None
    category = tax.TaxCategory(credited.tax_category)
    return tax.TaxDecision(category=category, rate_bp=credited.tax_rate_bp, country="")  # country: unused


def issued_event(invoice: Invoice, now: datetime) -> BillingEvent:
    return billing_event(
        account=invoice.account,
        kind=BillingEvent.Kind.INVOICE_ISSUED,
        by=None,
        summary=f"{invoice.get_kind_display()} {invoice.number} issued",
        after={"invoice": invoice.number, "total": invoice.total, "due_at": invoice.due_at.isoformat()},
        amount=invoice.total,
        now=now,
    )


def paid_event(
    invoice: Invoice,
    now: datetime,
    attempt: PaymentAttempt | None = None,
    *,
    transfer: ReceivedTransfer | None = None,
    before: str = Invoice.Status.OPEN,
) -> BillingEvent:
    how = f" ({attempt.reference})" if attempt else ""
    after = {"status": Invoice.Status.PAID, "invoice": invoice.number}
    if transfer is not None:  # the bank's reference is for staff (R9.4): owners read "by bank transfer"
        how, after["method"] = f" by bank transfer {transfer.reference}", "transfer"
    return billing_event(
        account=invoice.account,
        kind=BillingEvent.Kind.INVOICE_PAID,
        by=transfer.recorded_by if transfer else None,
        summary=f"{invoice.number} paid{how}",
        before={"status": before},
        after=after,
        amount=invoice.total,
        now=now,
    )


@transaction.atomic(savepoint=False)
def invoice_mark_paid(
    *,
    invoice: Invoice,
    now: datetime,
    attempt: PaymentAttempt | None = None,
    transfer: ReceivedTransfer | None = None,
) -> Invoice:
    """Open or uncollectible → paid, at `now`, with its event (once: a paid invoice is left as it is)."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    if invoice.status not in (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE):
        return invoice
    before = invoice.status
    invoice.status, invoice.paid_at = Invoice.Status.PAID, now
    invoice.save(update_fields=["status", "paid_at"])
    paid_event(invoice, now, attempt, transfer=transfer, before=before).save(force_insert=True)
    return invoice


def refused_event(
    invoice: Invoice, card: PaymentMethod, attempt: PaymentAttempt, number: int, now
) -> BillingEvent:
    return billing_event(
        account=invoice.account,
        kind=BillingEvent.Kind.PAYMENT_FAILED,
        by=None,
        summary=f"{invoice.number}: card {card.brand} •••• {card.last4} refused ({attempt.failure_code})",
        after={"invoice": invoice.number, "failure": attempt.failure_code, "attempt": number},
        amount=invoice.total,
        now=now,
    )


INVOICE_TRANSITIONS = {
    Invoice.Status.VOID: {Invoice.Status.OPEN},
    Invoice.Status.UNCOLLECTIBLE: {Invoice.Status.OPEN},
}
CANNOT_TRANSITION = gettext_lazy("A %(status)s invoice cannot become %(target)s.")


@transaction.atomic
def invoice_close(*, invoice: Invoice, status: str, by, now: datetime) -> Invoice:
    """Void an open invoice (nothing is owed any more) or mark it uncollectible (owed, no longer pursued).
    The state machine: draft → open → paid | void | uncollectible | credited, and uncollectible → paid |
    credited (billing.services.credit_notes). An invoice billed in France is never voided: a credit note
    cancels it."""
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    if invoice.status not in INVOICE_TRANSITIONS[status]:
        raise ValidationError(CANNOT_TRANSITION, params={"status": invoice.status, "target": status})
    if status == Invoice.Status.VOID and billed_in_france(invoice):
        raise ValidationError(NEVER_VOIDED_IN_FRANCE)
    before = invoice.status
    invoice.status = status
    invoice.voided_at = now if status == Invoice.Status.VOID else None
    invoice.save(update_fields=["status", "voided_at"])
    billing_event_record(
        account=invoice.account,
        kind=BillingEvent.Kind.INVOICE_CLOSED,
        by=by,
        summary=f"{invoice.number} {before} → {status}",
        before={"status": before},
        after={"status": status, "invoice": invoice.number},
        amount=invoice.total,
        now=now,
    )
    return invoice


def billed_in_france(invoice: Invoice) -> bool:
    """Issued to a buyer in France, or to an account billed there now: French law keeps every issued invoice
    (no voiding; a credit note — « facture d'avoir » — cancels it). Either address is enough to refuse."""
    return "FR" in (invoice.buyer_country, invoice.account.billing_country)
