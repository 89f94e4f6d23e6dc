"""The product's PDFs (R8.9): invoices and credit notes, stored once built (billing/documents.py), and
receipts."""

from billing.pdf.invoice import invoice_pdf
from billing.pdf.receipt import receipt_pdf

__all__ = ["invoice_pdf", "receipt_pdf"]
