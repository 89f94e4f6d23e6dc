"""Changes to the subscription (R6.2, R6.3): previews signed with their moment, confirmations that apply
exactly what was previewed — once — and pending changes undone before they apply."""

import uuid
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import gateway
from billing.models import BillingEvent, Charge, ScheduledChange, SubscriptionItem
from billing.quotes import ChangeQuote, describe, quote_change
from billing.schedule import due_no_later_than
from billing.selectors.changes import ChangeKind, ChangeSpec, ChangeState, Line, change_state
from billing.services.audit import billing_event_record
from billing.services.collection import attempts_send, change_charge_invoice

QUOTE_SALT = "billing.quotes.change"
QUOTE_MAX_AGE_SECONDS = 15 * 60

BAD_QUOTE = _("This preview cannot be used. Preview the change again.")
EXPIRED_QUOTE = _("This preview is more than 15 minutes old. Preview the change again.")
STALE_QUOTE = _(
    "Prices or the billing period changed since this preview. Check the new preview and confirm again."
)
ALREADY_APPLIED = _("This change was already confirmed. Nothing more was changed or charged.")
NOT_UNDOABLE = _("This change already took effect or was undone.")


class StaleQuote(Exception):
    """The confirmation does not match what would be charged now: a new preview is attached."""

    def __init__(self, message, quote: ChangeQuote | None = None):
        super().__init__(str(message))
        self.quote = quote


class AlreadyApplied(Exception):
    pass


def _state(account: Account, now: datetime) -> ChangeState:
    state = change_state(account, now=now)
    if state is None:
        raise Http404("This account has no subscription.")
    return state


def subscription_change_preview(
    *, membership: Membership, spec: ChangeSpec, now: datetime, state: ChangeState | None = None
) -> tuple[ChangeQuote, str]:
    """R6.3: what the change does and costs, and the signed quote that confirming it needs. `state`: the
    Manage page's, when the caller has loaded it at `now` already."""
    quote = quote_change(state or _state(membership.account, now), spec, now=now)
    policy.require(membership, quote.action)
    return quote, quote_sign(membership.account, quote)


def _fingerprint(quote: ChangeQuote) -> dict:
    return {
        "end": quote.period_end.isoformat(),
        "charge": quote.charge_now,
        "total": quote.total_after,
    }


def quote_sign(account: Account, quote: ChangeQuote) -> str:
    """The preview as the confirmation needs it: its moment, its change and its figures, signed; valid for
    15 minutes. The Manage page and staff approving a change request sign the same way."""
    payload = {
        "account": account.pk,
        "key": str(uuid.uuid4()),
        "at": quote.quoted_at.isoformat(),
        "spec": quote.spec.to_json(),
        **_fingerprint(quote),
    }
    return signing.dumps(payload, salt=QUOTE_SALT, compress=True)


