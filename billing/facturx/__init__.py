"""Factur-X (issue 21): each invoice and credit note as EN 16931 XML (UN/CEFACT CII) built from its snapshot
(`cii`, `figures`), embedded in its PDF/A-3 (`pdfa`). billing/documents.py builds and stores both."""

from billing.facturx.cii import PROFILE, invoice_xml
from billing.facturx.pdfa import facturx_pdf

__all__ = ["PROFILE", "facturx_pdf", "invoice_xml"]
