"""The append-only billing history (R9.3)."""

from datetime import datetime

from accounts.models import Account
from billing.models import BillingEvent

SYSTEM_ACTOR = "system"


def billing_event_record(**fields) -> BillingEvent:
    """Append one entry to the account's billing history (R9.3). There is no way to edit or delete it."""
    event = billing_event(**fields)
    event.save(force_insert=True)
    return event


def billing_event(
    *,
    account: Account,
    kind: str,
    by,
    summary: str,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    amount: int | None = None,
    idempotency_key=None,
) -> BillingEvent:
    """An entry of the billing history, not saved yet (the billing clock inserts them in bulk)."""
    return BillingEvent(
        account=account,
        kind=kind,
        actor=by,
        actor_label=by.email if by is not None else SYSTEM_ACTOR,
        summary=str(summary)[:300],
        before=before or {},
        after=after or {},
        amount=amount,
        currency=account.currency if amount is not None else "",
        occurred_at=now,
        idempotency_key=idempotency_key,
    )
