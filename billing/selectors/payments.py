"""Billing › Payment (R8.4): the card on file, the latest calls to the payment provider, and the payment
being chased (R8.5)."""

from accounts.models import Account
from billing.models import DunningCase, PaymentAttempt, PaymentMethod


def card_of(account: Account) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(account=account).first()


def recent_payment_attempts(account: Account, limit: int = 10):
    return PaymentAttempt.objects.filter(account=account)[:limit]


def live_dunning_case(account: Account) -> DunningCase | None:
    """The payment being chased (open, or suspended for non-payment), if any."""
    live = [DunningCase.Status.OPEN, DunningCase.Status.SUSPENDED]
    return DunningCase.objects.filter(account=account, status__in=live).select_related("invoice").first()
