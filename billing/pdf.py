"""Invoices as PDF, in the invoice's language, with fpdf2 and the bundled DejaVu fonts, cut down to the
Latin scripts and the punctuation, currency signs and spaces the invoices use ("€", the French narrow
no-break space): parsing the whole fonts for every invoice cost more than drawing it."""

from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from billing.models import Invoice
from billing.money import format_day, format_money

FONTS = Path(__file__).resolve().parent / "fonts"


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency)


def invoice_pdf(invoice: Invoice) -> bytes:
    with translation.override(invoice.language or "en"):
        return _render(invoice)


def _render(invoice: Invoice) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(invoice.number)
    pdf.set_author(settings.INVOICE_SELLER_NAME)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans-Latin.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold-Latin.ttf"))
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=20)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    title = _("Credit note") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice")
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(width, 12, f"{title} {invoice.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width / 2, 5, f"{settings.INVOICE_SELLER_NAME}\n{settings.INVOICE_SELLER_ADDRESS}")
    pdf.ln(4)

    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(width, 6, _("Billed to"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    buyer = "\n".join(
        part
        for part in (
            invoice.buyer_name,
            invoice.buyer_address,
            invoice.buyer_country,
            invoice.buyer_vat_number,
        )
        if part
    )
    pdf.multi_cell(width, 5, buyer)
    pdf.ln(3)

    facts = [(_("Issued on"), format_day(invoice.issued_at, "long"))]
    if invoice.period_start and invoice.period_end:
        facts.append((_("Period"), f"{format_day(invoice.period_start)} – {format_day(invoice.period_end)}"))
    if invoice.due_at:
        facts.append((_("Due on"), format_day(invoice.due_at, "long")))
    for label, value in facts:
        pdf.cell(40, 6, label)
        pdf.cell(width - 40, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    columns = [
        (_("Description"), width - 75, "L"),
        (_("Qty"), 15, "R"),
        (_("Unit price"), 30, "R"),
        (_("Amount"), 30, "R"),
    ]
    pdf.set_font("DejaVu", "B", 10)
    for label, size, align in columns:
        pdf.cell(size, 8, label, border="B", align=align)
    pdf.ln()
    pdf.set_font("DejaVu", "", 10)
    for line in invoice.lines.all():
        values = [
            line.description,
            str(line.quantity),
            _money(line.unit_amount, invoice.currency),
            _money(line.amount, invoice.currency),
        ]
        for (_label, size, align), value in zip(columns, values, strict=True):
            pdf.cell(size, 7, value, align=align)
        pdf.ln()
    pdf.ln(2)

    totals = [(_("Subtotal"), invoice.subtotal)]
    if invoice.tax_rate_bp:
        totals.append((_("Tax (%(rate)s %%)") % {"rate": f"{invoice.tax_rate_bp / 100:g}"}, invoice.tax))
    totals.append((_("Total"), invoice.total))
    for index, (label, amount) in enumerate(totals):
        pdf.set_font(
            "DejaVu", "B" if index == len(totals) - 1 else "", 11 if index == len(totals) - 1 else 10
        )
        pdf.cell(width - 30, 7, label, align="R")
        pdf.cell(30, 7, _money(amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 10)
    if invoice.status == Invoice.Status.PAID:
        pdf.cell(width, 6, _("Paid on %(date)s.") % {"date": format_day(invoice.paid_at, "long")})
    elif invoice.status == Invoice.Status.VOID:
        pdf.cell(width, 6, _("This invoice was voided."))
    return bytes(pdf.output())
