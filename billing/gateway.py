"""The only module that talks to a payment provider (R8.4, R8.8).

One interface — tokenize, authorize, void, capture, charge, refund — and one way to call it: intent, call,
outcome (docs/payments.md). `intend` records a pending PaymentAttempt under an idempotency key made from the
business fact, in the caller's transaction; once it is committed, `send` asks the provider; `record` writes
the answer, in the transaction that also records what it means. The provider — billing/sandbox.py, or
billing/stripe_provider.py as settings choose (R12.1); outside our database — answers a key it has seen
with its first answer, so sending an intent again never moves money twice. Card numbers never leave this
module: only the token, brand, last 4 digits and expiry are kept. Under Stripe they never reach it: the card
is typed into Stripe's own field and read back from the SetupIntent it was confirmed in (`card_of_setup`).
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from billing import crash, sandbox
from billing.clock import now_for
from billing.models import PaymentAttempt
from billing.sandbox import DECLINED, EXPIRED, IDEMPOTENCY_CONFLICT, INSUFFICIENT_FUNDS, INVALID_NUMBER
from billing.services.rows import update_each

logger = logging.getLogger(__name__)
KEY_MARGIN = timedelta(hours=1)  # before the provider forgets a key: a request in flight, clocks apart
Operation, Status = PaymentAttempt.Operation, PaymentAttempt.Status
__all__ = ["DECLINED", "EXPIRED", "INSUFFICIENT_FUNDS", "INVALID_NUMBER"]


@dataclass(frozen=True)
class Card:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class NoChargeAfterCancellation(Exception):
    """R7.4: after a cancellation takes effect, nothing can be charged to the account any more."""


CLOSED_STATUSES = ("cancelled", "expired", "deleted")


def ensure_chargeable(account) -> None:
    """The one check every charging path goes through (invoices, card charges, prorated changes)."""
    if account.status in CLOSED_STATUSES:
        raise NoChargeAfterCancellation(f"{account} is {account.status}: nothing more can be charged.")


class CardRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    return (
        sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)) % 10 == 0
    )


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Card"


def chosen_provider():
    """The provider settings.PAYMENT_PROVIDER names (R12.1): the sandbox unless it says Stripe."""
    if settings.PAYMENT_PROVIDER == "stripe":
        # Imported only when chosen: the stripe library adds 0.2 s to every process that starts (the
        # billing clock, each child of the crash tests) and the sandbox has no use for it.
        from billing.stripe_provider import StripeProvider

        return StripeProvider(api_key=settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)
    return sandbox.SandboxProvider()


provider = chosen_provider()


def tokenize(*, number: str, exp_month: int, exp_year: int, today: date) -> Card:
    """The card as the sandbox keeps it: a token that carries the test outcome, never the number."""
    number = "".join(ch for ch in number if ch.isdigit())
    if not 13 <= len(number) <= 19 or not _luhn_ok(number):
        raise CardRefused(INVALID_NUMBER)
    if (exp_year, exp_month) < (today.year, today.month):
        raise CardRefused(EXPIRED)
    outcome = sandbox.OUTCOMES.get(number) or "ok"
    digest = hashlib.sha256(f"{number}:{exp_month}:{exp_year}".encode()).hexdigest()[:16]
    return Card(f"sandbox_{outcome}_{digest}", _brand(number), number[-4:], exp_month, exp_year)


# The card field of the provider (R8.4, R12.1): under Stripe, the owner types the card into Stripe's own
# field (Elements), confirms it in a SetupIntent made for the account's Customer, and only the SetupIntent's
# id reaches our server; the card's token is its PaymentMethod's id.


class ProviderSilent(Exception):
    """The provider gave no answer: nothing was set up."""


class CardSetupUnusable(Exception):
    """The SetupIntent is unknown, another customer's, or not confirmed: no card to keep from it."""


@dataclass(frozen=True)
class CardSetup:
    """What the page's card field needs: Stripe.js, the publishable key and the SetupIntent's secret."""

    client_secret: str
    publishable_key: str
    js_url: str


