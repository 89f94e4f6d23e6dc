"""The append-only billing history (R9.3)."""

from datetime import datetime

from accounts.models import Account
from billing.models import BillingEvent

SYSTEM_ACTOR = "system"


def billing_event_record(
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
    """Append one entry to the account's billing history (R9.3). There is no way to edit or delete it."""
    return BillingEvent.objects.create(
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
