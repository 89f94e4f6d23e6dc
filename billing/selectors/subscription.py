"""The Subscription page (R3) and the pricing of a subscription as it stands, for every page that shows it."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

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
from billing.selectors.contracts import contract_for


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
    contract: object = None

    @property
    def notice_deadline(self) -> datetime:
        """R7.1: the last day notice counts for the current term."""
        return self.subscription.current_period_end - timedelta(days=self.contract.notice_days)

    @property
    def currency(self) -> str:
        return self.account.currency


def quote_item(item: SubscriptionItem) -> pricing.QuoteItem:
    per_seat = item.product.unit == Product.Unit.SEAT
    return pricing.QuoteItem(
        key=item.pk,
        product=item.product_id,
        edition=item.edition,
        quantity=item.seats if per_seat else 1,
        bundle=item.bundle_id,
    )


def active_items(subscription: Subscription) -> list[SubscriptionItem]:
    """The items still running (prefetched by `subscription_with_items`)."""
    return list(subscription.items.all())


def subscription_with_items(account: Account, *, now: datetime) -> Subscription | None:
    """The subscription with its running items (with their product, and a suite's products when there is a
    suite) and the discounts running at `now`: 3 queries, 4 with a suite."""
    items = SubscriptionItem.objects.filter(ended_at__isnull=True).select_related("product", "bundle")
    discounts = Discount.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now)
    subscription = (
        Subscription.objects.filter(account=account)
        .prefetch_related(
            Prefetch("items", queryset=items),
            "items__bundle__components",
            Prefetch("discounts", queryset=discounts.select_related("coupon").order_by("id")),
        )
        .first()
    )
    if subscription is not None:
        subscription.account = account
    return subscription


def applicable_discounts(subscription: Subscription) -> list[Discount]:
    currency = subscription.account.currency
    return [
        d
        for d in subscription.discounts.all()
        if d.coupon.percent_off_bp is not None or d.coupon.currency == currency
    ]


def price_items(
    subscription: Subscription,
    items: list[SubscriptionItem],
    table: dict,
    *,
    suite_pricing: bool = True,
    discounts: list[Discount] | None = None,
) -> pricing.Quote:
    """Price the items with the subscription's current discounts (or the given ones)."""
    discounts = applicable_discounts(subscription) if discounts is None else discounts
    try:
        return pricing.quote(
            [quote_item(i) for i in items],
            table,
            cycle=subscription.cycle,
            coupons=[pricing.Coupon(d.coupon.percent_off_bp, d.coupon.amount_off) for d in discounts],
            suite_pricing=suite_pricing,
        )
    except KeyError as missing:
        raise MissingPrice(f"No {subscription.account.currency} price for {missing}") from None


def price_table_for(subscription: Subscription, items: list[SubscriptionItem]) -> dict[tuple[int, str], int]:
    """(product id, edition) → unit amount of the items' products and suites, in the subscription's cycle and
    currency: one query."""
    product_ids = {i.product_id for i in items} | {i.bundle_id for i in items if i.bundle_id}
    prices = Price.objects.filter(
        currency=subscription.account.currency, cycle=subscription.cycle, product__in=product_ids
    ).values_list("product_id", "edition", "unit_amount")
    return {(product, edition): amount for product, edition, amount in prices}


def subscription_overview(
    account: Account, *, now: datetime, with_requests_of=None
) -> SubscriptionOverview | None:
    """Everything the Subscription page shows (R3): rows, suites, discounts, totals, in 7 queries."""
    subscription = subscription_with_items(account, now=now)
    if subscription is None:
        return None
    items = active_items(subscription)
    pending = list(ScheduledChange.objects.filter(account=account).pending())
    ending_items = {c.item_id: c.effective_at for c in pending if c.kind == ScheduledChange.Kind.REMOVE_ITEM}
    cancellation = next((c for c in pending if c.kind == ScheduledChange.Kind.CANCEL_ACCOUNT), None)
    quote = price_items(subscription, items, price_table_for(subscription, items))
    rows = [
        ProductRow(
            item=item,
            amount=quote.lines[item.pk],
            shows_temporary_seats=bool(item.temporary_seats)
            and item.edition in EDITIONS_WITH_TEMPORARY_SEATS
            and item.product.unit == Product.Unit.SEAT,
            ends_on=ending_items.get(item.pk) or (cancellation.effective_at if cancellation else None),
        )
        for item in items
    ]
    first_of_suite = {}
    for item in items:
        if item.bundle_id:
            first_of_suite.setdefault(item.bundle_id, item)
    suites = [
        SuiteRow(
            suite=item.bundle,
            edition_label=item.get_edition_display(),
            seats=max(i.seats for i in items if i.bundle_id == suite_id),
            amount=quote.suites[suite_id],
            components=[c.name for c in item.bundle.components.all()],
        )
        for suite_id, item in first_of_suite.items()
    ]
    overview = SubscriptionOverview(
        account=account,
        subscription=subscription,
        payment_method=PaymentMethod.objects.filter(account=account).first(),
        rows=rows,
        suites=suites,
        discounts=[
            DiscountRow(discount=d, amount=a)
            for d, a in zip(applicable_discounts(subscription), quote.discounts, strict=True)
        ],
        subtotal=quote.subtotal,
        total=quote.total,
        pending_cancellation=cancellation,
        shows_costs=account.kind == Account.Kind.SELF_SERVICE,
        trial_ends_on=account.trial_ends_on,
        contract=contract_for(account),
    )
    if with_requests_of is not None:
        overview.change_requests = change_requests_of(account, with_requests_of)
    return overview


def change_requests_of(account: Account, user, limit: int = 10) -> list[SubscriptionChangeRequest]:
    """The requester's own requests and their status (R2.4)."""
    return list(SubscriptionChangeRequest.objects.filter(account=account, requested_by=user)[:limit])
