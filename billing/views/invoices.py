"""Billing › Invoices (R8.1, R8.2): the list, each PDF, and the billing details of future invoices."""

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
from billing.forms import BillingAddressForm
from billing.selectors.banners import pending_account_cancellation
from billing.selectors.invoices import invoice_rows, invoice_status, invoices_of
from billing.selectors.statements import final_statement_preview, statement_text
from billing.services.contacts import billing_address_update

PAGE_SIZE = 25
ADDRESS_SAVED = _("Billing details saved. They apply to future invoices; issued invoices keep theirs.")


def _invoices_page(request, form=None, status=200):
    account = request.membership.account
    page = Paginator(invoice_rows(account), PAGE_SIZE).get_page(request.GET.get("page"))
    now = now_for(account)
    for invoice in page:  # R8.9: Paid on …, Open, Overdue — at the account's now
        invoice.state = invoice_status(invoice, now)
    form = form or BillingAddressForm(instance=account)
    cancellation = pending_account_cancellation(account)  # the banner's too: loaded once
    statement = final_statement_preview(account, cancellation)  # R7.4: what the final statement will say
    context = {
        "invoices": page,
        "form": form,
        "pending_cancellation": cancellation,
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
