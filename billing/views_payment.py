"""The card on file (R8.4) and who receives the invoices (R8.3)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.decorators import require_action, require_membership
from accounts.policy import Action
from billing import selectors
from billing.clock import now_for
from billing.forms import CardForm, ContactForm, ContactRemoveForm, DecisionForm
from billing.models import PaymentAttempt, PaymentMethod
from billing.money import format_money
from billing.services import contacts as contact_services
from billing.services.payments import payment_method_update, verification_amount

CARD_UPDATED = _("Card saved. The %(amount)s check was cancelled right away: it is never charged.")
CONTACT_ADDED = _("%(email)s will receive the invoices.")
CONTACT_REMOVED = _("The contact no longer receives the invoices.")
REQUEST_SENT = _("Your request was sent to the account owner.")
DECIDED = _("Request decided.")


def _payment_page(request, form=None, status=200):
    account = request.membership.account
    context = {
        "card": PaymentMethod.objects.filter(account=account).first(),
        "form": form or CardForm(initial={"attempt_key": uuid.uuid4()}),
        "check_amount": verification_amount(account.currency),
        "attempts": PaymentAttempt.objects.filter(account=account)[:10],
    }
    return render(request, "billing/payment.html", context, status=status)


@require_action(Action.UPDATE_PAYMENT_METHOD)
def payment_page(request):
    return _payment_page(request)


@sensitive_post_parameters("number", "cvc")
@require_POST
@require_action(Action.UPDATE_PAYMENT_METHOD)
def payment_method(request):
    form = CardForm(request.POST)
    if not form.is_valid():
        return _payment_page(request, form=form, status=422)
    account = request.membership.account
    try:
        payment_method_update(
            membership=request.membership,
            number=form.cleaned_data["number"],
            exp_month=form.cleaned_data["exp_month"],
            exp_year=form.cleaned_data["exp_year"],
            attempt_key=form.cleaned_data["attempt_key"],
            now=now_for(account),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _payment_page(request, form=form, status=422)
    messages.success(
        request,
        CARD_UPDATED % {"amount": format_money(verification_amount(account.currency), account.currency)},
    )
    return redirect("billing:payment")


def _contacts_page(request, form=None, status=200):
    account = request.membership.account
    context = {
        "contacts": selectors.billing_contacts(account),
        "requests": selectors.pending_contact_requests(account),
        "form": form or ContactForm(),
    }
    return render(request, "billing/contacts.html", context, status=status)


@require_action(Action.MANAGE_BILLING_CONTACTS)
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


@require_POST
@require_action(Action.MANAGE_BILLING_CONTACTS)
def contact_remove(request):
    form = ContactRemoveForm(request.POST)
    if not form.is_valid():
        return _contacts_page(request, status=422)
    account = request.membership.account
    contact_services.billing_contact_remove(
        membership=request.membership, contact_id=form.cleaned_data["contact"], now=now_for(account)
    )
    messages.success(request, CONTACT_REMOVED)
    return redirect("billing:contacts")


@require_POST
@require_action(Action.MANAGE_BILLING_CONTACTS)
def contact_request_decide(request):
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _contacts_page(request, status=422)
    account = request.membership.account
    try:
        contact_services.billing_contact_request_decide(
            membership=request.membership,
            request_id=form.cleaned_data["request"],
            approve=form.cleaned_data["approve"],
            now=now_for(account),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, DECIDED)
    return redirect("billing:contacts")


@require_POST
@require_membership
def contact_request(request):
    """Any member asks to receive the invoices (or, if they do, to stop): the owner decides (R8.3)."""
    account = request.membership.account
    contact_services.billing_contact_request(membership=request.membership, now=now_for(account))
    messages.success(request, REQUEST_SENT)
    return redirect("accounts:home")
