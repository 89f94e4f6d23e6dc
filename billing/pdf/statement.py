"""The final statement as PDF (R7.4), attached to its email: the same sentences as the email and the preview
on Billing › Invoices (billing.selectors.statements), in the account's language, in the fonts of the
invoices. Dated the day the cancellation took effect: the same statement gives the same bytes."""

from django.conf import settings
from django.utils import translation

from billing.models import FinalStatement
from billing.pdf.document import heading, new_pdf, paragraph
from billing.selectors.statements import facts_of, statement_text


def final_statement_pdf(statement: FinalStatement, language: str = "") -> bytes:
    """The statement as a PDF, in `language` (its email's recipients'), else the account's."""
    facts = facts_of(statement)
    with translation.override(language or statement.account.language or "en"):
        text = statement_text(facts)
        pdf = new_pdf(
            title=f"{text.title} · {facts.account_name}",
            author=settings.INVOICE_SELLER_NAME,
            created=statement.issued_at,
            texts=[facts.account_name, *facts.ended],
        )
        heading(pdf, text.title)
        paragraph(pdf, text.cancelled, bold=True, gap=4)
        paragraph(pdf, text.ended_heading, gap=0)
        paragraph(pdf, "\n".join(f"- {product}" for product in text.ended), gap=4)
        for line in (*text.refunds, text.due):
            if line:
                paragraph(pdf, line)
        paragraph(pdf, text.nothing_more, bold=True)
        return bytes(pdf.output())
