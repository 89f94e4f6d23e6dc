"""R8.9: the receipt of a paid invoice — the proof of payment that the invoice's own PDF, immutable once
issued, cannot give — emailed once after each card payment, and for a bank transfer when it is recorded."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from billing import emails
from billing.lifecycle.tick import billing_tick
from billing.models import EmailLog, Invoice, PaymentMethod, ReceivedTransfer
from billing.money import format_day
from billing.pdf import receipt_pdf
from billing.services.invoices import invoice_mark_paid
from tests.helpers import NOW, pdf_text

pytestmark = pytest.mark.usefixtures("demo")
RENEWAL = datetime(2026, 12, 11, tzinfo=UTC)  # Acme's next monthly renewal, charged to its Visa


def receipts() -> list:
    return [m for m in mail.outbox if m.subject.startswith(("Receipt", "Reçu"))]


def test_r8_9_a_card_payment_emails_one_receipt_with_its_pdf(django_capture_on_commit_callbacks):
    assert not EmailLog.objects.filter(key__startswith="receipt-").exists()  # the demo's history: none
    with time_machine.travel(RENEWAL, tick=False), django_capture_on_commit_callbacks(execute=True):
        billing_tick()
    invoice = Invoice.objects.get(account__name="Acme Self-Service", period_start=RENEWAL)
    assert invoice.status == "paid"
    (receipt,) = [m for m in receipts() if invoice.number in m.subject]
    assert receipt.subject == f"Receipt for invoice {invoice.number}"
    assert set(receipt.to) == {"owner@acme.test", "accounting@acme.test"}
    assert "we received $1,100.70 for invoice" in receipt.body and "December 11, 2026" in receipt.body
    ((name, pdf, mimetype),) = receipt.attachments
    assert (name, mimetype) == (f"receipt-{invoice.number}.pdf", "application/pdf")
    content = pdf_text(pdf)
    for expected in (
        "Receipt",
        "Received from Acme Self-Service",
        f"Invoice {invoice.number}",
        "Amount paid (USD) $1,100.70",
        "Paid on December 11, 2026",
        "Payment method Visa •••• 4242",
    ):
        assert expected in content
    # Once per invoice: the clock running again, or anyone asking again, sends no second receipt.
    with time_machine.travel(RENEWAL + timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            billing_tick()
            assert emails.payment_receipt(invoice) is False
        assert receipt_pdf(invoice) == pdf  # dated the day it was paid: the same bytes again
    assert len([m for m in receipts() if invoice.number in m.subject]) == 1
    assert EmailLog.objects.filter(key=f"receipt-{invoice.number}", attachment="receipt").count() == 1


def test_r8_9_r10_1_a_french_receipt():
    invoice = Invoice.objects.filter(account__name="Legacy Suite SARL", status="paid").first()
    content = pdf_text(receipt_pdf(invoice))
    with translation.override("fr"):
        paid_on = format_day(invoice.paid_at, "long")
    for expected in (
        "Reçu",
        "Reçu de Legacy Suite SARL",
        f"Facture {invoice.number}",
        "Montant payé (EUR) 11 424,00 €",
        f"Payée le {paid_on}",
        "Moyen de paiement Mastercard •••• 4444",
        "Merci pour votre paiement.",
    ):
        assert expected in content


def test_r8_9_a_receipt_names_no_card_digits_once_the_card_that_paid_was_replaced():
    invoice = Invoice.objects.filter(account__name="Acme Self-Service", status="paid").first()
    PaymentMethod.objects.filter(account=invoice.account).update(gateway_token="sandbox_ok_new", last4="1881")
    content = pdf_text(receipt_pdf(invoice))
    assert "Payment method Card" in content and "1881" not in content and "4242" not in content


def test_r8_9_a_bank_transfer_receipt_quotes_the_banks_reference(django_capture_on_commit_callbacks):
    (invoice,) = Invoice.objects.filter(account__name="Online Assisted Ltd", status="open")
    ReceivedTransfer.objects.create(
        invoice=invoice,
        amount=invoice.total,
        currency=invoice.currency,
        received_on=date(2026, 11, 20),
        reference="BANK-2026-0042",
        recorded_at=NOW,
    )
    # What the service recording received transfers does, in one transaction: paid, and the receipt.
    with django_capture_on_commit_callbacks(execute=True):
        paid = invoice_mark_paid(invoice=invoice, now=NOW)
        assert emails.payment_receipt(paid) is True
        assert emails.payment_receipt(paid) is False  # once per invoice
    (receipt,) = receipts()
    assert receipt.subject == f"Receipt for invoice {invoice.number}" and receipt.to == [
        "owner@assisted.test"
    ]
    content = pdf_text(receipt.attachments[0][1])
    assert "Amount paid (GBP) £61,920.00" in content and "Paid on November 21, 2026" in content
    assert "Payment method Bank transfer, reference BANK-2026-0042" in content
