"""The Manage page's reads (R6): the subscription as product lines, the changes pending for the next period,
the list prices and the products on sale. Quotes are computed from it by `billing.quotes`."""

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from django.http import Http404

from accounts.models import Account, Membership
from billing.models import Discount, Edition, Product, ScheduledChange, Subscription, SubscriptionItem
from billing.money import UnitPrice
from billing.selectors.catalog import Catalog, catalog_for, price_table
from billing.selectors.rows import columns, table, tuples
from billing.selectors.subscription import LoadedSubscription, load_subscription


class ChangeKind(StrEnum):
    ADD_SEATS = "add_seats"
    REMOVE_SEATS = "remove_seats"
    ADD_PRODUCT = "add_product"
    CHANGE_EDITION = "change_edition"
    CHANGE_CYCLE = "change_cycle"
    CHANGE_PAYMENT_TYPE = "change_payment_type"
    EXTEND_TEMPORARY = "extend_temporary"


@dataclass(frozen=True)
class ChangeSpec:
    """One change asked for on the Manage page, as plain values (it travels signed inside the quote)."""

    kind: ChangeKind
    item: int | None = None  # the line's first item (a suite is one line)
    seats: int | None = None  # seats to add or remove; seats of a new product
    product: str | None = None
    edition: str | None = None
    cycle: str | None = None
    payment_type: str | None = None
    until: date | None = None

    def to_json(self) -> dict:
        data = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        if self.until:
            data["until"] = self.until.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ChangeSpec":
        data = dict(data)
        if data.get("until"):
            data["until"] = date.fromisoformat(data["until"])
        data["kind"] = ChangeKind(data["kind"])
        return cls(**data)


# The changes made on the Manage page that wait for the next period: listed with a way to undo them.
NEXT_PERIOD_KINDS = (
    ScheduledChange.Kind.SET_SEATS,
    ScheduledChange.Kind.SET_EDITION,
    ScheduledChange.Kind.SET_CYCLE,
)


@dataclass
class Line:
    """A product line of the subscription: one item, or every item of one suite."""

    items: list[SubscriptionItem]
    pending: list[ScheduledChange] = field(default_factory=list)
    ends_on: datetime | None = None
    unit_price: UnitPrice | None = None  # its edition's list price, in the account's currency and cycle

    @property
    def head(self) -> SubscriptionItem:
        return self.items[0]

    @property
    def name(self) -> str:
        return self.head.bundle.name if self.head.bundle_id else self.head.product.name

    @property
    def product(self) -> Product:
        return self.head.bundle if self.head.bundle_id else self.head.product

    @property
    def edition(self) -> str:
        return self.head.edition

    @property
    def per_seat(self) -> bool:
        return any(i.product.unit == Product.Unit.SEAT for i in self.items)

    @property
    def seats(self) -> int:
        return max(i.seats for i in self.items)

    @property
    def temporary_item(self) -> SubscriptionItem | None:
        return next((i for i in self.items if i.temporary_seats), None)


@dataclass
class ChangeState:
    account: Account
    subscription: Subscription
    lines: list[Line]
    scheduled: list[ScheduledChange]  # every pending change, removals and cancellation included
    discounts: list[Discount]  # running now, valid in the account's currency
    prices: dict[tuple[int, str, str], int]  # (product id, edition, cycle) → unit amount
    products_for_sale: list[Product]
    seats_in_use: int
    cancellation: ScheduledChange | None
    every_discount: list[Discount] = field(default_factory=list)  # whenever they run (the next invoice's)

    @property
    def items(self) -> list[SubscriptionItem]:
        return [i for line in self.lines for i in line.items]

    def line_of(self, item_id: int | None) -> Line:
        line = next((line for line in self.lines if item_id in {i.pk for i in line.items}), None)
        if line is None:
            raise Http404("No such product in this subscription.")
        return line

    @property
    def next_period_changes(self) -> list[ScheduledChange]:
        return [c for c in self.scheduled if c.kind in NEXT_PERIOD_KINDS]

    def table(self, cycle: str) -> dict[tuple[int, str], int]:
        return price_table(self.prices, cycle)

    def unit_price(self, product: Product, edition: str) -> UnitPrice | None:
        """The list price of `product` in `edition`, in the account's currency and billing cycle; None when
        it is not sold so."""
        cycle = self.subscription.cycle
        amount = self.prices.get((product.pk, edition, cycle))
        if amount is None:
            return None
        return UnitPrice(amount, self.account.currency, product.unit == Product.Unit.SEAT, cycle)

    @property
    def price_list(self) -> list[tuple[Product, list[UnitPrice | None]]]:
        """The products on sale with their price in each edition (Edition's order), for the Manage page."""
        return [
            (p, [self.unit_price(p, edition) for edition in Edition.values]) for p in self.products_for_sale
        ]


def change_state(
    account: Account,
    *,
    now: datetime,
    loaded: LoadedSubscription | None = None,
    catalog: Catalog | None = None,
) -> ChangeState | None:
    """Everything the Manage page and its quotes read: the subscription, the catalog in the account's
    currency (each loaded here unless given) and the seats in use."""
    loaded = loaded or load_subscription(account, now=now)
    if loaded is None:
        return None
    pending = loaded.pending
    lines: dict[object, Line] = {}
    for item in loaded.items:
        key = ("suite", item.bundle_id) if item.bundle_id else item.pk
        lines.setdefault(key, Line(items=[])).items.append(item)
    cancellation = loaded.cancellation
    for line in lines.values():
        ids = {i.pk for i in line.items}
        line.pending = [c for c in pending if c.item_id in ids and c.kind in NEXT_PERIOD_KINDS]
        removal = next(
            (c for c in pending if c.item_id in ids and c.kind == ScheduledChange.Kind.REMOVE_ITEM), None
        )
        ending = removal or cancellation
        line.ends_on = ending.effective_at if ending else None
    catalog = catalog or catalog_for(account.currency, products=loaded.products)
    active = {i.product_id for line in lines.values() for i in line.items}
    for_sale = sorted(
        (p for p in catalog.products.values() if p.kind != Product.Kind.SUITE and p.pk not in active),
        key=lambda p: (p.position, p.code),
    )
    state = ChangeState(
        account=account,
        subscription=loaded.subscription,
        lines=list(lines.values()),
        scheduled=pending,
        discounts=loaded.discounts,
        prices=catalog.prices,
        products_for_sale=for_sale,
        seats_in_use=seats_in_use(account),
        cancellation=cancellation,
        every_discount=loaded.every_discount,
    )
    for line in state.lines:
        line.unit_price = state.unit_price(line.product, line.edition)
    return state


def members_by_role(account: Account) -> list[Membership]:
    """The members the owner may make billing admins (R6.4), by role then `email` (one plain read)."""
    users = table(Membership.user.field.related_model)
    sql = (
        f"SELECT {columns(Membership, 'm')}, u.email AS email FROM {table(Membership)} m "
        f"JOIN {users} u ON u.id = m.user_id WHERE m.account_id = %s ORDER BY m.role, u.email"
    )
    return list(Membership.objects.raw(sql, [account.pk]))


def seats_in_use(account: Account) -> int:
    """Every member uses an agent seat (README: seats in use)."""
    ((count,),) = tuples(f"SELECT COUNT(*) FROM {table(Membership)} WHERE account_id = %s", account.pk)
    return count
