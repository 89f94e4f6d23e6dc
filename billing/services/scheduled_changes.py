"""Scheduled changes taking effect (the billing clock, R9.1) or being withdrawn: by support staff (R4.11,
R5.8) or by the owner who scheduled them (R5.9)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing.clock import now_for
from billing.models import BillingEvent, Product, ScheduledChange, SubscriptionItem
from billing.money import format_day
from billing.schedule import due_no_later_than
from billing.selectors.cancellations import tier1_rule_applies
from billing.services.audit import billing_event_record
from billing.services.contracts import cancel_account_now

Kind = ScheduledChange.Kind

REINSTATE_PERMISSION = "billing.reinstate_scheduledchange"
NOT_ALLOWED_TO_REINSTATE = _("You need the permission to reinstate products and accounts.")
ALREADY_APPLIED = _("It already took effect on %(date)s: it can no longer be reinstated.")
ALREADY_REVOKED = _("It was already reinstated.")
TOO_LATE = _("Its effective date (%(date)s) has passed: it can no longer be reinstated.")
NOT_SPP = _("Only Zendesk Suite accounts on simplified pricing can be downgraded to Support only.")
NOT_ALLOWED_TO_CHANGE_ACCOUNTS = _("You need the permission to change accounts.")
DOWNGRADE_ALREADY_SCHEDULED = _("A downgrade is already scheduled for this account.")


@transaction.atomic(savepoint=False)  # part of the clock's per-account transaction
def scheduled_change_apply(pk: int, *, real_now: datetime | None = None) -> bool:
    """Apply one change if it is pending and due at its account's time; say whether it did."""
    change = (
        ScheduledChange.objects.select_for_update(of=("self",))
        .select_related("account", "item__product", "item__bundle")
        .get(pk=pk)
    )
    account = change.account
    now = now_for(account, real_now=real_now)
    if not change.is_pending or change.effective_at > now:
        return False
    before, after = _APPLY[change.kind](change)
    change.applied_at = now
    change.save(update_fields=["applied_at"])
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.SCHEDULED_CHANGE_APPLIED,
        by=None,
        summary=f"{change.get_kind_display()} took effect",
        before=before,
        after=after,
        now=now,
    )
    return True


def _end_item(change: ScheduledChange):
    item = change.item
    item.ended_at = change.effective_at
    item.save(update_fields=["ended_at"])
    before = {"product": item.product.code, "product_name": item.product.name, "seats": item.seats}
    return before, {"ended_at": change.effective_at.isoformat()}


def _end_suite_pricing(change: ScheduledChange):
    account = change.account
    suite = Product.objects.get(code=change.payload["suite"])
    unbundled = SubscriptionItem.objects.filter(subscription__account=account, bundle=suite, ended_at=None)
    products = list(unbundled.values_list("product__code", flat=True))
    unbundled.update(bundle=None)
    before_pricing = account.pricing
    account.pricing = Account.Pricing.STANDALONE
    account.save(update_fields=["pricing"])
    return {"pricing": before_pricing, "suite": suite.code}, {
        "pricing": account.pricing,
        "products": products,
    }


def _cancel_account(change: ScheduledChange):
    cancel_account_now(change.account, at=change.effective_at)
    return {"status": Account.Status.ACTIVE}, {
        "status": Account.Status.CANCELLED,
        "cancelled_at": change.effective_at.isoformat(),
    }


def _line_of(change: ScheduledChange):
    """The item, or every running item of its suite: a suite's seats and edition change together."""
    item = change.item
    if item.bundle_id is None:
        return SubscriptionItem.objects.filter(pk=item.pk)
    return SubscriptionItem.objects.filter(
        subscription_id=item.subscription_id, bundle_id=item.bundle_id, ended_at=None
    )


def _name(change: ScheduledChange) -> str:
    """The line's name for the billing history (R9.4): its suite's, or its product's."""
    item = change.item
    return item.bundle.name if item.bundle_id else item.product.name


def _set_seats(change: ScheduledChange):
    seats = change.payload["seats"]
    line = _line_of(change).filter(product__unit=Product.Unit.SEAT)
    before = max(line.values_list("seats", flat=True), default=0)
    line.update(seats=seats)
    return {"seats": before, "product_name": _name(change)}, {"seats": seats}


def _set_edition(change: ScheduledChange):
    before = change.item.edition
    _line_of(change).update(edition=change.payload["edition"])
    return {"edition": before, "product_name": _name(change)}, {"edition": change.payload["edition"]}


def _set_cycle(change: ScheduledChange):
    subscription = change.account.subscription
    before = subscription.cycle
    subscription.cycle = change.payload["cycle"]
    subscription.save(update_fields=["cycle"])
    return {"cycle": before}, {"cycle": subscription.cycle}


_APPLY = {
    Kind.SET_SEATS: _set_seats,
    Kind.SET_EDITION: _set_edition,
    Kind.SET_CYCLE: _set_cycle,
    Kind.REMOVE_ITEM: _end_item,
    Kind.END_SUITE_PRICING: _end_suite_pricing,
    Kind.CANCEL_ACCOUNT: _cancel_account,
}


# R5.9: who may schedule a removal or the account's cancellation may withdraw it (accounts/policy.py).
WITHDRAW_ACTIONS = {
    Kind.REMOVE_ITEM: policy.Action.REMOVE_PRODUCTS,
    Kind.CANCEL_ACCOUNT: policy.Action.CANCEL_ACCOUNT,
}


