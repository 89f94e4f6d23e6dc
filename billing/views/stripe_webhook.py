"""Stripe's webhook endpoint (R12.1): events signed with STRIPE_WEBHOOK_SECRET, verified by the stripe
library (the `Stripe-Signature` header: a timestamp and an HMAC-SHA256 of it and the body), then handled
once each (billing/services/provider_outcomes.py). Stripe posts without a session or a CSRF token: the
signature is what proves the sender, so a request without a valid one changes nothing (400)."""

import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.clock import now_for
from billing.services.provider_outcomes import stripe_event_receive

logger = logging.getLogger(__name__)
PLAIN = "text/plain; charset=utf-8"  # for Stripe's dashboard, which shows the answer


@csrf_exempt
@require_POST
def stripe_webhook(request):
    # Imported here, as the gateway imports the provider: every process that builds a URL (the billing
    # clock's emails) loads this module, and only Stripe's deployments need the library.
    import stripe

    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:  # an empty secret would accept anybody's signature
        logger.error("A Stripe webhook arrived, but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponseBadRequest("Webhooks are not configured.", content_type=PLAIN)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        stripe.Webhook.construct_event(request.body, signature, secret)  # the default 5-minute tolerance
        event = json.loads(request.body)
    except (ValueError, stripe.SignatureVerificationError) as refused:
        logger.warning("Stripe webhook refused: %s", refused)
        return HttpResponseBadRequest("Invalid payload or signature.", content_type=PLAIN)
    stripe_event_receive(event, now=now_for())
    return HttpResponse("ok", content_type=PLAIN)
