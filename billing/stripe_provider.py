"""The Stripe payment provider (R12.1): the sandbox's interface — requests in, answers by idempotency key out
(billing/sandbox.py) — on Stripe's API, through its official library.

Every mutating call carries the request's business key (R8.8) as Stripe's `Idempotency-Key`: sent again
after a crash, it gets Stripe's first answer instead of moving money twice. Charges and the card check are
PaymentIntents on the card's PaymentMethod (its id is the token we keep): a charge is confirmed off
session; the card check authorizes with manual capture and is then cancelled (the void). Refunds act on
the PaymentIntent that took the money. Stripe's refusals read as the sandbox's failure codes, so the
pages, emails and dunning say the same whichever provider answered.

Stripe keeps a key 24 hours only: an intent older than that is not sent again blindly — `made` first asks
Stripe what it made under the key (gateway.send). `movements` reads Stripe's records as the sandbox's
ledger, for reconciliation (billing/stripe_ledger.py).
"""

import logging
from datetime import timedelta

import stripe

from billing.sandbox import AUTHENTICATION_REQUIRED, DECLINED, IDEMPOTENCY_CONFLICT, Answer, Request
from billing.stripe_ledger import StripeLedger, failure_code, intent_outcome

logger = logging.getLogger(__name__)
__all__ = ["AUTHENTICATION_REQUIRED", "StripeProvider", "failure_code"]
# What each operation's PaymentIntent looks like once done.
DONE = {"charge": "succeeded", "authorize": "requires_capture", "capture": "succeeded", "void": "canceled"}
MADE_AS_INTENTS = ("charge", "authorize")  # a PaymentIntent of their own, with our key in its metadata
NOT_MADE = object()  # `made`: Stripe has no object of the request

# Stripe's card brands, as the sandbox names them (billing.gateway) and the pages show them.
BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "diners": "Diners Club",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
}


def _error_reference(error: dict | None) -> str:
    """The PaymentIntent (Stripe) or charge (localstripe) a refusal names, for the attempt's record."""
    error = error or {}
    intent = error.get("payment_intent") or {}
    return (intent.get("id") if isinstance(intent, dict) else intent) or error.get("charge") or ""