def _require_may_revoke(change: ScheduledChange, by, membership: Membership | None) -> None:
    """Support staff need the permission; a member (R5.9) what the policy asks of whoever schedules it."""
    if membership is None:
        if not by.has_perm(REINSTATE_PERMISSION):
            raise PermissionDenied(NOT_ALLOWED_TO_REINSTATE)
        return
    if membership.account_id != change.account_id or membership.user_id != by.pk:
        raise Http404("No such scheduled change.")
    if change.kind not in WITHDRAW_ACTIONS:
        raise PermissionDenied(NOT_ALLOWED_TO_REINSTATE)
    policy.require(membership, WITHDRAW_ACTIONS[change.kind])


@transaction.atomic
def scheduled_change_revoke(
    *, change: ScheduledChange, by, now: datetime, membership: Membership | None = None
) -> list[ScheduledChange]:
    """R4.11, R5.8: support staff reinstate a removed product or a cancelled account before the effective
    date; R5.9: so does the account's owner (`membership`, theirs: `by` is its user), held to the policy.
    What the removal brought with it (end of suite pricing, account cancellation) is withdrawn too when it
    no longer follows. Returns every change withdrawn."""
    _require_may_revoke(change, by, membership)
    change = (
        ScheduledChange.objects.select_for_update(of=("self",))
        .select_related("account", "item__product")
        .get(pk=change.pk)
    )
    # Both refusals name the effective date: the day it took effect, whenever the billing clock got to it
    # (`applied_at` is that later moment — a clock that ran ten days late is not the customer's date).
    effective = {"date": format_day(change.effective_at, "long")}
    if change.applied_at is not None:
        raise ValidationError(ALREADY_APPLIED, params=effective)
    if change.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    if now >= change.effective_at:
        raise ValidationError(TOO_LATE, params=effective)
    revoked = [change, *_consequences_no_longer_needed(change)]
    for each in revoked:
        each.revoked_at = now
        each.save(update_fields=["revoked_at"])
        billing_event_record(
            account=each.account,
            kind=BillingEvent.Kind.SCHEDULED_CHANGE_REVOKED,
            by=by,
            summary=f"{'Kept by the owner' if membership else 'Reinstated'}: {each.get_kind_display()}"
            + (f" ({each.item.product.name})" if each.item_id else ""),
            before={
                "kind": each.kind,
                "effective_at": each.effective_at.isoformat(),
                **({"product_name": each.item.product.name} if each.item_id else {}),
            },
            after={"revoked_at": now.isoformat(), **({"by_owner": True} if membership else {})},
            now=now,
        )
    return revoked


def _consequences_no_longer_needed(revoked: ScheduledChange) -> list[ScheduledChange]:
    """The derived changes of the account whose cause is gone once `revoked` is withdrawn."""
    pending = [
        c
        for c in ScheduledChange.objects.filter(account=revoked.account)
        .pending()
        .exclude(pk=revoked.pk)
        .select_related("item__product")
    ]
    removals = [c.item for c in pending if c.kind == Kind.REMOVE_ITEM]
    derived = [c for c in pending if c.payload.get("derived")]
    if revoked.kind != Kind.REMOVE_ITEM or not derived:
        return []
    items = list(
        SubscriptionItem.objects.filter(subscription__account=revoked.account, ended_at=None).select_related(
            "product"
        )
    )
    remaining = [i for i in items if i.pk not in {r.pk for r in removals}]
    still_cancels = not remaining or (
        tier1_rule_applies(revoked.account, len(items)) and not any(i.product.is_tier1 for i in remaining)
    )
    still_ends_suite = any(r.bundle_id for r in removals)
    return [
        c
        for c in derived
        if (c.kind == Kind.CANCEL_ACCOUNT and not still_cancels)
        or (c.kind == Kind.END_SUITE_PRICING and not still_ends_suite)
    ]


@transaction.atomic
def spp_downgrade_schedule(*, account: Account, by, now: datetime) -> list[ScheduledChange]:
    """R4.8: support staff downgrade a Zendesk Suite (SPP) account to Support only, at the end of the
    current period: the other Suite products end and Support is billed at its own list price."""
    if not by.has_perm("accounts.change_account"):
        raise PermissionDenied(NOT_ALLOWED_TO_CHANGE_ACCOUNTS)
    if account.pricing != Account.Pricing.SPP_SUITE:
        raise ValidationError(NOT_SPP)
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if ScheduledChange.objects.filter(account=account, kind=Kind.END_SUITE_PRICING).pending().exists():
        raise ValidationError(DOWNGRADE_ALREADY_SCHEDULED)
    subscription = account.subscription
    items = list(subscription.items.filter(ended_at=None).select_related("product", "bundle"))
    suite = next(i.bundle for i in items if i.bundle_id)
    common = {
        "account": account,
        "effective_at": subscription.current_period_end,
        "created_by": by,
        "created_at": now,
    }
    changes = [
        ScheduledChange.objects.create(
            kind=Kind.REMOVE_ITEM, item=i, payload={"product": i.product.code}, **common
        )
        for i in items
        if i.bundle_id and i.product.code != "support"
    ]
    changes.append(
        ScheduledChange.objects.create(kind=Kind.END_SUITE_PRICING, payload={"suite": suite.code}, **common)
    )
    due_no_later_than(account, subscription.current_period_end)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.SUITE_PRICING_END_SCHEDULED,
        by=by,
        summary=f"Downgrade to Support only from {subscription.current_period_end:%Y-%m-%d}",
        before={"products": [i.product.code for i in items]},
        after={"products": ["support"], "from": subscription.current_period_end.isoformat()},
        now=now,
    )
    return changes
