"""Receipts as PDF (R8.9): the proof that an invoice was paid — how much, when and how — which the invoice's
own PDF, immutable once issued, cannot give. In the invoice's language, from its snapshot and its payment."""

from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import Invoice
from billing.money import format_day, format_money
from billing.pdf.document import facts, heading, new_pdf, paragraph, parties
from billing.pdf.invoice import buyer_lines, party_texts, seller_lines
from billing.selectors.payments import Payment, payment_of


def receipt_pdf(invoice: Invoice, payment: Payment | None = None) -> bytes:
    """The receipt of a paid invoice. Dated the day it was paid: the same payment gives the same bytes."""
    payment = payment or payment_of(invoice)
    language = invoice.language or "en"
    with translation.override(language):
        return _render(invoice, payment, language)


def _render(invoice: Invoice, payment: Payment, language: str) -> bytes:
    title = _("Receipt")
    pdf = new_pdf(
        title=f"{title} {invoice.number}",
        author=invoice.seller_name,
        created=payment.paid_at,
        texts=party_texts(invoice),
    )
    heading(pdf, title)
    parties(
        pdf,
        ("", seller_lines(invoice, language)),
        (_("Received from"), buyer_lines(invoice, language)),
    )
    rows = [
        (_("Invoice"), invoice.number),
        (
            _("Amount paid (%(currency)s)") % {"currency": payment.currency},
            format_money(payment.amount, payment.currency),
        ),
        (_("Paid on"), format_day(payment.paid_at, "long")),
    ]
    if how := _method(payment):
        rows.append((_("Payment method"), how))
    facts(pdf, rows)
    paragraph(pdf, _("Thank you for your payment."))
    return bytes(pdf.output())


def _method(payment: Payment) -> str:
    if payment.method == "card":
        return payment.card or _("Card")
    if payment.method == "transfer":
        return _("Bank transfer, reference %(reference)s") % {"reference": ", ".join(payment.references)}
    return ""
