"""The only module that talks to a payment provider (R8.4, R8.8).

One interface — tokenize, authorize, void, capture, charge, refund — every money call carrying an
idempotency key, and every call recorded as a PaymentAttempt: calling again with the same key returns the
recorded result instead of moving money twice, and the provider itself (billing/sandbox.py, outside our
database) answers a key it has seen with its first answer. The sandbox's test card numbers decide outcomes.
Card numbers never leave this module: only the token, brand, last 4 digits and expiry are returned and stored.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction

from billing import sandbox
from billing.models import PaymentAttempt
from billing.sandbox import DECLINED, EXPIRED, INSUFFICIENT_FUNDS, INVALID_NUMBER, IdempotencyConflict

Operation = PaymentAttempt.Operation
__all__ = ["DECLINED", "EXPIRED", "INSUFFICIENT_FUNDS", "INVALID_NUMBER", "IdempotencyConflict"]


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


provider = sandbox.SandboxProvider()


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


def call(
    operation: str,
    *,
    account,
    token: str,
    amount: int,
    currency: str,
    key: str,
    now: datetime,
    invoice=None,
    reference: str = "",
    against: str = "",
) -> PaymentAttempt:
    """Run one gateway operation once per key and record it. A second call with the same key returns the
    first attempt, whatever happened in between (a crash, a double click, a retry). `reference` is ours (the
    invoice's or credit note's number, the quote's key); `against`, the provider's reference of the operation
    a void or a refund acts on."""
    existing = PaymentAttempt.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if operation in (Operation.CHARGE, Operation.CAPTURE):
        ensure_chargeable(account)
    request = sandbox.Request(operation, key, amount, currency, token, reference or key, against)
    result = provider.send([request])[key]
    try:
        with transaction.atomic():
            return PaymentAttempt.objects.create(
                account=account,
                invoice=invoice,
                operation=operation,
                amount=amount,
                currency=currency,
                idempotency_key=key,
                succeeded=result.succeeded,
                failure_code=result.failure_code,
                reference=result.reference,
                created_at=now,
            )
    except IntegrityError:  # the same key recorded by a racing call: theirs is the answer
        return PaymentAttempt.objects.get(idempotency_key=key)


@dataclass(frozen=True)
class ChargeRequest:
    account: object
    invoice: object
    token: str
    amount: int
    currency: str
    key: str
    at: datetime


def charge_many(requests: list[ChargeRequest]) -> dict[str, PaymentAttempt]:
    """Charge many invoices at once (the billing clock's renewals), with the same guarantees as `call`:
    one attempt per key, recorded; a key already recorded returns its attempt without calling again."""
    known = {
        a.idempotency_key: a
        for a in PaymentAttempt.objects.filter(idempotency_key__in=[r.key for r in requests])
    }
    pending = [request for request in requests if request.key not in known]
    for request in pending:
        ensure_chargeable(request.account)
    answers = provider.send(
        [
            sandbox.Request(
                Operation.CHARGE,
                r.key,
                r.amount,
                r.currency,
                r.token,
                r.invoice.number if r.invoice else r.key,
            )
            for r in pending
        ]
    )
    new = []
    for request in pending:
        result = answers[request.key]
        new.append(
            PaymentAttempt(
                account=request.account,
                invoice=request.invoice,
                operation=Operation.CHARGE,
                amount=request.amount,
                currency=request.currency,
                idempotency_key=request.key,
                succeeded=result.succeeded,
                failure_code=result.failure_code,
                reference=result.reference,
                created_at=request.at,
            )
        )
    PaymentAttempt.objects.bulk_create(new)
    return {**known, **{a.idempotency_key: a for a in new}}
