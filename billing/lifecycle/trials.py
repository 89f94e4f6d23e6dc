"""Trials that end (R5.4): converted when a card is on file, expired otherwise (README)."""

from datetime import UTC, datetime, time

from accounts.models import Account
from billing.models import BillingEvent, PaymentMethod, Subscription
from billing.services.audit import billing_event_record


def midnight(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def trial_end(account: Account, now: datetime) -> str:
    """A trial that ends converts when a card is on file (its first period is invoiced and charged at
    once: the renewal is due at the trial's end), and otherwise expires: nobody can sign in."""
    at = midnight(account.trial_ends_on)
    if PaymentMethod.objects.filter(account=account).exists():
        Account.objects.filter(pk=account.pk).update(trial_ends_on=None)
        Subscription.objects.filter(account=account).update(current_period_end=at)
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.TRIAL_CONVERTED,
            by=None,
            summary="Trial converted",
            now=at,
        )
        return "trial converted"
    Account.objects.filter(pk=account.pk).update(status=Account.Status.EXPIRED, cancelled_at=at)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.TRIAL_EXPIRED,
        by=None,
        summary="Trial expired without a card",
        now=at,
    )
    return "trial expired"
