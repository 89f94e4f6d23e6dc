"""The append-only billing history (R9.3): every change is an event, staff edits in the Django admin too."""

from datetime import datetime

from django.forms.models import model_to_dict

from accounts.models import Account
from billing.clock import now_for
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


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, int | float | bool | str | type(None)) else str(value)


def staff_edit_record(*, account, obj, form, by, created: bool) -> None:
    """Record what a staff member changed on `obj` (fields of the submitted form only)."""
    changed = list(form.changed_data)
    if not changed and not created:
        return
    before = {name: _jsonable(form.initial.get(name)) for name in changed} if not created else {}
    after = {name: _jsonable(value) for name, value in model_to_dict(obj, fields=changed).items()}
    verb = "added" if created else "changed"
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.STAFF_EDIT,
        by=by,
        summary=f"Staff {verb} {obj._meta.verbose_name} “{obj}”: {', '.join(changed) or '—'}",
        before=before,
        after=after,
        now=now_for(account),
    )
