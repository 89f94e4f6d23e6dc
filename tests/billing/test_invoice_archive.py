"""R8.1, R8.9 (issue 19): Billing › Invoices › Download invoices — the invoices and credit notes of the chosen
months as a ZIP of their stored PDFs and a CSV, for who may see invoices, the account's own only."""

import csv
import io
import zipfile
from datetime import UTC, datetime

import facturx
import pytest

from accounts.models import Account, User
from billing.documents import documents_build_missing
from billing.models import Invoice, InvoiceDocument
from billing.services.credit_notes import invoice_cancel_with_credit_note
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.helpers import NOW, text

pytestmark = pytest.mark.usefixtures("demo")
DOWNLOAD = "/admin/account/billing/invoices/download/"
THIS_MONTH = {"start": "2026-11", "end": "2026-11"}


def acme() -> Account:
    return Account.objects.get(name="Acme Self-Service")


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, text(response)[:500]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def rows(archive: zipfile.ZipFile) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read("invoices.csv").decode())))


def issued_in(account: Account, start: datetime, end: datetime) -> list[str]:
    found = Invoice.objects.filter(account=account, issued_at__gte=start, issued_at__lt=end)
    return list(found.exclude(status="draft").order_by("issued_at", "id").values_list("number", flat=True))


def test_r8_1_the_zip_holds_each_stored_pdf_and_the_csv(sign_in):
    account = acme()
    expected = issued_in(account, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert len(expected) == 6  # monthly renewals, June to November
    response = sign_in("owner@acme.test").get(DOWNLOAD, {"start": "2026-06", "end": "2026-11"})
    assert response["Content-Disposition"] == 'attachment; filename="invoices-2026-06-to-2026-11.zip"'
    archive = unzip(response)
    names = [name for number in expected for name in (f"{number}.pdf", f"{number}.xml")]
    assert archive.namelist() == names + ["invoices.csv"]
    stored = {
        number: (bytes(pdf), bytes(xml))
        for number, pdf, xml in InvoiceDocument.objects.filter(invoice__number__in=expected).values_list(
            "invoice__number", "pdf", "xml"
        )
    }
    for number in expected:  # R8.9: built once and stored; the ZIP holds those very bytes
        assert (archive.read(f"{number}.pdf"), archive.read(f"{number}.xml")) == stored[number]
        assert archive.read(f"{number}.pdf").startswith(b"%PDF")
        # Issue 21: the Factur-X XML the PDF carries, for the accounting software
        assert facturx.get_facturx_xml_from_pdf(archive.read(f"{number}.pdf"))[1] == stored[number][1]
    assert [row["number"] for row in rows(archive)] == expected


def test_r8_1_the_zip_serves_the_document_already_stored(sign_in):
    invoice = Invoice.objects.filter(account=acme(), issued_at__gte=datetime(2026, 11, 1, tzinfo=UTC)).get()
    documents_build_missing()
    stored = bytes(InvoiceDocument.objects.get(invoice=invoice).pdf)
    archive = unzip(sign_in("owner@acme.test").get(DOWNLOAD, THIS_MONTH))
    assert archive.read(f"{invoice.number}.pdf") == stored


def test_r8_9_csv_rows_dates_status_and_amounts_in_major_units(sign_in):
    account = acme()
    Account.objects.filter(pk=account.pk).update(billing_country="IE")  # the seller's: Irish VAT, 23 %
    draft = invoice_draft(
        account=Account.objects.get(pk=account.pk), lines=[LineSpec("Seats", 6900, 3)], now=NOW
    )
    invoice = invoice_finalize(invoice=draft, now=NOW, notify=False)
    root = User.objects.get(email="root@staff.test")
    credit_note = invoice_cancel_with_credit_note(invoice=invoice, by=root, now=NOW)
    by_number = {
        row["number"]: row for row in rows(unzip(sign_in("owner@acme.test").get(DOWNLOAD, THIS_MONTH)))
    }
    assert by_number[invoice.number] == {
        "number": invoice.number,
        "type": "invoice",
        "issued_on": "2026-11-21",
        "due_on": "2026-11-21",
        "period_start": "",
        "period_end": "",
        "status": "credited",
        "subtotal": "207.00",
        "tax": "47.61",
        "total": "254.61",
        "currency": "USD",
    }
    # A credit note takes back what it credits: its amounts are negative, so a column adds up to the net.
    note = by_number[credit_note.number]
    assert (note["type"], note["status"]) == ("credit_note", credit_note.status)
    assert (note["subtotal"], note["tax"], note["total"]) == ("-207.00", "-47.61", "-254.61")
    renewal = next(row for row in by_number.values() if row["period_start"])
    assert renewal["period_start"] == "2026-11-11" and renewal["period_end"] == "2026-12-11"
    assert (renewal["subtotal"], renewal["total"], renewal["status"]) == ("1100.70", "1100.70", "paid")


def test_r8_1_who_may_download_the_invoices(sign_in):
    """The owner, and billing admins where they manage invoices (self-service); nobody else."""
    for email in ("owner@acme.test", "billing@acme.test"):
        assert sign_in(email).get(DOWNLOAD, THIS_MONTH).status_code == 200
    for email in ("admin@acme.test", "agent@acme.test", "billing@assisted.test"):
        assert sign_in(email).get(DOWNLOAD, THIS_MONTH).status_code == 403


def test_r8_1_another_accounts_invoices_are_never_included(sign_in):
    others = Invoice.objects.exclude(account=acme()).filter(issued_at__gte=datetime(2026, 1, 1, tzinfo=UTC))
    assert others.exists()
    archive = unzip(sign_in("owner@acme.test").get(DOWNLOAD, {"start": "2026-01", "end": "2026-12"}))
    prefix = f"INV-{acme().pk:04d}-"
    assert all(name.startswith(prefix) for name in archive.namelist() if name.endswith(".pdf"))
    assert all(row["number"].startswith(prefix) for row in rows(archive))


def test_r8_1_months_without_invoices_say_so(sign_in):
    response = sign_in("owner@acme.test").get(DOWNLOAD, {"start": "2020-01", "end": "2020-03"})
    assert response.status_code == 404
    assert "No invoice or credit note was issued from January 2020 to March 2020." in text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13", "end": "2026-12"}, "Enter a month such as 2026-11 (year, then month)."),
        ({"start": "November", "end": "2026-12"}, "Enter a month such as 2026-11 (year, then month)."),
        ({"start": "2026-06", "end": "2026-05"}, "The last month cannot come before the first one."),
        ({"start": "2025-01", "end": "2026-01"}, "Choose at most 12 months at a time."),
        ({"start": "2026-06"}, "This field is required."),
    ],
)
def test_r8_1_bad_months_are_refused_with_a_message(sign_in, params, message):
    response = sign_in("owner@acme.test").get(DOWNLOAD, params)
    assert response.status_code == 400
    assert message in text(response)


def test_r8_1_r10_1_the_download_form_and_its_messages_in_french(sign_in):
    client = sign_in("owner@legacy-suite.test")
    page = text(client.get("/admin/account/billing/invoices/"))
    assert "Télécharger les factures" in page and "Du mois" in page and "Au mois" in page
    response = client.get(DOWNLOAD, {"start": "2020-01", "end": "2020-02"})
    assert "Aucune facture ni aucun avoir n’a été émis de janvier 2020 à février 2020." in text(response)


def test_r8_1_the_download_runs_a_fixed_number_of_queries(sign_in, django_assert_max_num_queries):
    documents_build_missing()  # stored, as they are once the worker has run
    client = sign_in("owner@acme.test")
    for months in ({"start": "2026-11", "end": "2026-11"}, {"start": "2025-12", "end": "2026-11"}):
        with django_assert_max_num_queries(6):
            assert len(unzip(client.get(DOWNLOAD, months)).namelist()) > 1
