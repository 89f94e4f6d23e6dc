"""The Stripe payment provider (R12.1): the sandbox's interface — requests in, answers by idempotency key out
(billing/sandbox.py) — on Stripe's API, through its official library.

Every mutating call carries the request's business key (R8.8) as Stripe's `Idempotency-Key`: sent again
after a crash, it gets Stripe's first answer instead of moving money twice. Charges and the card check are
PaymentIntents on the card's PaymentMethod (its id is the token we keep): a charge is confirmed off
session; the card check authorizes with manual capture and is then cancelled (the void). Refunds act on
the PaymentIntent that took the money. Stripe's refusals read as the sandbox's failure codes, so the
pages, emails and dunning say the same whichever provider answered.
"""

import logging

import stripe

from billing.sandbox import (
    AUTHENTICATION_REQUIRED,
    DECLINED,
    EXPIRED,
    IDEMPOTENCY_CONFLICT,
    INSUFFICIENT_FUNDS,
    INVALID_NUMBER,
    Answer,
    Request,
)

logger = logging.getLogger(__name__)

# Stripe's `decline_code`, or its `code`, as the sandbox's failure codes; any other refusal is a decline.
CODES = {
    "insufficient_funds": INSUFFICIENT_FUNDS,
    "expired_card": EXPIRED,
    "incorrect_number": INVALID_NUMBER,
    "invalid_number": INVALID_NUMBER,
    "authentication_required": AUTHENTICATION_REQUIRED,
}


def failure_code(error: dict | None) -> str:
    """The sandbox's code for Stripe's error object (an API error's body, or `last_payment_error`)."""
    error = error or {}
    for code in (error.get("decline_code"), error.get("code")):
        if code in CODES:
            return CODES[code]
    return DECLINED


def _error_reference(error: dict | None) -> str:
    """The PaymentIntent (Stripe) or charge (localstripe) a refusal names, for the attempt's record."""
    error = error or {}
    intent = error.get("payment_intent") or {}
    return (intent.get("id") if isinstance(intent, dict) else intent) or error.get("charge") or ""


class StripeProvider:
    """`send` and (for reconciliation) `movements`, like billing.sandbox.SandboxProvider."""

    def __init__(self, *, api_key: str, api_base: str, http_client: stripe.HTTPClient | None = None):
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base}, http_client=http_client, max_network_retries=2
        )

    def send(self, requests: list[Request]) -> dict[str, Answer]:
        """Each request in turn, each under its own key. A request without an answer (Stripe unreachable,
        or an error that is not a refusal) is left out: its intent stays pending and is sent again."""
        answers = {}
        for request in requests:
            answer = self._answer(request)
            if answer is not None:
                answers[request.key] = answer
        return answers

    def _answer(self, request: Request) -> Answer | None:
        operation = getattr(self, f"_{request.operation}")
        try:
            return operation(request, {"idempotency_key": request.key})
        except stripe.CardError as refused:
            error = (refused.json_body or {}).get("error")
            return Answer(False, failure_code(error), _error_reference(error))
        except stripe.IdempotencyError:  # the key was used for another request: nothing moved
            return Answer(False, IDEMPOTENCY_CONFLICT)
        except stripe.StripeError:
            logger.exception("Stripe gave no answer to %s %s", request.operation, request.key)
            return None

    def _intent(self, request: Request, options: dict, **how) -> stripe.PaymentIntent:
        """A PaymentIntent for the request's amount on the card, confirmed at once."""
        customer = self.client.v1.payment_methods.retrieve(request.token).customer
        params = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "payment_method": request.token,
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": _metadata(request),
            **({"customer": customer} if customer else {}),
            **how,
        }
        return self.client.v1.payment_intents.create(params, options)

    def _charge(self, request: Request, options: dict) -> Answer:
        return _intent_answer(self._intent(request, options, off_session=True), "succeeded")

    def _authorize(self, request: Request, options: dict) -> Answer:
        """The card check (R8.4): authorized, never captured; the void cancels it."""
        return _intent_answer(self._intent(request, options, capture_method="manual"), "requires_capture")

    def _capture(self, request: Request, options: dict) -> Answer:
        intent = self.client.v1.payment_intents.capture(request.against, {}, options)
        return _intent_answer(intent, "succeeded")

    def _void(self, request: Request, options: dict) -> Answer:
        return _intent_answer(self.client.v1.payment_intents.cancel(request.against, {}, options), "canceled")

    def _refund(self, request: Request, options: dict) -> Answer:
        params = {"payment_intent": request.against, "amount": request.amount, "metadata": _metadata(request)}
        refund = self.client.v1.refunds.create(params, options)
        if refund.status in ("succeeded", "pending"):  # pending: Stripe has it, the bank pays it later
            return Answer(True, reference=refund.id)
        return Answer(False, DECLINED, refund.id)

    def payment_intent(self, reference: str) -> dict | None:
        """The PaymentIntent as Stripe has it now (the owner may have confirmed it since), or None when
        Stripe does not answer or knows no such intent."""
        try:
            return self.client.v1.payment_intents.retrieve(reference).to_dict()
        except stripe.StripeError:
            logger.exception("Stripe did not give the PaymentIntent %s", reference)
            return None

    def movements(self, *, since=None, references=None) -> list[dict]:
        raise NotImplementedError("Reconciliation with Stripe's ledger is not built yet (issue 20).")


def _metadata(request: Request) -> dict:
    """What lets Stripe's records be read against ours: the document and the business key."""
    return {"reference": request.reference, "key": request.key, "operation": request.operation}


def _intent_answer(intent: stripe.PaymentIntent, wanted: str) -> Answer:
    if intent.status == wanted:
        return Answer(True, reference=intent.id)
    if intent.status == "requires_action":
        return Answer(False, AUTHENTICATION_REQUIRED, intent.id)
    return Answer(False, failure_code(intent.to_dict().get("last_payment_error")), intent.id)
