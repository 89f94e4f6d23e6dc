"""Billing › Payment: a payment the owner's bank asks them to confirm (strong customer authentication, R8.5,
R12.1). An off-session renewal charge refused for want of it starts dunning like any refusal; the page then
shows the invoice and amount with a button. Stripe.js (static/js/payment_confirmation.js) asks the bank with
the PaymentIntent's client secret — fetched here, from Stripe, for this account's invoice only — then posts
the form: the server reads the PaymentIntent back and records its outcome at once, as a webhook would
(billing/services/provider_outcomes.py; whichever comes second changes nothing). Without JavaScript the form
reads the PaymentIntent all the same, and the page says that confirming needs JavaScript."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import require_action
from accounts.policy import Action
from billing import gateway
from billing.clock import now_for
from billing.models import Invoice
from billing.selectors.payments import confirmation_asked, payment_awaiting_confirmation
from billing.services.provider_outcomes import payment_intent_outcome

CONFIRMED = _("Payment confirmed: invoice %(number)s is paid. Thank you.")
NOT_CONFIRMED = _(
    "The payment of invoice %(number)s is not confirmed yet. Confirm it with your bank, or update the card "
    "to pay with another one."
)


def confirmation_context(account) -> dict:
    """What the Payment page's confirmation part (billing/payment/_confirmation.html) shows: the charge
    waiting for the owner, if any, and how the browser reaches Stripe."""
    return {
        "confirmation": payment_awaiting_confirmation(account),
        "stripe_js_url": settings.STRIPE_JS_URL if settings.PAYMENT_PROVIDER == "stripe" else "",
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }


@never_cache
@require_action(Action.UPDATE_PAYMENT_METHOD)
@require_safe
def payment_confirmation_secret(request, invoice_id: int):
    """The client secret of the PaymentIntent waiting for the owner, for Stripe.js; 404 for anything
    else (another account's invoice, an invoice not waiting)."""
    attempt = payment_awaiting_confirmation(request.membership.account)
    if attempt is None or attempt.invoice_id != invoice_id:
        raise Http404
    intent = gateway.payment_intent(attempt.reference)
    if not intent or not intent.get("client_secret"):
        raise Http404
    # Stripe declines a confirmation without a card once the off-session attempt failed: the card tried.
    method = attempt.token if intent.get("status") == "requires_payment_method" else ""
    return JsonResponse({"client_secret": intent["client_secret"], "payment_method": method})


@require_POST
@require_action(Action.UPDATE_PAYMENT_METHOD)
def payment_confirmation(request, invoice_id: int):
    """Back from the bank (or without JavaScript): what Stripe says now is recorded, then the page."""
    account = request.membership.account
    attempt = confirmation_asked(account, invoice_id)
    if attempt is None:
        raise Http404
    intent = gateway.payment_intent(attempt.reference)
    if intent is not None:
        payment_intent_outcome(intent, now=now_for(account))
    invoice = attempt.invoice
    invoice.refresh_from_db(fields=["status"])
    words = {"number": invoice.number}
    if invoice.status == Invoice.Status.PAID:
        messages.success(request, CONFIRMED % words)
    else:
        messages.error(request, NOT_CONFIRMED % words)
    return redirect("billing:payment")
