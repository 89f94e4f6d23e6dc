"""The upcoming invoice (R3.6, R6.5): what the next renewal will invoice — its date, lines, tax and total —
with every scheduled change that takes effect by then applied. One function behind every figure: the
Subscription page's "Next invoice", the previews' "next invoice before → after", and the renewal invoice
itself (billing.lifecycle.renewals), so that what a page says is what the next invoice charges.

The scheduled changes are applied in memory, to copies, exactly as billing.services.scheduled_changes applies
them to the database: in the order the clock applies them (effective date, then kind, then id)."""

import copy
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Account
from billing import pricing, tax
from billing.models import Discount, Product, ScheduledChange, Subscription, SubscriptionItem
from billing.selectors.catalog import price_table
from billing.selectors.prices import discount_applies, price_items

Kind = ScheduledChange.Kind
# Within one moment: the Manage page's changes, then products end, then suite pricing, then the account.
KIND_ORDER = {
    Kind.SET_SEATS: 0,
    Kind.SET_EDITION: 0,
    Kind.SET_CYCLE: 0,
    Kind.REMOVE_ITEM: 1,
    Kind.END_SUITE_PRICING: 2,
    Kind.CANCEL_ACCOUNT: 3,
}


def in_the_clocks_order(changes) -> list:
    return sorted(changes, key=lambda c: (c.effective_at, KIND_ORDER[c.kind], c.pk or 0))


@dataclass(frozen=True)
class LineSpec:
    description: str
    unit_amount: int
    quantity: int = 1
    basis: int | None = None  # a discount's: the subtotal its percentage is taken of
    period_start: datetime | None = None  # None: the invoice's period
    period_end: datetime | None = None

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity


@dataclass
class Projection:
    """The subscription as it will stand at a moment: its cycle and running items (copies, never saved)."""

    cycle: str
    items: list[SubscriptionItem]
    cancelled: bool = False
    applied: list = field(default_factory=list)  # the scheduled changes taken into account


def projection(
    subscription: Subscription, items: list[SubscriptionItem], changes, *, at: datetime
) -> Projection:
    """`items` (running, with their product and suite) once every change in `changes` effective by `at`
    has taken effect — what billing.services.scheduled_changes will have written by then."""
    projected = Projection(subscription.cycle, [copy.copy(item) for item in items])
    for change in in_the_clocks_order(c for c in changes if c.effective_at <= at):
        projected.applied.append(change)
        if change.kind == Kind.CANCEL_ACCOUNT:
            projected.cancelled, projected.items = True, []
        elif change.kind == Kind.REMOVE_ITEM:
            projected.items = [i for i in projected.items if i.pk != change.item_id]
        elif change.kind == Kind.END_SUITE_PRICING:
            suite = change.payload["suite"]
            for item in projected.items:
                if item.bundle is not None and item.bundle.code == suite:
                    item.bundle, item.bundle_id = None, None
        elif change.kind == Kind.SET_CYCLE:
            projected.cycle = change.payload["cycle"]
        elif change.kind == Kind.SET_SEATS:
            for item in _line_of(projected.items, change.item_id):
                if item.product.unit == Product.Unit.SEAT:
                    item.seats = change.payload["seats"]
        elif change.kind == Kind.SET_EDITION:
            for item in _line_of(projected.items, change.item_id):
                item.edition = change.payload["edition"]
    return projected


def _line_of(items: list[SubscriptionItem], item_id: int) -> list[SubscriptionItem]:
    """The item, or every item of its suite: a suite's seats and edition change together."""
    item = next((i for i in items if i.pk == item_id), None)
    if item is None:
        return []
    if item.bundle_id is None:
        return [item]
    return [i for i in items if i.bundle_id == item.bundle_id]


@dataclass(frozen=True)
class UpcomingInvoice:
    """The next renewal's invoice as it stands now (R3.6)."""

    on: datetime  # the renewal: the next period's start, the invoice's date
    period_end: datetime
    cycle: str
    currency: str
    lines: list[LineSpec]
    subtotal: int
    tax_rate_bp: int
    tax: int
    total: int
    changes: list = field(default_factory=list)  # the scheduled changes it already counts

    @property
    def tax_percent(self) -> str:
        return f"{self.tax_rate_bp / 100:g}"


