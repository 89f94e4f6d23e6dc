"""Billing › Invoices (R8.1, R8.9): the invoices and credit notes, each with its status in words."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext

from accounts.models import Account
from billing.models import Invoice, PaymentAttempt, Subscription
from billing.money import format_day

Status = Invoice.Status


def invoices_of(account: Account):
    """Issued invoices and credit notes, newest first (drafts are not shown to customers)."""
    return (
        Invoice.objects.filter(account=account)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issued_at", "-id")
    )


def invoices_issued_between(account: Account, start: datetime, end: datetime) -> list[Invoice]:
    """The account's invoices and credit notes issued from `start` to before `end`, oldest first, each with
    its stored document (its PDF bytes, or None while it is not built): one query."""
    issued = invoices_of(account).filter(issued_at__gte=start, issued_at__lt=end)
    return list(issued.select_related("document").order_by("issued_at", "id"))


def invoice_rows(account: Account):
    """`invoices_of`, with what their status says, in the same query: the last 4 digits of the card whose
    charge paid each ('' for a card charged before they were recorded, None for no card charge) and the
    number of the credit note that cancelled it."""
    charged = PaymentAttempt.objects.filter(
        invoice=OuterRef("pk"),
        operation=PaymentAttempt.Operation.CHARGE,
        status=PaymentAttempt.Status.SUCCEEDED,
    )
    credit_notes = Invoice.objects.filter(credits=OuterRef("pk"), kind=Invoice.Kind.CREDIT_NOTE).exclude(
        status=Invoice.Status.DRAFT
    )
    return invoices_of(account).annotate(
        paid_card=Subquery(charged.order_by("id").values("card_last4")[:1]),
        credited_by=Subquery(credit_notes.order_by("id").values("number")[:1]),
    )


@dataclass(frozen=True)
class InvoiceStatus:
    key: str  # open, overdue, paid, void, uncollectible, credited (a style)
    label: str  # in words, in the reader's language
    pay_by_transfer: bool  # open, to be paid to the bank account the invoice names (R8.9)


def invoice_status(invoice: Invoice, now: datetime) -> InvoiceStatus:
    """R8.9: "Paid on DATE" and how, "Open" (its due date is beside it), or "Overdue" once the day it was due
    has passed at the account's now; void, uncollectible and cancelled by a credit note as they are. A
    credit note keeps its own state's name."""
    status, key = invoice.status, invoice.status
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        return InvoiceStatus(key, invoice.status_label, False)
    if status == Status.PAID:
        return InvoiceStatus(key, _paid(invoice), False)
    if status == Status.CREDITED and getattr(invoice, "credited_by", None):
        label = gettext("Cancelled by credit note %(number)s") % {"number": invoice.credited_by}
        return InvoiceStatus(key, label, False)
    if status != Status.OPEN:
        return InvoiceStatus(key, invoice.status_label, False)
    by_transfer = invoice.payment_type == Subscription.PaymentType.INVOICE
    if invoice.due_at is not None and _day(now) > _day(invoice.due_at):
        return InvoiceStatus("overdue", gettext("Overdue"), by_transfer)
    return InvoiceStatus(key, invoice.status_label, by_transfer)


def _paid(invoice: Invoice) -> str:
    values = {"date": format_day(invoice.paid_at) if invoice.paid_at else ""}
    card = getattr(invoice, "paid_card", None)
    if card:
        return gettext("Paid on %(date)s by card •••• %(last4)s") % {**values, "last4": card}
    if card is not None:
        return gettext("Paid on %(date)s by card") % values
    if invoice.payment_type == Subscription.PaymentType.INVOICE and invoice.total:
        return gettext("Paid on %(date)s by bank transfer") % values
    return gettext("Paid on %(date)s") % values


def _day(moment: datetime):
    """Billing days are UTC days (billing.money.format_day)."""
    return moment.astimezone(UTC).date()
