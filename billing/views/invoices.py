"""Billing › Invoices (R8.1, R8.2, R8.10): the list, each PDF, the billing details of future invoices, and
requests to support for a missing invoice or a copy."""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.documents import invoice_document
from billing.forms import BillingAddressForm, InvoiceCopyRequestForm
from billing.selectors.invoices import invoice_rows, invoice_status, invoices_of
from billing.selectors.support_requests import invoice_requests_of
from billing.services.contacts import billing_address_update
from billing.services.support_requests import invoice_copy_request

PAGE_SIZE = 25
ADDRESS_SAVED = _("Billing details saved. They apply to future invoices; issued invoices keep theirs.")
REQUEST_SENT = _("Your request was sent to support. You will get an email; its status shows below.")


def _invoices_page(request, form=None, request_form=None, status=200):
    account = request.membership.account
    page = Paginator(invoice_rows(account), PAGE_SIZE).get_page(request.GET.get("page"))
    now = now_for(account)
    for invoice in page:  # R8.9: Paid on …, Open, Overdue — at the account's now
        invoice.state = invoice_status(invoice, now)
    context = {
        "invoices": page,
        "form": form or BillingAddressForm(instance=account),
        "request_form": request_form
        or InvoiceCopyRequestForm(initial={"key": uuid.uuid4()}, today=now.date()),
        "support_requests": invoice_requests_of(account),
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
    response = HttpResponse(invoice_document(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


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
