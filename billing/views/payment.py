"""Billing › Payment: the card on file (R8.4), checked with a one-unit authorization that is voided."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing.clock import now_for
from billing.forms import CardForm
from billing.money import format_money
from billing.selectors.payments import card_of, recent_payment_activity
from billing.services.payments import payment_method_update, verification_amount
from billing.views.payment_confirmation import confirmation_context

CARD_UPDATED = _("Card saved. The %(amount)s check was cancelled right away: it is never charged.")


def _payment_page(request, form=None, status=200):
    account = request.membership.account
    context = {
        "card": card_of(account),
        "form": form or CardForm(initial={"attempt_key": uuid.uuid4()}),
        "check_amount": verification_amount(account.currency),
        "attempts": recent_payment_activity(account),
        **confirmation_context(account),
    }
    return render(request, "billing/payment/page.html", context, status=status)


@require_action(Action.UPDATE_PAYMENT_METHOD)
@require_safe
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