def upcoming_invoice(
    subscription: Subscription,
    items: list[SubscriptionItem],
    *,
    discounts: list[Discount],
    pending,
    prices: dict[tuple[int, str, str], int],
) -> UpcomingInvoice | None:
    """The invoice of the period that starts when the current one ends, with every pending change effective
    by then applied; None when nothing will be invoiced (the account ends, or no product is left).

    `items` are the running items with their product and suite; `discounts`, all of the subscription's (the
    ones running at the renewal count); `prices`, (product id, edition, cycle) → unit amount in the account's
    currency. A missing price raises MissingPrice: billing never guesses."""
    account, on = subscription.account, subscription.current_period_end
    projected = projection(subscription, items, pending, at=on)
    if projected.cancelled or not projected.items:
        return None
    running = [d for d in discounts if discount_applies(d, at=on, currency=account.currency)]
    renewed = copy.copy(subscription)
    renewed.cycle = projected.cycle
    lines = lines_for(renewed, projected.items, price_table(prices, projected.cycle), running)
    subtotal = sum(line.unit_amount * line.quantity for line in lines)
    decision = tax.decision_for(account)  # as the renewal will decide it, if nothing changes by then
    amount = pricing.percentage_of(subtotal, decision.rate_bp)
    return UpcomingInvoice(
        on=on,
        period_end=pricing.period_end(on, projected.cycle),
        cycle=projected.cycle,
        currency=account.currency,
        lines=lines,
        subtotal=subtotal,
        tax_rate_bp=decision.rate_bp,
        tax=amount,
        total=subtotal + amount,
        changes=projected.applied,
    )


def next_invoice(loaded, catalog, *, renews: bool = True) -> UpcomingInvoice | None:
    """R3.6: the upcoming invoice of a loaded subscription (billing.selectors.subscription); None when the
    contract ends without renewal or nothing is left to invoice."""
    if not renews or loaded.account.status != Account.Status.ACTIVE:
        return None
    return upcoming_invoice(
        loaded.subscription,
        loaded.items,
        discounts=loaded.every_discount,
        pending=loaded.pending,
        prices=catalog.prices,
    )


def lines_for(subscription: Subscription, items: list, table: dict, discounts: list) -> list[LineSpec]:
    """The invoice lines of one period, in the account's language: quantity × unit price per period — agent
    seats for products priced per seat (a suite counts its largest seat count), 1 for products priced per
    account — then each discount as a negative line. Pure over loaded objects, so the billing clock can batch
    renewals."""
    account = subscription.account
    quote = price_items(subscription, items, table, discounts=discounts)
    months = pricing.MONTHS_PER_PERIOD[subscription.cycle]
    with translation.override(account.language):
        per_seat, per_account = _("agent seat"), _("for the whole account")
        lines = []
        for suite_id, amount in quote.suites.items():
            head = next(i for i in items if i.bundle_id == suite_id)
            seats = max(i.seats for i in items if i.bundle_id == suite_id)
            unit = table[(suite_id, head.edition)] * months
            lines.append(
                _priced(f"{head.bundle.name} {head.edition_label} · {per_seat}", unit, seats, amount)
            )
        for item in items:
            amount = quote.lines[item.pk]
            if amount is None:  # priced in its suite
                continue
            unit = table[(item.product_id, item.edition)] * months
            name = f"{item.product.name} {item.edition_label}"
            if item.product.unit == Product.Unit.SEAT:
                lines.append(_priced(f"{name} · {per_seat}", unit, item.seats, amount))
            else:
                lines.append(_priced(f"{name} · {per_account}", unit, 1, amount))
        for discount, amount in zip(discounts, quote.discounts, strict=True):
            if amount:
                basis = quote.subtotal if discount.coupon.percent_off_bp is not None else None
                lines.append(LineSpec(str(discount.coupon.name), -amount, basis=basis))
    return lines


def _priced(description: str, unit: int, quantity: int, amount: int) -> LineSpec:
    if unit * quantity != amount:  # the quote and the lines price the same thing: they must agree
        raise ValueError(f"{description}: {quantity} × {unit} ≠ {amount}")
    return LineSpec(description, unit, quantity)
