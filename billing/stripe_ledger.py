"""Stripe's records read as the sandbox's ledger (R8.8, R12.1): what reconciliation compares, and what the
24-hour guard looks up before an old intent is sent again.

Every PaymentIntent and Refund this app asks for carries our business key, our document's number and the
operation in its metadata (billing/stripe_provider.py); those are the movements. Objects without our key
were made by someone else (Stripe's dashboard, other software on the same account) and are not ours to
compare. A card check is one PaymentIntent and two movements: its authorization, and the void that
cancelled it.

Stripe itself filters lists by `created` and has a Search API. A stand-in at another address (localstripe,
for the tests: STRIPE_API_BASE) has neither: there the lists are read whole and filtered here — the same
answer, at a cost only a test's ledger can afford.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import stripe

from billing.sandbox import (
    AUTHENTICATION_REQUIRED,
    DECLINED,
    EXPIRED,
    INSUFFICIENT_FUNDS,
    INVALID_NUMBER,
    instant,
)

# Stripe's `decline_code`, or its `code`, as the sandbox's failure codes; any other refusal is a decline.
CODES = {
    "insufficient_funds": INSUFFICIENT_FUNDS,
    "expired_card": EXPIRED,
    "incorrect_number": INVALID_NUMBER,
    "invalid_number": INVALID_NUMBER,
    "authentication_required": AUTHENTICATION_REQUIRED,
}
STRIPE_API = "https://api.stripe.com"
CLAUSES = 10  # Stripe's search query combines at most 10 clauses
# Stripe cancels an authorization never captured after 7 days by itself: no void of ours.
CANCELLED_BY_STRIPE = "automatic"
CARD_CHECK = ("-authorize", "-void")  # the keys of a card check's two calls (billing/services/collection.py)


def failure_code(error: dict | None) -> str:
    """The sandbox's code for Stripe's error object (an API error's body, or `last_payment_error`)."""
    error = error or {}
    for code in (error.get("decline_code"), error.get("code")):
        if code in CODES:
            return CODES[code]
    return DECLINED


def intent_outcome(intent: dict) -> str:
    """What the PaymentIntent's state says of the request that made it: "succeeded", or the sandbox's
    failure code; any other state is named as Stripe names it (still in progress)."""
    status, error = intent.get("status"), intent.get("last_payment_error")
    authorized = status in ("requires_capture", "succeeded") or (
        status == "canceled" and intent.get("latest_charge") and not error  # authorized, then voided
    )
    if status == "succeeded" or (authorized and _operation(intent) == "authorize"):
        return "succeeded"
    if status == "requires_action":
        return AUTHENTICATION_REQUIRED
    return failure_code(error) if error else status


def _operation(intent: dict) -> str:
    operation = (intent.get("metadata") or {}).get("operation")
    return operation or ("authorize" if intent.get("capture_method") == "manual" else "charge")


def intent_movements(intent: dict) -> list[dict]:
    """One PaymentIntent of ours as movements: the charge or the authorization; an authorization's void
    (or capture) too once it happened."""
    metadata = intent.get("metadata") or {}
    if not metadata.get("key"):
        return []
    method = intent.get("payment_method") or ""
    movement = {
        "key": metadata["key"],
        "operation": _operation(intent),
        "amount": intent["amount"],
        "currency": intent["currency"].upper(),
        "token": method.get("id", "") if isinstance(method, dict) else method,
        "reference": metadata.get("reference", ""),
        "outcome": intent_outcome(intent),
        "provider_reference": intent["id"],
        "created_at": _instant(intent["created"]),
    }
    follow_up = _follow_up(intent)
    if movement["operation"] != "authorize" or movement["outcome"] != "succeeded" or follow_up is None:
        return [movement]
    operation, at = follow_up
    key = follow_up_key(movement["key"], operation)
    return [movement, {**movement, "key": key, "operation": operation, "created_at": _instant(at)}]


def _follow_up(intent: dict) -> tuple[str, int] | None:
    """The void or capture of an authorization, and when (Stripe does not say when it captured)."""
    if intent.get("status") == "canceled" and intent.get("cancellation_reason") != CANCELLED_BY_STRIPE:
        return "void", intent.get("canceled_at") or intent["created"]
    if intent.get("status") == "succeeded":
        return "capture", intent["created"]
    return None


def follow_up_key(key: str, operation: str) -> str:
    """The key our void of an authorization was sent under: Stripe keeps no key of a call that sets no
    metadata, so it is rebuilt the way the card check makes it (`card_check_void_intent`)."""
    authorize, void = CARD_CHECK
    if operation == "void" and key.endswith(authorize):
        return key.removesuffix(authorize) + void
    return f"{key}-{operation}"


def refund_movement(refund: dict) -> list[dict]:
    metadata = refund.get("metadata") or {}
    if not metadata.get("key"):
        return []
    made = refund.get("status") in ("succeeded", "pending")  # as the provider answered it
    return [
        {
            "key": metadata["key"],
            "operation": "refund",
            "amount": refund["amount"],
            "currency": refund["currency"].upper(),
            "token": "",
            "reference": metadata.get("reference", ""),
            "outcome": "succeeded" if made else DECLINED,
            "provider_reference": refund["id"],
            "created_at": _instant(refund["created"]),
        }
    ]


def _instant(timestamp: int) -> str:
    return instant(datetime.fromtimestamp(timestamp, UTC))


class StripeLedger:
    """Reads a Stripe account's PaymentIntents and Refunds, every page of them."""

    def __init__(self, client: stripe.StripeClient, api_base: str):
        self.client = client
        self.stand_in = api_base.rstrip("/") != STRIPE_API

    def movements(self, *, since: datetime | None = None, references: list[str] | None = None) -> list[dict]:
        """Like SandboxProvider.movements: all of them, those made since a moment (by Stripe's clock), or
        every movement of some documents; oldest first."""
        if references is not None:
            # Stripe's Search API does not cover refunds: their list is read whole (one per credit note).
            intents, refunds = (
                self._intents_with("reference", references),
                self._listed(self.client.v1.refunds),
            )
        else:
            intents = self._since(self.client.v1.payment_intents, since)
            refunds = self._since(self.client.v1.refunds, since)
        rows = [m for intent in intents for m in intent_movements(intent)]
        rows += [m for refund in refunds for m in refund_movement(refund)]
        if references is not None:
            wanted = set(references)
            rows = [m for m in rows if m["reference"] in wanted]
        return sorted(rows, key=lambda m: (m["created_at"], m["key"]))

    def intents_keyed(self, keys: list[str]) -> dict[str, dict]:
        """The PaymentIntents made under these keys of ours (metadata.key), by key."""
        return {_meta(intent, "key"): intent for intent in self._intents_with("key", keys)}

    def refunds_of(self, payment_intent: str) -> list[dict]:
        """Every refund of this PaymentIntent."""
        return list(self._listed(self.client.v1.refunds, {"payment_intent": payment_intent}))

    def refund_keyed(self, key: str, payment_intent: str) -> dict | None:
        """The refund of this PaymentIntent made under our key, if Stripe made it."""
        return next((r for r in self.refunds_of(payment_intent) if _meta(r, "key") == key), None)

    def _since(self, service, since: datetime | None) -> Iterable[dict]:
        if since is None:
            return self._listed(service)
        if self.stand_in:  # no `created` filter there: the whole list, filtered here
            moment = since.timestamp()
            return (o for o in self._listed(service) if o["created"] >= moment)
        return self._listed(service, {"created": {"gte": int(since.timestamp())}})

    def _intents_with(self, field: str, values: list[str]) -> Iterator[dict]:
        """Our PaymentIntents whose metadata `field` is one of `values`: Stripe's Search API, 10 values a
        query (a stand-in has none: its whole list, filtered here)."""
        wanted = set(values)
        if self.stand_in:
            yield from (i for i in self._listed(self.client.v1.payment_intents) if _meta(i, field) in wanted)
            return
        values = sorted(wanted)
        for start in range(0, len(values), CLAUSES):
            query = " OR ".join(
                f"metadata['{field}']:'{_quoted(v)}'" for v in values[start : start + CLAUSES]
            )
            found = self.client.v1.payment_intents.search({"query": query, "limit": 100})
            yield from (intent.to_dict() for intent in found.auto_paging_iter())

    @staticmethod
    def _listed(service, params: dict | None = None) -> Iterator[dict]:
        for item in service.list({**(params or {}), "limit": 100}).auto_paging_iter():
            yield item.to_dict()


def _meta(stripe_object: dict, field: str) -> str:
    return (stripe_object.get("metadata") or {}).get(field, "")


def _quoted(value: str) -> str:
    """A value inside a search query's single quotes (Stripe's query language escapes with a backslash)."""
    return value.replace("\\", "\\\\").replace("'", "\\'")
