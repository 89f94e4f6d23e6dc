"""Billing › Billing history (R9.3)."""

from accounts.models import Account
from billing.models import BillingEvent


def billing_history(account: Account, kind: str | None = None):
    """Every billing event of the account, newest first, of one kind or all."""
    events = BillingEvent.objects.filter(account=account)
    return events.filter(kind=kind) if kind else events
