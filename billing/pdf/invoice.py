"""Invoices and credit notes as PDF (R8.9), drawn from what the invoice froze when it was finalized — the
seller's and buyer's snapshot, its lines, totals, tax decision, payment type and language — and nothing else:
neither the settings nor the account as they are now (R8.2). The PDF is built once and stored
(billing/documents.py); it never says whether the invoice is paid, which changes: the invoices list says
so, and a receipt confirms each payment."""

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from stdnum import iban

from accounts.countries import country_name
from billing.models import Invoice, InvoiceLine, Subscription
from billing.money import format_day, format_money
from billing.pdf.document import FAMILY, LINE, facts, heading, new_pdf, paragraph, parties
from billing.tax import TaxCategory

TAX_MENTIONS = {
    TaxCategory.REVERSE_CHARGE: gettext_lazy(
        "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC)."
    ),
    TaxCategory.EXPORT: gettext_lazy(
        "VAT not applicable: services supplied outside the EU (Article 44, Directive 2006/112/EC)."
    ),
}
NUMBER_COLUMNS = (15, 32, 32)  # mm: quantity, unit price, amount


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice or credit note, in its language. The same invoice always gives the same bytes."""
    language = invoice.language or "en"
    with translation.override(language):
        return _render(invoice, list(invoice.lines.all()), language)


def document_title(invoice: Invoice) -> str:
    """ "Invoice INV-…" or "Credit note CN-…", in the invoice's language: the PDF's heading and title."""
    with translation.override(invoice.language or "en"):
        kind = _("Credit note") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice")
        return f"{kind} {invoice.number}"


def _render(invoice: Invoice, lines: list[InvoiceLine], language: str) -> bytes:
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    title = document_title(invoice)
    pdf = new_pdf(
        title=title,
        author=invoice.seller_name,
        created=invoice.issued_at,
        texts=[*party_texts(invoice), *(line.description for line in lines)],
        archival=True,
    )
    heading(pdf, title)
    if credit_note and invoice.credits_id:
        paragraph(pdf, _("Credits invoice %(number)s") % {"number": invoice.credits.number}, bold=True)
    parties(
        pdf,
        ("", seller_lines(invoice, language)),
        (_("Issued to") if credit_note else _("Billed to"), buyer_lines(invoice, language)),
    )
    facts(pdf, _dates(invoice, credit_note))
    _lines(pdf, lines, invoice.currency)
    _totals(pdf, invoice, language)
    if mention := TAX_MENTIONS.get(invoice.tax_category):
        paragraph(pdf, str(mention))
    if not credit_note:
        _payment(pdf, invoice)
    return bytes(pdf.output())


def party_texts(invoice: Invoice) -> list[str]:
    return [
        invoice.seller_name,
        invoice.seller_address,
        invoice.buyer_name,
        invoice.buyer_address,
        invoice.purchase_order,
    ]


def vat_number(number: str) -> str:
    return _("VAT number: %(number)s") % {"number": number} if number else ""


def seller_lines(invoice: Invoice, language: str) -> list[str]:
    return [
        invoice.seller_name,
        invoice.seller_address,
        country_name(invoice.seller_country, language) if invoice.seller_country else "",
        vat_number(invoice.seller_vat_number),
    ]


def buyer_lines(invoice: Invoice, language: str) -> list[str]:
    return [
        invoice.buyer_name,
        invoice.buyer_address,
        country_name(invoice.buyer_country, language) if invoice.buyer_country else "",
        vat_number(invoice.buyer_vat_number),
        _("Purchase order: %(number)s") % {"number": invoice.purchase_order}
        if invoice.purchase_order
        else "",
    ]


def _dates(invoice: Invoice, credit_note: bool) -> list[tuple[str, str]]:
    rows = [(_("Issued on"), format_day(invoice.issued_at, "long"))]
    if invoice.due_at and not credit_note:
        rows.append((_("Due on"), format_day(invoice.due_at, "long")))
    if invoice.period_start and invoice.period_end:
        rows.append((_("Period"), f"{format_day(invoice.period_start)} – {format_day(invoice.period_end)}"))
    return rows


def _lines(pdf: FPDF, lines: list[InvoiceLine], currency: str) -> None:
    """Quantity × unit price = amount, a line each; a long description wraps within its column."""
    description = pdf.epw - sum(NUMBER_COLUMNS)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(description, 8, _("Description"), border="B")
    for label, size in zip((_("Qty"), _("Unit price"), _("Amount")), NUMBER_COLUMNS, strict=True):
        pdf.cell(size, 8, label, border="B", align="R")
    pdf.ln()
    pdf.set_font(FAMILY, "", 10)
    for line in lines:
        text = line_text(line, currency)
        wrapped = pdf.multi_cell(description, LINE, text, dry_run=True, output="LINES")
        height = LINE * len(wrapped)
        if pdf.will_page_break(height + 1):
            pdf.add_page()
        top = pdf.get_y() + 1
        pdf.set_y(top)
        pdf.multi_cell(description, LINE, text, new_x="RIGHT", new_y="TOP", align="L")
        values = (
            str(line.quantity),
            format_money(line.unit_amount, currency),
            format_money(line.amount, currency),
        )
        for value, size in zip(values, NUMBER_COLUMNS, strict=True):
            pdf.cell(size, LINE, value, align="R")
        pdf.set_xy(pdf.l_margin, top + height)
    pdf.ln(3)


def line_text(line: InvoiceLine, currency: str) -> str:
    """The description, then what the line covers (R8.9): its period, and a discount's basis."""
    details = []
    if line.period_start and line.period_end:
        details.append(f"{format_day(line.period_start)} – {format_day(line.period_end)}")
    if line.basis is not None:
        details.append(_("on %(basis)s") % {"basis": format_money(line.basis, currency)})
    return "\n".join([line.description, " · ".join(details)]) if details else line.description