def card_field() -> bool:
    """Whether the card is typed into the provider's own field (Stripe) rather than our form (sandbox)."""
    return settings.PAYMENT_PROVIDER == "stripe"


def customer_create(*, key: str, name: str, account_id: int) -> str:
    """The account's customer at the provider, created under `key` (random, kept with the
    intent: billing.models.ProviderCustomer): its id."""
    created = provider.customer_create(key=key, name=name, metadata={"account": str(account_id)})
    if created is None:
        raise ProviderSilent
    return created


def card_setup_start(*, customer: str, key: str) -> CardSetup:
    """A SetupIntent for the customer's next card, kept for charges made without the owner (off session)."""
    client_secret = provider.setup_intent_create(customer=customer, key=key)
    if client_secret is None:
        raise ProviderSilent
    return CardSetup(client_secret, settings.STRIPE_PUBLISHABLE_KEY, settings.STRIPE_JS_URL)


def card_of_setup(setup_intent: str, *, customer: str) -> Card:
    """The card the owner confirmed in `setup_intent`, which must be the customer's and have succeeded."""
    found = provider.setup_intent_card(setup_intent)
    if found is None:
        raise ProviderSilent
    if not found or found["customer"] != customer or found["status"] != "succeeded":
        raise CardSetupUnusable(setup_intent)
    return Card(found["token"], found["brand"], found["last4"], found["exp_month"], found["exp_year"])


def intend(
    operation: str,
    *,
    account,
    key: str,
    amount: int,
    currency: str,
    now: datetime,
    invoice=None,
    token: str = "",
    against: str = "",
    card_last4: str = "",
) -> PaymentAttempt:
    """The intent of a call: a pending attempt, written in the caller's transaction — which must commit
    before the call is sent (`send`). The same key returns the attempt already recorded, answered or not.
    Nothing is charged after a cancellation took effect (R7.4)."""
    existing = PaymentAttempt.objects.filter(idempotency_key=key).first()
    if existing is not None:
        _same_intent(existing, operation, amount, currency, invoice)
        return existing
    if operation in (Operation.CHARGE, Operation.CAPTURE):
        ensure_chargeable(account)
    try:
        with transaction.atomic():
            return PaymentAttempt.objects.create(
                account=account,
                invoice=invoice,
                operation=operation,
                amount=amount,
                currency=currency,
                idempotency_key=key,
                token=token,
                against=against,
                card_last4=card_last4,
                created_at=now,
            )
    except IntegrityError:  # the same intent, recorded by a racing request: theirs is the one
        return PaymentAttempt.objects.get(idempotency_key=key)


class KeyReused(ValueError):
    """A key made from one business fact was built again for another: a bug in how the key is made."""


def _same_intent(existing: PaymentAttempt, operation: str, amount: int, currency: str, invoice) -> None:
    asked = (operation, amount, currency, invoice.pk if invoice is not None else None)
    if (existing.operation, existing.amount, existing.currency, existing.invoice_id) != asked:
        raise KeyReused(f"The key {existing.idempotency_key} was used for another payment.")


class CalledInsideTransaction(RuntimeError):
    """The provider was about to be called inside a transaction of ours that could still roll back."""


def send(attempts: list[PaymentAttempt]) -> dict[str, sandbox.Answer]:
    """Send the pending attempts to the provider, in one request, and return its answers by key. Never
    inside a transaction of ours: the intents must be committed first, and a rollback must not be able to
    forget money that moved (docs/payments.md). Record the answers with `record`."""
    # Django's TestCase (and pytest-django's `db`) wraps each test in atomic blocks it marks
    # `_from_testcase`; they stand for "no transaction" in production and are the only ones allowed.
    if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
        raise CalledInsideTransaction("Commit the intent before calling the payment provider.")
    crash.point("intent-committed")
    pending = [a for a in attempts if a.pending]
    requests = [request_of(a) for a in pending]
    answers = _made_before(pending, requests)
    fresh = [request for request in requests if request.key not in answers]
    answers = {key: answer for key, answer in answers.items() if answer is not None}
    answers.update(provider.send(fresh) if fresh else {})
    crash.point("provider-answered")
    return answers


