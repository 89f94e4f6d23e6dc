"""The Subscription page (R3) and the pricing of a subscription as it stands, for every page that shows it."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db.models import prefetch_related_objects

from accounts.models import Account
from billing.models import (
    EDITIONS_WITH_TEMPORARY_SEATS,
    Coupon,
    Discount,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    Subscription,
    SubscriptionChangeRequest,
    SubscriptionItem,
)
from billing.selectors.catalog import catalog_for
from billing.selectors.contracts import RenewalFacts, contract_for, renewal_facts
from billing.selectors.prices import discount_applies, price_items
from billing.selectors.rows import rows, table, tuples
from billing.selectors.upcoming import UpcomingInvoice, next_invoice


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
    next_invoice: UpcomingInvoice | None = None  # R3.6
    scheduled: list[ScheduledChange] = field(default_factory=list)  # R3.6: what changes, and when
    renewal: RenewalFacts | None = None  # R5.5, R7.1, R7.2: the renewal and notice dates that hold now

    @property
    def currency(self) -> str:
        return self.account.currency


@dataclass
class LoadedSubscription:
    """A subscription as it stands at one moment, with what every page that shows or prices it reads. Load it
    once per request (`load_subscription`) and hand it to the selectors that need it."""

    subscription: Subscription
    products: dict[int, Product]  # every product of the catalog, by id
    items: list[SubscriptionItem]  # running, with their product and suite (a suite with its products)
    discounts: list[Discount]  # running at that moment and valid in the account's currency
    pending: list[ScheduledChange]  # neither applied nor revoked; `item` is the running item
    every_discount: list[Discount] = field(default_factory=list)  # whenever they run: the renewal's count

    @property
    def account(self) -> Account:
        return self.subscription.account

    @property
    def cancellation(self) -> ScheduledChange | None:
        """The account's own cancellation, if one is scheduled."""
        return next((c for c in self.pending if c.kind == ScheduledChange.Kind.CANCEL_ACCOUNT), None)

    @property
    def ending_items(self) -> dict[int, datetime]:
        """Item id → the day its scheduled removal takes effect."""
        return {c.item_id: c.effective_at for c in self.pending if c.kind == ScheduledChange.Kind.REMOVE_ITEM}


def load_subscription(account: Account, *, now: datetime) -> LoadedSubscription | None:
    """The account's subscription at `now`: the subscription, its running items with their products (a
    suite with its products), the discounts running then in the account's currency, the pending changes."""
    subscriptions = rows(Subscription, "account_id = %s", account.pk)
    if not subscriptions:
        return None
    subscription = subscriptions[0]
    subscription.account = account  # the member's, with its test clock
    products = {product.pk: product for product in rows(Product, "1 = 1")}
    items = rows(SubscriptionItem, "subscription_id = %s AND ended_at IS NULL", subscription.pk)
    for item in items:
        item.product, item.bundle = products[item.product_id], products.get(item.bundle_id)
    items.sort(key=lambda item: (item.product.position, item.pk))
    prefetch_related_objects([i.bundle for i in items if i.bundle_id], "components")
    discounts = rows(Discount, "subscription_id = %s", subscription.pk)
    in_use = f"id IN (SELECT coupon_id FROM {table(Discount)} WHERE subscription_id = %s)"
    coupons = {coupon.pk: coupon for coupon in rows(Coupon, in_use, subscription.pk)}
    for discount in discounts:
        discount.coupon = coupons[discount.coupon_id]
    every_discount, discounts = (
        discounts,
        [d for d in discounts if discount_applies(d, at=now, currency=account.currency)],
    )
    pending = rows(
        ScheduledChange,
        "account_id = %s AND applied_at IS NULL AND revoked_at IS NULL",
        account.pk,
        order="effective_at, id",
    )
    by_id = {item.pk: item for item in items}
    for change in pending:
        if change.item_id in by_id:
            change.item = by_id[change.item_id]
    return LoadedSubscription(subscription, products, items, discounts, pending, every_discount)


def price_table_for(subscription: Subscription) -> dict[tuple[int, str], int]:
    """(product id, edition) → unit amount in the subscription's cycle and currency: one plain read."""
    sql = f"SELECT product_id, edition, unit_amount FROM {table(Price)} WHERE currency = %s AND cycle = %s"
    found = tuples(sql, subscription.account.currency, subscription.cycle)
    return {(product, edition): amount for product, edition, amount in found}


def next_invoice_of(account: Account, *, now: datetime) -> UpcomingInvoice | None:
    """R3.6: the account's upcoming invoice alone, for the previews that set it against their change."""
    loaded = load_subscription(account, now=now)
    if loaded is None:
        return None
    catalog = catalog_for(account.currency, products=loaded.products)
    return next_invoice(loaded, catalog, renews=contract_for(account).auto_renew)


def subscription_overview(
    account: Account, *, now: datetime, with_requests_of=None
) -> SubscriptionOverview | None:
    """Everything the Subscription page shows (R3): rows, suites, discounts, totals, the next invoice and
    the scheduled changes, in 5 queries (6 with a suite, 7 with the change requests of their author)."""
    loaded = load_subscription(account, now=now)
    if loaded is None:
        return None
    subscription, items = loaded.subscription, loaded.items
    ending_items, cancellation = loaded.ending_items, loaded.cancellation
    catalog = catalog_for(account.currency, products=loaded.products)
    quote = price_items(
        subscription, items, catalog.price_table(subscription.cycle), discounts=loaded.discounts
    )
    contract = contract_for(account)
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
            edition_label=item.edition_label,
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
            DiscountRow(discount=d, amount=a) for d, a in zip(loaded.discounts, quote.discounts, strict=True)
        ],
        subtotal=quote.subtotal,
        total=quote.total,
        pending_cancellation=cancellation,
        shows_costs=account.kind == Account.Kind.SELF_SERVICE,
        trial_ends_on=account.trial_ends_on,
        contract=contract,
        next_invoice=next_invoice(loaded, catalog, renews=contract.auto_renew),
        scheduled=loaded.pending,
        renewal=renewal_facts(
            account, subscription, contract, cancellation, today=now.astimezone(UTC).date()
        ),
    )
    if with_requests_of is not None:
        overview.change_requests = change_requests_of(account, with_requests_of)
    return overview


def change_requests_of(account: Account, user, limit: int = 10) -> list[SubscriptionChangeRequest]:
    """The requester's own requests and their status (R2.4)."""
    return list(SubscriptionChangeRequest.objects.filter(account=account, requested_by=user)[:limit])