def _totals(pdf: FPDF, invoice: Invoice, language: str) -> None:
    """Subtotal, VAT at its rate (shown at 0 % too), and the total, with the currency's ISO code."""
    rate = format_decimal(invoice.tax_rate_bp / 100, locale=language)
    rows = [
        (_("Subtotal"), invoice.subtotal),
        (_("VAT %(rate)s %%") % {"rate": rate}, invoice.tax),
        (_("Total (%(currency)s)") % {"currency": invoice.currency}, invoice.total),
    ]
    amount = NUMBER_COLUMNS[-1] + 8
    for index, (label, value) in enumerate(rows):
        last = index == len(rows) - 1
        pdf.set_font(FAMILY, "B" if last else "", 11 if last else 10)
        pdf.cell(pdf.epw - amount, 7, label, align="R")
        pdf.cell(amount, 7, format_money(value, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _payment(pdf: FPDF, invoice: Invoice) -> None:
    """How the invoice is paid — by transfer to the seller's account, quoting the invoice's number, or by the
    card on file — never whether it was: the PDF does not change once issued."""
    if invoice.total <= 0:
        paragraph(pdf, _("Nothing to pay."))
    elif invoice.payment_type == Subscription.PaymentType.INVOICE:
        due = format_day(invoice.due_at, "long")
        paragraph(
            pdf,
            _("Please pay by bank transfer by %(date)s, quoting the reference %(reference)s.")
            % {"date": due, "reference": invoice.number},
        )
        rows = [
            (_("Bank"), invoice.seller_bank_name),
            (_("IBAN"), iban.format(invoice.seller_iban) if invoice.seller_iban else ""),
            (_("BIC"), invoice.seller_bic),
            (_("Reference"), invoice.number),
        ]
        facts(pdf, [(label, value) for label, value in rows if value], label_width=30)
    elif invoice.payment_type == Subscription.PaymentType.CARD:
        paragraph(pdf, _("Paid by card, charged automatically: a receipt confirms the payment."))
