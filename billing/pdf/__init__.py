"""The product's PDFs (R8.9): invoices and credit notes, stored once built (billing/documents.py), receipts,
and final statements (R7.4)."""

from billing.pdf.invoice import invoice_pdf
from billing.pdf.receipt import receipt_pdf
from billing.pdf.statement import final_statement_pdf

__all__ = ["final_statement_pdf", "invoice_pdf", "receipt_pdf"]
