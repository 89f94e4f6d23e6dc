"""Bank transfers received for invoices (R8.9), recorded by support staff: the invoice is paid once, at the
day the money arrived, and a payment being chased recovers (R8.7). Partial payments are out of scope: a
transfer pays the whole amount due, or is not recorded."""

from datetime import UTC, date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from billing import emails
from billing.models import Invoice, PaymentAttempt, ReceivedTransfer
from billing.money import format_day, format_money
from billing.services.dunning import dunning_recover_if_settled
from billing.services.invoices import invoice_mark_paid

NEEDS_PERMISSION = gettext_lazy("You need the permission to record a received transfer.")
ALREADY_RECORDED = gettext_lazy(
    "The transfer %(reference)s is already recorded for invoice %(number)s: it was paid once, nothing was "
    "recorded again."
)
NOT_OWED = gettext_lazy("Invoice %(number)s is %(status)s: there is nothing to pay.")
NOT_AN_INVOICE = gettext_lazy("A transfer pays an invoice, not a credit note.")
CARD_PAYMENT_IN_FLIGHT = gettext_lazy(
    "A card payment of invoice %(number)s is waiting for the provider's answer: record the transfer once it "
    "has failed, or the invoice could be paid twice."
)
WRONG_AMOUNT = gettext_lazy(
    "The amount due is %(due)s: a transfer of %(amount)s cannot be recorded (partial payments are not "
    "supported)."
)
WRONG_CURRENCY = gettext_lazy("Invoice %(number)s is in %(currency)s.")
RECEIVED_IN_THE_FUTURE = gettext_lazy("The transfer cannot have been received after today (%(today)s).")
RECEIVED_BEFORE_ISSUE = gettext_lazy(
    "The transfer cannot have been received before the invoice was issued (%(issued)s)."
)
REFERENCE_REQUIRED = gettext_lazy("Enter the bank's reference of the transfer.")
REFERENCE_MAX_LENGTH = 100
REFERENCE_TOO_LONG = gettext_lazy("The bank's reference has at most 100 characters.")
OWED = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)


def transfer_record(
    *, invoice: Invoice, amount: int, currency: str, received_on: date, reference: str, by, now: datetime
) -> ReceivedTransfer:
    """Record the transfer and pay the invoice with it, in one transaction: the invoice locked and checked
    (an invoice, open or uncollectible, no card payment in flight), the exact amount due in its currency,
    received between its issue date and today. The invoice is paid at the day received (its event names the
    staff member), and the account's dunning case, if any, recovers once nothing is left open. The same
    transfer (invoice and bank reference) recorded twice — a double submit, two staff members at once —
    pays once; the second is refused with ALREADY_RECORDED."""
    if not by.has_perm("billing.record_transfer_invoice"):
        raise PermissionDenied(NEEDS_PERMISSION)
    reference = reference.strip()
    if not reference:
        raise ValidationError(REFERENCE_REQUIRED)
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ValidationError(REFERENCE_TOO_LONG)
    try:
        with transaction.atomic():
            return _record(invoice, amount, currency, received_on, reference, by, now)
    except IntegrityError:  # the unique (invoice, reference), should a racing twin get past the lock
        raise ValidationError(
            ALREADY_RECORDED, params={"reference": reference, "number": invoice.number}
        ) from None


def _record(invoice, amount, currency, received_on, reference, by, now) -> ReceivedTransfer:
    invoice = Invoice.objects.select_for_update(of=("self",)).select_related("account").get(pk=invoice.pk)
    params = {"number": invoice.number, "reference": reference}
    if ReceivedTransfer.objects.filter(invoice=invoice, reference=reference).exists():
        raise ValidationError(ALREADY_RECORDED, params=params)
    _check_owed(invoice)
    if currency != invoice.currency:
        raise ValidationError(WRONG_CURRENCY, params={**params, "currency": invoice.currency})
    if amount != invoice.total:
        raise ValidationError(
            WRONG_AMOUNT,
            params={
                "due": format_money(invoice.total, invoice.currency),
                "amount": format_money(amount, currency),
            },
        )
    if received_on > now.astimezone(UTC).date():
        raise ValidationError(RECEIVED_IN_THE_FUTURE, params={"today": format_day(now, "long")})
    if received_on < invoice.issued_at.astimezone(UTC).date():
        raise ValidationError(RECEIVED_BEFORE_ISSUE, params={"issued": format_day(invoice.issued_at, "long")})
    transfer = ReceivedTransfer.objects.create(
        invoice=invoice,
        amount=amount,
        currency=currency,
        received_on=received_on,
        reference=reference,
        recorded_by=by,
        recorded_at=now,
    )
    # Paid the day the money arrived (billing days are UTC days), never before the invoice existed.
    paid_at = max(datetime.combine(received_on, time.min, tzinfo=UTC), invoice.issued_at)
    paid = invoice_mark_paid(invoice=invoice, now=paid_at, transfer=transfer)
    emails.payment_receipt(paid)  # R8.9: a receipt, as for a card payment, sent once this commits
    dunning_recover_if_settled(account=invoice.account, at=now)
    return transfer


def _check_owed(invoice: Invoice) -> None:
    if invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(NOT_AN_INVOICE)
    if invoice.status not in OWED:
        raise ValidationError(
            NOT_OWED, params={"number": invoice.number, "status": invoice.status_label.lower()}
        )
    if PaymentAttempt.objects.pending().filter(invoice=invoice, operation="charge").exists():
        raise ValidationError(CARD_PAYMENT_IN_FLIGHT, params={"number": invoice.number})
