"""Billing › Payment: the card on file (R8.4), checked with a one-unit authorization that is voided. The
card is typed into our form under the sandbox, into Stripe's own field under Stripe (R12.1)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing import gateway
from billing.clock import now_for
from billing.forms import CardForm, StripeCardForm
from billing.money import format_money
from billing.selectors.payments import card_of, recent_payment_activity
from billing.services.card_setup import card_setup_start, payment_method_update_from_setup
from billing.services.payments import payment_method_update, verification_amount
from billing.views.payment_confirmation import confirmation_context

CARD_UPDATED = _("Card saved. The %(amount)s check was cancelled right away: it is never charged.")


def _card_form(data=None):
    form_class = StripeCardForm if gateway.card_field() else CardForm
    return form_class(data) if data is not None else form_class(initial={"attempt_key": uuid.uuid4()})


def _card_setup(request):
    """Stripe's card field, on a SetupIntent of its own; None under the sandbox, or if Stripe is silent."""
    if not gateway.card_field():
        return None
    return card_setup_start(membership=request.membership, now=now_for(request.membership.account))


def _payment_page(request, form=None, status=200):
    account = request.membership.account
    context = {
        "card": card_of(account),
        "form": form or _card_form(),
        "card_field": gateway.card_field(),
        "card_setup": _card_setup(request),
        "check_amount": verification_amount(account.currency),
        "attempts": recent_payment_activity(account),
        **confirmation_context(account),
    }
    return render(request, "billing/payment/page.html", context, status=status)


@require_action(Action.UPDATE_PAYMENT_METHOD)
@require_safe
def payment_page(request):
    return _payment_page(request)


def _card_save(request, form):
    """The card of the form, through the provider's path; ValidationError if it is refused."""
    membership, key = request.membership, form.cleaned_data["attempt_key"]
    now = now_for(membership.account)
    if gateway.card_field():
        setup_intent = form.cleaned_data["setup_intent"]
        return payment_method_update_from_setup(
            membership=membership, setup_intent=setup_intent, attempt_key=key, now=now
        )
    return payment_method_update(
        membership=membership,
        number=form.cleaned_data["number"],
        exp_month=form.cleaned_data["exp_month"],
        exp_year=form.cleaned_data["exp_year"],
        attempt_key=key,
        now=now,
    )


@sensitive_post_parameters("number", "cvc")
@require_POST
@require_action(Action.UPDATE_PAYMENT_METHOD)
def payment_method(request):
    form = _card_form(request.POST)
    if not form.is_valid():
        return _payment_page(request, form=form, status=422)
    account = request.membership.account
    try:
        _card_save(request, form)
    except ValidationError as error:
        form.add_error(None, error)
        return _payment_page(request, form=form, status=422)
    messages.success(
        request,
        CARD_UPDATED % {"amount": format_money(verification_amount(account.currency), account.currency)},
    )
    return redirect("billing:payment")
