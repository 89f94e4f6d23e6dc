"""Invoice documents (R8.9): the PDF of each finalized invoice and credit note — Factur-X since issue 21: a
PDF/A-3 carrying the invoice as EN 16931 XML (billing/facturx), the XML stored beside it — built once, after
the transaction that finalized it commits, and stored (InvoiceDocument); every download — Billing ›
Invoices, /staff/, the emails' attachments, the XML on its own — serves the stored bytes.

Like an email of the outbox (billing/outbox.py): the finalizing transaction writes the document as owed,
and the worker builds it once that transaction commits (`build_document`) — never inside a transaction that
could still roll back, and no page or tick waits for a PDF. An owed document still empty after `build_by`
(its task was lost, or no worker runs) is built by the billing clock (`documents_build_due`); so are the
invoices finalized before documents were stored, which the migration marked owed. `billing_documents`
builds everything missing at once. A document is owed until its XML is stored: the PDFs stored before
Factur-X keep their bytes and get their XML the same ways (the migration left them owed).

A PDF is drawn from the invoice alone (billing/pdf): a settings change or a new billing address after the
invoice was issued changes nothing in it. Whoever builds it — the worker, the clock, the command, or a
download that finds none yet — it is stored once: two builds at the same moment store one document, and
the other build returns the stored one.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import Q
from django.http import HttpResponse
from django_tasks import task

from billing.clock import now_for
from billing.facturx import facturx_pdf, invoice_xml
from billing.models import Invoice, InvoiceDocument
from billing.queueing import enqueue_on_commit

logger = logging.getLogger(__name__)
BUILT_BY_THE_CLOCK = 100  # at most this many a tick, oldest first: a backlog is built over several ticks
WORKER_LEASE = timedelta(minutes=5)  # the worker's time to build it, after which the clock does
_deferred = ContextVar("billing_documents_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Invoices finalized inside get no document now, nor owe one to the clock: each is built by its first
    download, or by `billing_documents`. For bulk loads of history (the demo), which would otherwise draw
    every PDF of the past at once."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def build_after_commit(invoices: list[Invoice]) -> None:
    """In the transaction that finalizes the invoices: their documents, owed, and built once it commits."""
    if _deferred.get() or not invoices:
        return
    build_by = now_for() + WORKER_LEASE
    InvoiceDocument.objects.bulk_create(
        [InvoiceDocument(invoice_id=invoice.pk, build_by=build_by) for invoice in invoices]
    )
    enqueue_on_commit(build_document, [invoice.pk for invoice in invoices])


@task()
def build_document(invoice_id: int) -> None:
    document_of(invoice_id)


def invoice_document(invoice: Invoice) -> bytes:
    """The invoice's stored PDF: the same bytes every time. Built and stored first if it is not yet."""
    return document_of(invoice.pk)


def invoice_document_xml(invoice: Invoice) -> bytes:
    """The invoice's stored Factur-X XML (issue 21), the one its PDF carries: the same bytes every time."""
    return stored_document(invoice.pk).xml


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A stored document as a download (Billing › Invoices, /staff/)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class Stored(NamedTuple):
    pdf: bytes
    xml: bytes


def document_of(invoice_id: int) -> bytes:
    return stored_document(invoice_id).pdf


def stored_document(invoice_id: int) -> Stored:
    """The invoice's PDF and XML as stored, built first when the XML is missing: for a new document, both
    (the XML embedded in the PDF); for one whose plain PDF was stored before Factur-X, the XML alone — that
    PDF was sent, and stays as it is."""
    stored = InvoiceDocument.objects.filter(invoice_id=invoice_id).values_list("pdf", "xml").first()
    if stored is not None and stored[1] is not None:
        return Stored(bytes(stored[0]), bytes(stored[1]))
    invoice = Invoice.objects.select_related("credits").get(pk=invoice_id)
    if not invoice.is_finalized:
        raise ValueError(f"Invoice {invoice_id} is a draft: only a finalized invoice has a document.")
    xml, now = invoice_xml(invoice), now_for()
    if stored is not None and stored[0] is not None:  # a plain PDF, stored before Factur-X
        InvoiceDocument.objects.filter(invoice_id=invoice_id, xml=None).update(xml=xml)
    else:
        pdf = facturx_pdf(invoice, xml)
        _document, created = InvoiceDocument.objects.get_or_create(
            invoice_id=invoice_id, defaults={"pdf": pdf, "xml": xml, "built_at": now}
        )
        if not created:  # owed: filled by the first build only (the condition), never rewritten after
            InvoiceDocument.objects.filter(invoice_id=invoice_id, pdf=None).update(
                pdf=pdf, xml=xml, built_at=now
            )
    pdf, xml = InvoiceDocument.objects.values_list("pdf", "xml").get(invoice_id=invoice_id)
    return Stored(bytes(pdf), bytes(xml))


def documents_build_due(*, real_now: datetime, limit: int = BUILT_BY_THE_CLOCK) -> int:
    """The billing clock's safety net: build the owed documents no worker built in time, oldest first."""
    late = InvoiceDocument.objects.filter(xml=None, build_by__lt=real_now).order_by("build_by", "pk")
    return _build(list(late.values_list("invoice_id", flat=True)[:limit]))


def documents_build_missing() -> int:
    """Every finalized invoice's document that is not built yet — owed, or never asked for (a deferred
    load) — now: `billing_documents`."""
    missing = Invoice.objects.exclude(status=Invoice.Status.DRAFT).filter(
        Q(document__isnull=True) | Q(document__xml=None)
    )
    return _build(list(missing.order_by("pk").values_list("pk", flat=True)))


def _build(invoice_ids: list[int]) -> int:
    """Build each; one that fails is logged and does not stop the others. Returns how many were built."""
    built = 0
    for pk in invoice_ids:
        try:
            document_of(pk)
        except Exception:
            logger.exception("The document of invoice %s could not be built", pk)
        else:
            built += 1
    return built
