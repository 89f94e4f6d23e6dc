"""Reads for billing pages, always scoped to one account, each costing a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, Q

from accounts.models import Account
from billing import pricing
from billing.models import (
    EDITIONS_WITH_TEMPORARY_SEATS,
    Discount,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    Subscription,
    SubscriptionChangeRequest,
    SubscriptionItem,
)


class MissingPrice(LookupError):
    """The catalog has no price for a product the account uses: a data error staff must fix."""


@dataclass(frozen=True)
class ProductRow:
    item: SubscriptionItem
    amount: int | None  # None when the item is priced as part of a suite
    shows_temporary_seats: bool
    ends_on: datetime | None


@dataclass(frozen=True)
class SuiteRow:
    suite: Product
    edition_label: str
    seats: int
    amount: int
    components: list[str]


@dataclass(frozen=True)
class DiscountRow:
    discount: Discount
    amount: int


@dataclass
class SubscriptionOverview:
    account: Account
    subscription: Subscription
    payment_method: PaymentMethod | None
    rows: list[ProductRow]
    suites: list[SuiteRow]
    discounts: list[DiscountRow]
    subtotal: int
    total: int
    pending_cancellation: ScheduledChange | None
    shows_costs: bool
    trial_ends_on: date | None = None
    change_requests: list[SubscriptionChangeRequest] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.account.currency


def subscription_for(account: Account) -> Subscription | None:
    return Subscription.objects.filter(account=account).first()


def _price_table(account: Account, subscription: Subscription, product_ids: set[int]) -> dict:
    prices = Price.objects.filter(
        product_id__in=product_ids, cycle=subscription.cycle, currency=account.currency
    ).values_list("product_id", "edition", "unit_amount")
    return {(product_id, edition): amount for product_id, edition, amount in prices}


def _unit_amount(table: dict, product: Product, edition: str) -> int:
    try:
        return table[(product.id, edition)]
    except KeyError:
        raise MissingPrice(f"No price for {product.code} {edition}") from None


def subscription_overview(
    account: Account, *, now: datetime, with_requests_of=None
) -> SubscriptionOverview | None:
    """Everything the Subscription page shows (R3): rows, suites, discounts, totals, in 7 queries."""
    subscription = (
        Subscription.objects.filter(account=account)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=SubscriptionItem.objects.filter(ended_at__isnull=True)
                .select_related("product", "bundle")
                .prefetch_related("bundle__components"),
            ),
            Prefetch(
                "discounts",
                queryset=Discount.objects.filter(
                    Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now
                )
                .select_related("coupon")
                .order_by("id"),
            ),
        )
        .first()
    )
    if subscription is None:
        return None
    subscription.account = account
    items = list(subscription.items.all())
    pending = list(ScheduledChange.objects.filter(account=account, applied_at=None, revoked_at=None))
    ending_items = {c.item_id: c.effective_at for c in pending if c.kind == ScheduledChange.Kind.REMOVE_ITEM}
    cancellation = next((c for c in pending if c.kind == ScheduledChange.Kind.CANCEL_ACCOUNT), None)

    table = _price_table(account, subscription, {i.product_id for i in items} | {i.bundle_id for i in items})
    rows, suites = [], {}
    for item in items:
        amount = None
        if item.bundle_id is None:
            amount = pricing.period_amount(
                unit_amount=_unit_amount(table, item.product, item.edition),
                quantity=item.seats if item.product.unit == Product.Unit.SEAT else 1,
                cycle=subscription.cycle,
            )
        else:
            suites.setdefault(item.bundle_id, item)
        rows.append(
            ProductRow(
                item=item,
                amount=amount,
                shows_temporary_seats=bool(item.temporary_seats)
                and item.edition in EDITIONS_WITH_TEMPORARY_SEATS
                and item.product.unit == Product.Unit.SEAT,
                ends_on=ending_items.get(item.id) or (cancellation.effective_at if cancellation else None),
            )
        )
    suite_rows = [
        SuiteRow(
            suite=item.bundle,
            edition_label=item.get_edition_display(),
            seats=item.seats,
            amount=pricing.period_amount(
                unit_amount=_unit_amount(table, item.bundle, item.edition),
                quantity=item.seats,
                cycle=subscription.cycle,
            ),
            components=[c.name for c in item.bundle.components.all()],
        )
        for item in suites.values()
    ]
    subtotal = sum(r.amount for r in rows if r.amount is not None) + sum(s.amount for s in suite_rows)
    discounts = [
        DiscountRow(
            discount=d,
            amount=pricing.discount_amount(
                subtotal, percent_off_bp=d.coupon.percent_off_bp, amount_off=d.coupon.amount_off
            ),
        )
        for d in subscription.discounts.all()
        if d.coupon.percent_off_bp is not None or d.coupon.currency == account.currency
    ]
    overview = SubscriptionOverview(
        account=account,
        subscription=subscription,
        payment_method=PaymentMethod.objects.filter(account=account).first(),
        rows=rows,
        suites=suite_rows,
        discounts=discounts,
        subtotal=subtotal,
        total=pricing.total_after_discounts(subtotal, (d.amount for d in discounts)),
        pending_cancellation=cancellation,
        shows_costs=account.kind == Account.Kind.SELF_SERVICE,
        trial_ends_on=account.trial_ends_on,
    )
    if with_requests_of is not None:
        overview.change_requests = change_requests_of(account, with_requests_of)
    return overview


def change_requests_of(account: Account, user, limit: int = 10) -> list[SubscriptionChangeRequest]:
    """The requester's own requests and their status (R2.4)."""
    return list(SubscriptionChangeRequest.objects.filter(account=account, requested_by=user)[:limit])


def pending_account_cancellation(account: Account) -> ScheduledChange | None:
    return ScheduledChange.objects.filter(
        account=account, kind=ScheduledChange.Kind.CANCEL_ACCOUNT, applied_at=None, revoked_at=None
    ).first()
