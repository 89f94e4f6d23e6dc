"""Billing › Invoices (R8.1, R8.2, R8.10): the list, each PDF and its Factur-X XML (issue 21), a ZIP of a
period's, the billing details of future invoices, and requests to support for a missing invoice or a
copy."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.documents import attachment, invoice_document, invoice_document_xml
from billing.forms import BillingAddressForm, InvoiceArchiveForm, InvoiceCopyRequestForm
from billing.invoice_archive import invoice_archive
from billing.money import format_month
from billing.selectors.banners import scheduled_endings
from billing.selectors.invoices import invoice_rows, invoice_status, invoices_of
from billing.selectors.statements import final_statement_preview, statement_text
from billing.selectors.support_requests import invoice_requests_of
from billing.services.contacts import billing_address_update
from billing.services.support_requests import invoice_copy_request

PAGE_SIZE = 25
ADDRESS_SAVED = _("Billing details saved. They apply to future invoices; issued invoices keep theirs.")
NO_INVOICES_IN_PERIOD = _("No invoice or credit note was issued from %(start)s to %(end)s.")
REQUEST_SENT = _("Your request was sent to support. You will get an email; its status shows below.")


def _invoices_page(request, form=None, archive_form=None, request_form=None, status=200):
    account = request.membership.account
    page = Paginator(invoice_rows(account), PAGE_SIZE).get_page(request.GET.get("page"))
    now = now_for(account)
    for invoice in page:  # R8.9: Paid on …, Open, Overdue — at the account's now
        invoice.state = invoice_status(invoice, now)
    form = form or BillingAddressForm(instance=account)
    endings = scheduled_endings(account)  # the banner's, read once
    cancels_at = next((ending.effective_at for ending in endings if ending.cancels_account), None)
    statement = final_statement_preview(account, cancels_at)  # R7.4: what the final statement will say
    this_month = now.strftime("%Y-%m")
    archive_form = archive_form or InvoiceArchiveForm(initial={"start": this_month, "end": this_month})
    context = {
        "invoices": page,
        "form": form,
        "archive_form": archive_form,
        "scheduled_endings": endings,
        "request_form": request_form
        or InvoiceCopyRequestForm(initial={"key": uuid.uuid4()}, today=now.date()),
        "support_requests": invoice_requests_of(account),
        "statement": statement,
        "statement_text": statement_text(statement) if statement else None,
    }
    return render(request, "billing/invoices/list.html", context, status=status)


@require_action(Action.VIEW_INVOICES)
@require_safe
def invoice_list(request):
    return _invoices_page(request)


@require_action(Action.VIEW_INVOICES)
@require_safe
def invoice_download(request, invoice_id: int):
    """The invoice's stored PDF (R8.9: the same bytes every time); another account's invoice, or a draft, is
    a 404."""
    invoice = get_object_or_404(invoices_of(request.membership.account), pk=invoice_id)
    return attachment(invoice_document(invoice), "application/pdf", f"{invoice.number}.pdf")


@require_action(Action.VIEW_INVOICES)
@require_safe
def invoice_xml_download(request, invoice_id: int):
    """Issue 21: the invoice's Factur-X XML on its own (EN 16931, CII) — the one its PDF carries, as stored.
    For whoever may see invoices (R8.1); another account's invoice, or a draft, is a 404."""
    invoice = get_object_or_404(invoices_of(request.membership.account), pk=invoice_id)
    return attachment(invoice_document_xml(invoice), "application/xml", f"{invoice.number}.xml")


@require_action(Action.VIEW_INVOICES)
@require_safe
def invoice_archive_download(request):
    """R8.1: the invoices of the chosen months as a ZIP of their stored PDFs and a CSV; the account's own
    only. Bad months, or months without any invoice, show the page again with why."""
    form = InvoiceArchiveForm(request.GET)
    if not form.is_valid():
        return _invoices_page(request, archive_form=form, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    archive = invoice_archive(request.membership.account, start=start, end=end)
    if archive is None:
        form.add_error(None, NO_INVOICES_IN_PERIOD % {"start": format_month(start), "end": format_month(end)})
        return _invoices_page(request, archive_form=form, status=404)
    return attachment(archive.content, "application/zip", archive.filename)


@require_POST
@require_action(Action.VIEW_INVOICES)
def billing_address(request):
    account = request.membership.account
    form = BillingAddressForm(request.POST, instance=account)
    if not form.is_valid():
        return _invoices_page(request, form=form, status=422)
    billing_address_update(membership=request.membership, values=form.cleaned_data, now=now_for(account))
    messages.success(request, ADDRESS_SAVED)
    return redirect("billing:invoices")


@require_POST
@require_action(Action.VIEW_INVOICES)
def invoice_request(request):
    """R8.10: ask support for a missing invoice or a copy; the same form sent twice makes one request."""
    account = request.membership.account
    now = now_for(account)
    form = InvoiceCopyRequestForm(request.POST, today=now.date())
    if not form.is_valid():
        return _invoices_page(request, request_form=form, status=422)
    invoice_copy_request(membership=request.membership, now=now, **form.cleaned_data)
    messages.success(request, REQUEST_SENT)
    return redirect("billing:invoices")
