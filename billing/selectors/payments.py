"""Billing › Payment (R8.4): the card on file, the latest calls to the payment provider, and the payment
being chased (R8.5)."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import Account
from billing.event_words import payment_failure, payment_operation
from billing.models import DunningCase, PaymentAttempt, PaymentMethod


@dataclass(frozen=True)
class PaymentActivity:
    """A call to the provider as the owner reads it (R9.4): what, when, how much, and why it was refused —
    never its failure code, references or token (staff read those in the Django admin)."""

    created_at: datetime
    what: str
    amount: int
    currency: str
    status: str
    refusal: str


def card_of(account: Account) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(account=account).first()


def recent_payment_activity(account: Account, limit: int = 10) -> list[PaymentActivity]:
    """The latest calls to the provider, newest first, in words in the active language."""
    attempts = PaymentAttempt.objects.filter(account=account).select_related("invoice")[:limit]
    return [
        PaymentActivity(
            created_at=attempt.created_at,
            what=payment_operation(attempt),
            amount=attempt.amount,
            currency=attempt.currency,
            status=attempt.status,
            refusal=payment_failure(attempt.failure_code) if attempt.status == attempt.Status.FAILED else "",
        )
        for attempt in attempts
    ]


def live_dunning_case(account: Account) -> DunningCase | None:
    """The payment being chased (open, or suspended for non-payment), if any."""
    live = [DunningCase.Status.OPEN, DunningCase.Status.SUSPENDED]
    return DunningCase.objects.filter(account=account, status__in=live).select_related("invoice").first()
