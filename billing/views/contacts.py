"""Billing › Billing contacts (R8.3): the owner decides who receives the invoices; any member may ask."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action, require_membership
from accounts.policy import Action
from billing.clock import now_for
from billing.forms import ContactForm, ContactRemoveForm, DecisionForm
from billing.selectors.contacts import billing_contacts, pending_contact_requests
from billing.services import contacts as contact_services

CONTACT_ADDED = _("%(email)s will receive the invoices.")
CONTACT_REMOVED = _("%(email)s is no longer a billing contact.")
REQUEST_SENT = _("Your request was sent to the account owner.")
# The decision names the request: whose it was, what it asked, what happens now.
DECIDED = {
    ("add", True): _("Request approved: %(email)s will receive the invoices."),
    ("add", False): _("Request declined: %(email)s will not receive the invoices."),
    ("remove", True): _("Request approved: %(email)s no longer receives the invoices."),
    ("remove", False): _("Request declined: %(email)s still receives the invoices."),
}


def _contacts_page(request, form=None, status=200):
    account = request.membership.account
    context = {
        "contacts": billing_contacts(account),
        "requests": pending_contact_requests(account),
        "form": form or ContactForm(),
    }
    return render(request, "billing/contacts/list.html", context, status=status)


@require_action(Action.MANAGE_BILLING_CONTACTS)
@require_safe
def contact_list(request):
    return _contacts_page(request)


@require_POST
@require_action(Action.MANAGE_BILLING_CONTACTS)
def contact_add(request):
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _contacts_page(request, form=form, status=422)
    account = request.membership.account
    try:
        contact_services.billing_contact_add(
            membership=request.membership, email=form.cleaned_data["email"], now=now_for(account)
        )
    except ValidationError as error:
        form.add_error("email", error)
        return _contacts_page(request, form=form, status=422)
    messages.success(request, CONTACT_ADDED % {"email": form.cleaned_data["email"]})
    return redirect("billing:contacts")


@require_action(Action.MANAGE_BILLING_CONTACTS)
@require_safe
def contact_remove_confirm(request):
    """The confirmation step before a contact is removed, a page of its own so it works without JS."""
    form = ContactRemoveForm(request.GET)
    if not form.is_valid():
        raise Http404("No such billing contact.")
    contact = get_object_or_404(billing_contacts(request.membership.account), pk=form.cleaned_data["contact"])
    return render(request, "billing/contacts/remove.html", {"contact": contact})


@require_POST
@require_action(Action.MANAGE_BILLING_CONTACTS)
def contact_remove(request):
    form = ContactRemoveForm(request.POST)
    if not form.is_valid():
        return _contacts_page(request, status=422)
    account = request.membership.account
    contact = contact_services.billing_contact_remove(
        membership=request.membership, contact_id=form.cleaned_data["contact"], now=now_for(account)
    )
    messages.success(request, CONTACT_REMOVED % {"email": contact.email})
    return redirect("billing:contacts")


@require_POST
@require_action(Action.MANAGE_BILLING_CONTACTS)
def contact_request_decide(request):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _contacts_page(request, status=422)
    account = request.membership.account
    try:
        decided = contact_services.billing_contact_request_decide(
            membership=request.membership,
            request_id=form.cleaned_data["request"],
            approve=form.cleaned_data["approve"],
            now=now_for(account),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        words = DECIDED[decided.kind, decided.status == decided.Status.APPROVED]
        messages.success(request, words % {"email": decided.requested_by.email})
    return redirect("billing:contacts")


@require_POST
@require_membership
def contact_request(request):
    """Any member asks to receive the invoices (or, if they do, to stop): the owner decides (R8.3)."""
    account = request.membership.account
    contact_services.billing_contact_request(membership=request.membership, now=now_for(account))
    messages.success(request, REQUEST_SENT)
    return redirect("billing:home")