class StripeProvider:
    """`send` and (for reconciliation) `movements`, like billing.sandbox.SandboxProvider; and `made`, what
    Stripe made under keys it may have forgotten."""

    keys_kept = timedelta(hours=24)  # Stripe's idempotency keys expire after 24 hours

    def __init__(self, *, api_key: str, api_base: str, http_client: stripe.HTTPClient | None = None):
        self.client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base}, http_client=http_client, max_network_retries=2
        )
        self.ledger = StripeLedger(self.client, api_base)

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
        except stripe.InvalidRequestError as refused:
            if refused.code == "resource_missing" or refused.http_status == 404:  # localstripe: no code
                # The card is gone (deleted, or a token from before a switch to Stripe): a refusal the
                # dunning chases and the owner answers with a new card — sending it again never helps.
                logger.warning("Stripe knows no %s for %s", refused.param or "object", request.key)
                return Answer(False, DECLINED)
            logger.exception("Stripe refused the request %s %s", request.operation, request.key)
            return None
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
        return _intent_answer(self._intent(request, options, off_session=True), DONE["charge"])

    def _authorize(self, request: Request, options: dict) -> Answer:
        """The card check (R8.4): authorized, never captured; the void cancels it."""
        return _intent_answer(self._intent(request, options, capture_method="manual"), DONE["authorize"])

    def _capture(self, request: Request, options: dict) -> Answer:
        intent = self.client.v1.payment_intents.capture(request.against, {}, options)
        return _intent_answer(intent, DONE["capture"])

    def _void(self, request: Request, options: dict) -> Answer:
        return _intent_answer(
            self.client.v1.payment_intents.cancel(request.against, {}, options), DONE["void"]
        )

    def _refund(self, request: Request, options: dict) -> Answer:
        params = {"payment_intent": request.against, "amount": request.amount, "metadata": _metadata(request)}
        return refund_answer(self.client.v1.refunds.create(params, options).to_dict())

    # The card field (Elements, R8.4): the account's Customer, a SetupIntent for the page, and the card the
    # owner confirmed in it. Each returns None when Stripe gave no answer.

    def customer_create(self, *, key: str, name: str, metadata: dict) -> str | None:
        params = {"name": name, "metadata": metadata}
        return self._asked(lambda: self.client.v1.customers.create(params, {"idempotency_key": key}).id)

    def setup_intent_create(self, *, customer: str, key: str) -> str | None:
        """A SetupIntent for a card kept for later charges made without the owner (off session): the secret
        Stripe.js confirms it with (it starts with the SetupIntent's id)."""
        params = {"customer": customer, "usage": "off_session", "payment_method_types": ["card"]}
        intent = self._asked(lambda: self.client.v1.setup_intents.create(params, {"idempotency_key": key}))
        return intent.client_secret if intent else None

    def setup_intent_card(self, setup_intent: str) -> dict | None:
        """The SetupIntent's status and customer, and its PaymentMethod's card ({} if Stripe knows no such
        SetupIntent, or it holds no card)."""

        def read() -> dict:
            try:
                intent = self.client.v1.setup_intents.retrieve(setup_intent)
            except stripe.InvalidRequestError:  # no such SetupIntent (a made-up or mistyped id)
                return {}
            if not intent.payment_method:
                return {}
            method = self.client.v1.payment_methods.retrieve(intent.payment_method)
            card = method.card
            return {
                "status": intent.status,
                "customer": intent.customer or "",
                "token": method.id,
                "brand": BRANDS.get(card.brand, "Card"),
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            }

        return self._asked(read)

    def _asked(self, call):
        try:
            return call()
        except stripe.StripeError:
            logger.exception("Stripe gave no answer about the card field")
            return None

    def payment_intent(self, reference: str) -> dict | None:
        """The PaymentIntent as Stripe has it now (the owner may have confirmed it since), or None when
        Stripe does not answer or knows no such intent."""
        try:
            return self.client.v1.payment_intents.retrieve(reference).to_dict()
        except stripe.StripeError:
            logger.exception("Stripe did not give the PaymentIntent %s", reference)
            return None

    def refunds_of(self, payment_intent: str) -> list[dict] | None:
        """The refunds of a PaymentIntent as Stripe has them now; None when Stripe does not answer."""
        try:
            return self.ledger.refunds_of(payment_intent)
        except stripe.StripeError:
            logger.exception("Stripe did not list the refunds of %s", payment_intent)
            return None

    def movements(self, *, since=None, references=None) -> list[dict]:
        """Stripe's PaymentIntents and Refunds of ours as ledger rows (billing/stripe_ledger.py)."""
        return self.ledger.movements(since=since, references=references)

    def made(self, requests: list[Request]) -> dict[str, Answer | None]:
        """What Stripe made under these requests' keys, for requests older than the keys it keeps: by key,
        the answer its object means — or None when it made one without an answer yet, or could not be
        asked (never sent again blindly). A request Stripe has no object of is left out: send it anew."""
        try:
            intents = self.ledger.intents_keyed([r.key for r in requests if r.operation in MADE_AS_INTENTS])
            found = {request.key: self._made(request, intents) for request in requests}
        except stripe.StripeError:
            logger.exception("Stripe could not say what it made under %s key(s)", len(requests))
            return dict.fromkeys((r.key for r in requests), None)
        return {key: answer for key, answer in found.items() if answer is not NOT_MADE}

    def _made(self, request: Request, intents: dict[str, dict]) -> Answer | None | object:
        if request.operation in MADE_AS_INTENTS:
            intent = intents.get(request.key)
            if intent is None or (intent["amount"], intent["currency"].upper()) != (
                request.amount,
                request.currency,
            ):
                return NOT_MADE  # none, or another deployment's under the same key (see provider_outcomes)
            return intent_answer(intent, request.operation)
        if request.operation == "refund":
            refund = self.ledger.refund_keyed(request.key, request.against)
            return NOT_MADE if refund is None else refund_answer(refund)
        # A void or capture acts on the authorization's PaymentIntent (its metadata is the authorization's):
        # made once the PaymentIntent reads so.
        intent = self.client.v1.payment_intents.retrieve(request.against)
        return Answer(True, reference=intent.id) if intent.status == DONE[request.operation] else NOT_MADE


def _metadata(request: Request) -> dict:
    """What lets Stripe's records be read against ours: the document and the business key."""
    return {"reference": request.reference, "key": request.key, "operation": request.operation}


def _intent_answer(intent: stripe.PaymentIntent, wanted: str) -> Answer:
    if intent.status == wanted:
        return Answer(True, reference=intent.id)
    if intent.status == "requires_action":
        return Answer(False, AUTHENTICATION_REQUIRED, intent.id)
    return Answer(False, failure_code(intent.to_dict().get("last_payment_error")), intent.id)


def intent_answer(intent: dict, operation: str) -> Answer | None:
    """The answer a PaymentIntent read later (the 24-hour guard's lookup, a webhook, the owner back from
    their bank) gives the request of `operation` that made it; None while Stripe is still at it."""
    outcome = intent_outcome(intent)
    if outcome == "succeeded" or intent["status"] == DONE.get(operation):
        return Answer(True, reference=intent["id"])
    if intent["status"] in ("processing", "requires_confirmation"):
        return None
    # Refused, waiting for the customer's authentication, or cancelled: no money moved.
    return Answer(False, outcome if outcome != intent["status"] else DECLINED, intent["id"])


def refund_answer(refund: dict) -> Answer:
    if refund["status"] in ("succeeded", "pending"):  # pending: Stripe has it, the bank pays it later
        return Answer(True, reference=refund["id"])
    return Answer(False, DECLINED, refund["id"])
