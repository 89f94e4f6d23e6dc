"""Billing › Invoices › Download (R8.1, R8.9): the invoices and credit notes of a run of months as one ZIP —
each document's stored PDF and Factur-X XML (the bytes every download gives; the XML for the accounting
software, issue 21), and a CSV that lists them for the accounts.

Built in memory: a year of one account's invoices is a few dozen PDFs. The CSV is for software and
accountants alike: ISO dates (UTC days, as on the invoices), amounts in major units with a dot ("1234.50"),
a credit note's amounts negative so that a column's sum is what was invoiced net, the status as a code."""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

from accounts.models import Account
from billing.clock import now_for
from billing.documents import Stored, stored_document
from billing.models import Invoice
from billing.money import money_input
from billing.months import next_month
from billing.selectors.invoices import invoice_status, invoices_issued_between

COLUMNS = [
    "number",
    "type",
    "issued_on",
    "due_on",
    "period_start",
    "period_end",
    "status",
    "subtotal",
    "tax",
    "total",
    "currency",
]


@dataclass(frozen=True)
class InvoiceArchive:
    filename: str
    content: bytes
    count: int


def invoice_archive(account: Account, *, start: date, end: date) -> InvoiceArchive | None:
    """The documents issued from the first day of `start`'s month to the last of `end`'s, or None when
    there is none. Documents not built yet are built (and stored) now."""
    invoices = invoices_issued_between(account, _midnight(start), _midnight(next_month(end)))
    if not invoices:
        return None
    now = now_for(account)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            stored, moment = _document(invoice), _zip_time(invoice.issued_at)
            pdf, xml = (
                zipfile.ZipInfo(f"{invoice.number}.pdf", moment),
                zipfile.ZipInfo(f"{invoice.number}.xml", moment),
            )
            archive.writestr(pdf, stored.pdf, compress_type=zipfile.ZIP_STORED)  # PDFs are compressed
            archive.writestr(xml, stored.xml, compress_type=zipfile.ZIP_DEFLATED)
        listing = zipfile.ZipInfo("invoices.csv", _zip_time(invoices[-1].issued_at))
        archive.writestr(listing, _csv(invoices, now), compress_type=zipfile.ZIP_DEFLATED)
    name = f"invoices-{start:%Y-%m}-to-{end:%Y-%m}.zip"
    return InvoiceArchive(name, buffer.getvalue(), len(invoices))


def _document(invoice: Invoice) -> Stored:
    """The stored PDF and XML, loaded with the invoice; built first if not yet (billing.documents)."""
    document = getattr(invoice, "document", None)
    if document is not None and document.pdf is not None and document.xml is not None:
        return Stored(bytes(document.pdf), bytes(document.xml))
    return stored_document(invoice.pk)


def _csv(invoices: list[Invoice], now: datetime) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for invoice in invoices:
        sign = -1 if invoice.kind == Invoice.Kind.CREDIT_NOTE else 1
        amounts = [
            money_input(sign * a, invoice.currency) for a in (invoice.subtotal, invoice.tax, invoice.total)
        ]
        writer.writerow(
            [
                invoice.number,
                invoice.kind,
                _day(invoice.issued_at),
                _day(invoice.due_at),
                _day(invoice.period_start),
                _day(invoice.period_end),
                invoice_status(invoice, now).key,
                *amounts,
                invoice.currency,
            ]
        )
    return out.getvalue().encode()


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).date().isoformat() if moment else ""


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP entry's date (UTC): the same archive for the same documents, whoever downloads it."""
    return moment.astimezone(UTC).timetuple()[:6]