def quote_unsign(account: Account, signed: str) -> dict:
    try:
        payload = signing.loads(signed, salt=QUOTE_SALT, max_age=QUOTE_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise StaleQuote(EXPIRED_QUOTE) from None
    except signing.BadSignature:
        raise ValidationError(BAD_QUOTE) from None
    if payload.get("account") != account.pk:
        raise ValidationError(BAD_QUOTE)
    return payload


def subscription_change_confirm(*, membership: Membership, signed: str, now: datetime) -> ChangeQuote:
    """Apply a previewed change. Guarantees: the change and its charge equal the preview (recomputed at
    the preview's moment; any difference refuses it with a new preview); the policy is checked again; a
    quote is applied at most once (its key is unique in the billing history)."""
    account = membership.account
    payload = quote_unsign(account, signed)
    key = uuid.UUID(payload["key"])
    try:
        return _confirm(membership=membership, payload=payload, key=key, now=now)
    except IntegrityError:
        if BillingEvent.objects.filter(idempotency_key=key).exists():
            raise AlreadyApplied(str(ALREADY_APPLIED)) from None
        raise


@transaction.atomic
def _confirm(*, membership: Membership, payload: dict, key: uuid.UUID, now: datetime) -> ChangeQuote:
    account = Account.objects.select_for_update().get(pk=membership.account.pk)
    if BillingEvent.objects.filter(idempotency_key=key).exists():
        raise AlreadyApplied(str(ALREADY_APPLIED))
    state = _state(account, now)
    quote = quote_as_signed(state, payload, now=now)
    policy.require(membership, quote.action)
    subscription_change_apply(state=state, quote=quote, by=membership.user, key=key, now=now)
    return quote


def quote_as_signed(state: ChangeState, payload: dict, *, now: datetime) -> ChangeQuote:
    """The signed preview's quote, recomputed at the preview's moment: what it charges is what was shown,
    or StaleQuote (with a fresh preview) when prices, the period or the subscription changed since."""
    quote = quote_change(state, ChangeSpec.from_json(payload["spec"]), now=parse_datetime(payload["at"]))
    if _fingerprint(quote) != {k: payload[k] for k in ("end", "charge", "total")}:
        raise StaleQuote(STALE_QUOTE, quote_change(state, quote.spec, now=now))
    return quote


def subscription_change_apply(
    *, state: ChangeState, quote: ChangeQuote, by, key: uuid.UUID, now: datetime
) -> BillingEvent:
    """Apply a quote: now (with its charge) or as a change scheduled for the next period. Used by the Manage
    page and by support staff approving a change request. Runs in the caller's transaction; a charge is
    invoiced in it, and sent to the provider only after it commits (R8.8)."""
    spec = quote.spec
    line = state.line_of(spec.item) if spec.item else None
    before, after, kind = _APPLIERS[spec.kind](state, quote, line, by, now)
    # What the billing history tells the owner (R9.4): the line's name as it was then, and when a change
    # for the next period takes effect.
    if spec.item or spec.product:
        after["product_name"] = quote.subject
    if quote.effective_at:
        after["from"] = quote.effective_at.isoformat()
    event = billing_event_record(
        account=state.account,
        kind=kind,
        by=by,
        summary=_summary(quote),
        before=before,
        after=after,
        amount=quote.charge_now or None,
        now=now,
        idempotency_key=key,
    )
    if quote.charge_now:
        gateway.ensure_chargeable(state.account)
        charge = Charge.objects.create(
            account=state.account,
            amount=quote.charge_now,
            currency=quote.currency,
            description=describe(quote, state.account.language),
            event=event,
            created_at=now,
        )
        # Invoiced with the change, and the intent to charge it committed with them; the card is charged
        # once they are (R8.8). If that never happens (a crash), the billing clock sends the intent.
        attempt = change_charge_invoice(charge)
        if attempt is not None:
            transaction.on_commit(lambda: attempts_send([attempt]), robust=True)
    return event


def _summary(quote: ChangeQuote) -> str:
    spec = quote.spec
    details = {k: v for k, v in spec.to_json().items() if k not in ("kind", "item")}
    when = f"from {quote.effective_at:%Y-%m-%d}" if quote.effective_at else "now"
    return f"{spec.kind} {quote.subject} {details} {when}"[:300]


def _line_items(line: Line, **fields) -> None:
    for item in line.items:
        values = {k: v for k, v in fields.items() if k != "seats" or item.product.unit == "seat"}
        for name, value in values.items():
            setattr(item, name, value)
        item.save(update_fields=list(values))


def _schedule(state: ChangeState, quote: ChangeQuote, kind: str, item, payload: dict, by, now) -> None:
    due_no_later_than(state.account, quote.effective_at)
    ScheduledChange.objects.create(
        account=state.account,
        kind=kind,
        item=item,
        effective_at=quote.effective_at,
        payload=payload,
        created_by=by,
        created_at=now,
    )


def _apply_add_seats(state, quote, line, by, now):
    before = line.seats
    _line_items(line, seats=before + quote.spec.seats)
    return {"seats": before}, {"seats": before + quote.spec.seats}, BillingEvent.Kind.SEATS_ADDED


def _apply_remove_seats(state, quote, line, by, now):
    seats = line.seats - quote.spec.seats
    _schedule(state, quote, ScheduledChange.Kind.SET_SEATS, line.head, {"seats": seats}, by, now)
    return {"seats": line.seats}, {"seats": seats}, BillingEvent.Kind.SEATS_REDUCTION_SCHEDULED


def _apply_add_product(state, quote, line, by, now):
    spec = quote.spec
    product = next(p for p in state.products_for_sale if p.code == spec.product)
    seats = spec.seats if product.unit == "seat" else 1
    SubscriptionItem.objects.create(
        subscription=state.subscription, product=product, edition=spec.edition, seats=seats
    )
    return (
        {},
        {"product": product.code, "edition": spec.edition, "seats": seats},
        BillingEvent.Kind.PRODUCT_ADDED,
    )


def _apply_change_edition(state, quote, line, by, now):
    before = {"edition": line.edition}
    if quote.is_next_period:
        edition = quote.spec.edition
        _schedule(state, quote, ScheduledChange.Kind.SET_EDITION, line.head, {"edition": edition}, by, now)
        return before, {"edition": edition}, BillingEvent.Kind.EDITION_DOWNGRADE_SCHEDULED
    _line_items(line, edition=quote.spec.edition)
    return before, {"edition": quote.spec.edition}, BillingEvent.Kind.EDITION_UPGRADED


def _apply_change_cycle(state, quote, line, by, now):
    _schedule(state, quote, ScheduledChange.Kind.SET_CYCLE, None, {"cycle": quote.spec.cycle}, by, now)
    return (
        {"cycle": state.subscription.cycle},
        {"cycle": quote.spec.cycle},
        BillingEvent.Kind.CYCLE_CHANGE_SCHEDULED,
    )


def _apply_change_payment_type(state, quote, line, by, now):
    subscription = state.subscription
    before = subscription.payment_type
    subscription.payment_type = quote.spec.payment_type
    subscription.save(update_fields=["payment_type"])
    return (
        {"payment_type": before},
        {"payment_type": subscription.payment_type},
        BillingEvent.Kind.PAYMENT_TYPE_CHANGED,
    )


def _apply_extend_temporary(state, quote, line, by, now):
    item = line.temporary_item
    before = item.temporary_seats_end
    item.temporary_seats_end = quote.spec.until
    item.save(update_fields=["temporary_seats_end"])
    after = {"temporary_seats_end": quote.spec.until.isoformat(), "seats": item.temporary_seats}
    return {"temporary_seats_end": before.isoformat()}, after, BillingEvent.Kind.TEMPORARY_SEATS_EXTENDED


_APPLIERS = {
    ChangeKind.ADD_SEATS: _apply_add_seats,
    ChangeKind.REMOVE_SEATS: _apply_remove_seats,
    ChangeKind.ADD_PRODUCT: _apply_add_product,
    ChangeKind.CHANGE_EDITION: _apply_change_edition,
    ChangeKind.CHANGE_CYCLE: _apply_change_cycle,
    ChangeKind.CHANGE_PAYMENT_TYPE: _apply_change_payment_type,
    ChangeKind.EXTEND_TEMPORARY: _apply_extend_temporary,
}

UNDO_ACTION = {
    ScheduledChange.Kind.SET_SEATS: policy.Action.REMOVE_SEATS,
    ScheduledChange.Kind.SET_EDITION: policy.Action.DOWNGRADE_EDITION,
    ScheduledChange.Kind.SET_CYCLE: policy.Action.CHANGE_BILLING_CYCLE,
}


@transaction.atomic
def scheduled_change_undo(*, membership: Membership, change_id: int, now: datetime) -> ScheduledChange:
    """Undo a change scheduled on the Manage page before it applies. Removals and cancellations are not
    undone here: support staff reinstate them (R4.11, R5.8)."""
    change = (
        ScheduledChange.objects.select_for_update(of=("self",))
        .filter(account=membership.account, pk=change_id, kind__in=list(UNDO_ACTION))
        .first()
    )
    if change is None:
        raise Http404("No such pending change.")
    policy.require(membership, UNDO_ACTION[change.kind])
    if not change.is_pending or now >= change.effective_at:
        raise ValidationError(NOT_UNDOABLE)
    change.revoked_at = now
    change.save(update_fields=["revoked_at"])
    billing_event_record(
        account=membership.account,
        kind=BillingEvent.Kind.SCHEDULED_CHANGE_UNDONE,
        by=membership.user,
        summary=f"Undone: {change.get_kind_display()}",
        before={"kind": change.kind, **change.payload},
        after={"revoked_at": now.isoformat()},
        now=now,
    )
    return change
