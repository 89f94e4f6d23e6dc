"""Issue 21: the Factur-X PDF/A-3 and its XML, built after the commit and stored (R8.9), backfilled for the
PDFs stored before, and downloaded — the XML on its own — from Billing › Invoices by whoever may see invoices
(R8.1) and from /staff/. The PDF/A-3 markers are read back with pypdf (veraPDF cannot run here)."""

import io
from datetime import timedelta

import facturx
import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, transaction
from lxml import etree
from pypdf import PdfReader

from accounts.models import Account, User
from billing import documents
from billing.clock import now_for
from billing.lifecycle.tick import billing_tick
from billing.models import Invoice, InvoiceDocument
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.billing.en16931 import check
from tests.helpers import NOW, pdf_text

pytestmark = pytest.mark.usefixtures("demo")
INVOICES = "/admin/account/billing/invoices/"
XMP = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """An invoice issued and committed: the worker (the immediate backend here) builds its document."""

    def make(name="Acme Self-Service") -> Invoice:
        account = Account.objects.get(name=name)
        with django_capture_on_commit_callbacks(execute=True):
            draft = invoice_draft(account=account, lines=[LineSpec("Support", 6900, 12)], now=NOW)
            return invoice_finalize(invoice=draft, now=NOW, notify=False)

    return make


def stored(invoice) -> InvoiceDocument:
    return InvoiceDocument.objects.get(invoice=invoice)


def test_issue_21_the_stored_pdf_is_a_pdf_a_3_carrying_the_stored_xml(issue):
    invoice = issue()  # built after the commit, stored
    document = stored(invoice)
    pdf, xml = bytes(document.pdf), bytes(document.xml)
    assert pdf.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    (intent,) = [item.get_object() for item in catalog["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB"
    assert intent["/DestOutputProfile"].get_object().get_data()  # the ICC profile itself, embedded
    xmp = etree.fromstring(catalog["/Metadata"].get_object().get_data())
    values = {
        etree.QName(node).localname: node.text for node in xmp.iter() if node.text and node.text.strip()
    }
    assert values["part"] == "3" and values["conformance"] == "B"  # pdfaid
    assert values["ConformanceLevel"] == "EN 16931" and values["DocumentFileName"] == "factur-x.xml"
    (spec,) = [item.get_object() for item in catalog["/AF"]]
    assert spec["/F"] == "factur-x.xml" and spec["/AFRelationship"] == "/Data"
    assert spec["/EF"]["/F"].get_object().get_data() == xml
    assert facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", xml)
    check(xml)
    assert reader.metadata.creation_date.date() == invoice.issued_at.date()  # dated at its issue


def test_issue_21_pdf_a_every_font_is_embedded(issue):
    reader = PdfReader(io.BytesIO(bytes(stored(issue()).pdf)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            assert "/FontFile2" in descendant.get_object()["/FontDescriptor"]


def test_issue_21_a_pdf_stored_before_factur_x_keeps_its_bytes_and_gets_its_xml_from_the_clock(issue):
    with documents.deferred():
        invoice = issue()
    old = b"%PDF-1.3 stored and sent before issue 21"
    InvoiceDocument.objects.create(invoice=invoice, pdf=old, built_at=NOW, build_by=now_for())
    with time_machine.travel(now_for() + timedelta(seconds=1), tick=False):
        assert billing_tick(account_ids=[]).documents == 1  # the backfill: a hundred a tick
        assert billing_tick(account_ids=[]).documents == 0
    document = stored(invoice)
    assert bytes(document.pdf) == old  # already sent: the same bytes (R8.9)
    check(bytes(document.xml))
    for forged in ({"xml": b"<forged/>"}, {"pdf": b"%PDF forged"}):  # then stored once, like the PDF
        with pytest.raises(DatabaseError), transaction.atomic():
            InvoiceDocument.objects.filter(invoice=invoice).update(**forged)


def test_issue_21_the_demo_gets_factur_x_on_first_download_and_billing_documents_backfills(issue, sign_in):
    seeded = Invoice.objects.filter(account__name="Acme Self-Service", document=None).first()  # deferred
    pdf = sign_in("owner@acme.test").get(f"{INVOICES}{seeded.pk}/pdf/").content
    assert facturx.get_facturx_xml_from_pdf(pdf)[1] == bytes(stored(seeded).xml)
    with documents.deferred():
        backfilled, missing = issue(), issue()
    InvoiceDocument.objects.create(invoice=backfilled, pdf=b"%PDF old", built_at=NOW)
    call_command("billing_documents", stdout=io.StringIO())
    assert InvoiceDocument.objects.filter(xml=None).count() == 0
    assert bytes(stored(backfilled).pdf) == b"%PDF old" and stored(missing).xml is not None
    assert facturx.get_facturx_xml_from_pdf(bytes(stored(missing).pdf))[1] == bytes(stored(missing).xml)


def test_issue_21_r8_1_the_xml_downloads_as_stored_for_whoever_may_see_invoices(issue, sign_in):
    invoice = issue()
    url = f"{INVOICES}{invoice.pk}/xml/"
    xml = bytes(stored(invoice).xml)
    for email in ("owner@acme.test", "billing@acme.test"):
        client = sign_in(email)
        page = client.get(INVOICES).content.decode()
        assert f'href="{url}"' in page and "Factur-X XML" in page
        responses = [client.get(url) for _ in range(2)]
        assert [r.content for r in responses] == [xml, xml]
        assert responses[0]["Content-Type"] == "application/xml"
        assert responses[0]["Content-Disposition"] == f'attachment; filename="{invoice.number}.xml"'
    for email in ("admin@acme.test", "agent@acme.test"):  # R8.1: the policy refuses them, as for the PDF
        client = sign_in(email)
        assert client.get(url).status_code == client.get(f"{INVOICES}{invoice.pk}/pdf/").status_code == 403


def test_issue_21_r8_1_another_accounts_xml_or_a_drafts_is_a_404(issue, sign_in):
    theirs = issue("Legacy Suite SARL")
    draft = invoice_draft(
        account=Account.objects.get(name="Acme Self-Service"), lines=[LineSpec("S", 1)], now=NOW
    )
    owner = sign_in("owner@acme.test")
    assert owner.get(f"{INVOICES}{theirs.pk}/xml/").status_code == 404
    assert owner.get(f"{INVOICES}{draft.pk}/xml/").status_code == 404
    assert owner.get(f"{INVOICES}999999/xml/").status_code == 404


def test_issue_21_staff_download_the_xml_from_the_invoice_admin(issue, sign_in, client_for):
    invoice = issue()
    staff = sign_in("support@staff.test")  # the Support group may view invoices
    page = staff.get(f"/staff/billing/invoice/{invoice.pk}/change/").content.decode()
    url = f"/staff/billing/invoice/{invoice.pk}/xml/"
    assert url in page and "Download the Factur-X XML" in page
    response = staff.get(url)
    assert response.status_code == 200 and response.content == bytes(stored(invoice).xml)
    nobody = User.objects.create_user(email="nobody@staff.test", password="x", is_staff=True)
    assert client_for(nobody).get(url).status_code == 403  # R1.3: no view permission
    draft = invoice_draft(account=invoice.account, lines=[LineSpec("S", 1)], now=NOW)
    assert staff.get(f"/staff/billing/invoice/{draft.pk}/xml/").status_code == 404


def test_issue_21_the_pdf_text_still_reads_as_the_invoice(issue):
    invoice = issue()
    content = pdf_text(bytes(stored(invoice).pdf))
    assert f"Invoice {invoice.number}" in content and "Total (USD) $828.00" in content