def request_of(attempt: PaymentAttempt) -> sandbox.Request:
    return sandbox.Request(
        attempt.operation,
        attempt.idempotency_key,
        attempt.amount,
        attempt.currency,
        attempt.token,
        attempt.invoice.number if attempt.invoice_id else attempt.idempotency_key,
        attempt.against,
    )


def _made_before(attempts: list[PaymentAttempt], requests: list[sandbox.Request]) -> dict:
    """The 24-hour guard. A provider that forgets keys (Stripe: after 24 hours) would take an old intent
    sent again — left pending by a crash, or while it was down — for a new request, and move the money
    twice. So an intent not known to be younger than that, an hour to spare, is looked up first: what the
    provider made under its key is its answer (None: made, no answer yet — it stays pending); only what it
    has no record of is sent anew. The intent's moment is its `created_at` (on a test clock, the clock's:
    such intents are looked up every time, which costs a lookup and changes nothing)."""
    kept = provider.keys_kept
    if kept is None:
        return {}
    now = now_for()
    stale = [
        request
        for attempt, request in zip(attempts, requests, strict=True)
        if not now - (kept - KEY_MARGIN) <= attempt.created_at <= now
    ]
    if not stale:
        return {}
    found = provider.made(stale)
    for key in found:
        what = "waits for the provider" if found[key] is None else "answered from the provider's record"
        logger.warning("%s is older than the provider keeps keys: %s", key, what)
    return found


def refunds_of(payment_intent: str) -> list[dict] | None:
    """The provider's refunds of a PaymentIntent, as they stand now; None with a provider that has no such
    thing (the sandbox), or when the provider does not answer."""
    read = getattr(provider, "refunds_of", None)
    return read(payment_intent) if read is not None and payment_intent else None


def payment_intent(reference: str) -> dict | None:
    """The provider's PaymentIntent of that reference, as it stands now — the client secret with which the
    owner's browser confirms a payment their bank held, and its outcome once they did (R12.1). None with a
    provider that has no such thing (the sandbox), or when the provider does not answer."""
    read = getattr(provider, "payment_intent", None)
    return read(reference) if read is not None and reference else None


def unanswered(answer: sandbox.Answer | None) -> bool:
    """No answer, or a refusal of the request itself (not an outcome): the intent stays pending."""
    return answer is None or answer.failure_code == IDEMPOTENCY_CONFLICT


def record(attempts: list[PaymentAttempt], answers: dict[str, sandbox.Answer]) -> list[PaymentAttempt]:
    """Write the provider's answers on the attempts still pending, locked: when two processes send the same
    intent, one records it. Returns the attempts settled by this call, with their invoice and account, for
    the caller to record what each answer means in the same transaction. A request the provider refused as
    a reused key stays pending, logged: nothing moved, and what to do is a person's decision."""
    answered, answered_at = [], now_for()
    for attempt in attempts:
        answer = answers.get(attempt.idempotency_key)
        if answer is not None and answer.failure_code == IDEMPOTENCY_CONFLICT:
            logger.error(
                "The provider refused %s: its key was used for another request", attempt.idempotency_key
            )
        elif answer is not None:
            answered.append(attempt.pk)
    settled = list(
        PaymentAttempt.objects.select_for_update(of=("self",))
        .select_related("invoice", "account")
        .filter(pk__in=answered, status=Status.PENDING)
    )
    for attempt in settled:
        answer = answers[attempt.idempotency_key]
        attempt.status = Status.SUCCEEDED if answer.succeeded else Status.FAILED
        attempt.failure_code, attempt.reference = answer.failure_code, answer.reference
        attempt.answered_at = answered_at
    update_each(settled, ["status", "failure_code", "reference", "answered_at"])
    return settled
