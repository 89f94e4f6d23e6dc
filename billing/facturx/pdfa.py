"""The invoice's PDF as Factur-X (issue 21): fpdf2 draws it as PDF/A-3B (billing/pdf/document.py: its fonts
embedded, an sRGB output intent, XMP metadata), and the `factur-x` library embeds the XML as
`factur-x.xml` (AFRelationship "Data", referenced from the catalog's /AF) and writes the XMP that declares
PDF/A-3 and the Factur-X EN 16931 profile. The library checks the XML against the Factur-X XSD first: an
invalid XML raises rather than be issued.

Dated like the invoice: the library stamps the PDF's and the XMP's dates with the moment it runs, which
would make the invoice's creation date the day its PDF was built, and every build different. Its two
timestamp functions are replaced while it runs — under a lock, since they are module globals — by the
invoice's issue date, so the same invoice gives the same bytes, as every PDF of the product does. A
`factur-x` release that renames them fails tests/billing/test_invoice_documents.py (the bytes drawn again,
the creation date), which is why the library is pinned in pyproject.toml."""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime

from facturx import facturx as library
from facturx import generate_from_binary

from billing.models import Invoice
from billing.pdf import invoice_pdf
from billing.pdf.invoice import document_title

FLAVOR, LEVEL = "factur-x", "en16931"
_dating = threading.Lock()


def facturx_pdf(invoice: Invoice, xml: bytes) -> bytes:
    """The invoice's PDF/A-3 with `xml` (billing.facturx.invoice_xml) embedded."""
    title = document_title(invoice)
    metadata = {  # given, not extracted from the XML by the library: the PDF's own title, in its language
        "author": invoice.seller_name,
        "keywords": "Factur-X, EN 16931",
        "title": title,
        "subject": f"Factur-X · {title} · {invoice.seller_name}",
    }
    pdf = invoice_pdf(invoice)
    with _dated(invoice.issued_at):
        return generate_from_binary(
            pdf,
            xml,
            flavor=FLAVOR,
            level=LEVEL,
            check_xsd=True,
            pdf_metadata=metadata,
            lang=invoice.language or "en",
        )


@contextmanager
def _dated(moment: datetime):
    utc = moment.astimezone(UTC)
    stamps = {
        "_get_pdf_timestamp": lambda date=None: utc.strftime("D:%Y%m%d%H%M%S+00'00'"),
        "_get_metadata_timestamp": lambda: utc.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }
    with _dating:
        kept = {name: getattr(library, name) for name in stamps}  # AttributeError if a release renamed one
        for name, stamp in stamps.items():
            setattr(library, name, stamp)
        try:
            yield
        finally:
            for name, original in kept.items():
                setattr(library, name, original)
