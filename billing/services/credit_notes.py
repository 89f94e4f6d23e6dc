"""Cancelling an issued invoice with a credit note for its whole amount (R8.9), the way French law requires
(an issued invoice is never voided or deleted: a « facture d'avoir » cancels it) and the way any account may
have it. The invoice stays issued, unchanged but for its payment state: "credited"."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from billing.models import BillingEvent, Invoice
from billing.selectors.upcoming import LineSpec
from billing.services.audit import billing_event_record
from billing.services.dunning import dunning_recover_if_settled
from billing.services.invoices import invoice_draft, invoice_finalize

NEEDS_CLOSE_PERMISSION = gettext_lazy("You need the permission to void invoices or mark them uncollectible.")
ONLY_INVOICES = gettext_lazy("Only an invoice is cancelled with a credit note, not a credit note.")
NOT_OWED = gettext_lazy(
    "Invoice %(number)s is %(status)s: only an open or uncollectible invoice is cancelled with a credit note "
    "(a paid invoice is refunded)."
)
CREDITABLE = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)


@transaction.atomic
def invoice_cancel_with_credit_note(*, invoice: Invoice, by, now: datetime) -> Invoice:
    """Issue a credit note that mirrors the invoice — its lines (quantity × unit price, the period each
    covers, a discount's basis) and its VAT — and
    mark the invoice credited, in one transaction; the credit note is emailed like any document. Returns
    the credit note. Refused for a credit note, a draft, or an invoice that is not owed any more."""
    if not by.has_perm("billing.close_invoice"):
        raise PermissionDenied(NEEDS_CLOSE_PERMISSION)
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(ONLY_INVOICES)
    if invoice.status not in CREDITABLE:
        raise ValidationError(NOT_OWED, params={"number": invoice, "status": invoice.status_label.lower()})
    lines = [
        LineSpec(
            line.description,
            line.unit_amount,
            line.quantity,
            basis=line.basis,
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line in invoice.lines.all()
    ]
    draft = invoice_draft(
        account=invoice.account,
        lines=lines,
        now=now,
        kind=Invoice.Kind.CREDIT_NOTE,
        credits=invoice,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )
    credit_note = invoice_finalize(invoice=draft, now=now)
    before = invoice.status
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.CREDITED)
    billing_event_record(
        account=invoice.account,
        kind=BillingEvent.Kind.INVOICE_CLOSED,
        by=by,
        summary=f"{invoice.number} {before} → credited by {credit_note.number}",
        before={"status": before},
        after={
            "status": Invoice.Status.CREDITED,
            "invoice": invoice.number,
            "credit_note": credit_note.number,
        },
        amount=invoice.total,
        now=now,
    )
    # Nothing owed any more: an account chased for this invoice recovers now, not at the next dunning step.
    dunning_recover_if_settled(account=invoice.account, at=now)
    return credit_note
