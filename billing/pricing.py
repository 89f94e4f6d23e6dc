"""Pure money arithmetic on integer minor units: no ORM, no floats.

Rounding rule (one for the whole product): every fraction of an amount — a percentage, a prorated part —
is rounded half up to the nearest minor unit, once, on the final amount, never on intermediate values.

Proration is by exact seconds: a change made with `remaining` seconds left in a period of `length` seconds
costs amount × remaining / length of the difference it makes to the period's total.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MONTHS_PER_PERIOD = {"monthly": 1, "annual": 12}
BASIS_POINTS = 10_000


def period_amount(*, unit_amount: int, quantity: int, cycle: str) -> int:
    """What `quantity` units at `unit_amount` per month cost for one billing period of `cycle`."""
    if unit_amount < 0 or quantity < 0:
        raise ValueError("Prices and quantities are never negative.")
    return unit_amount * quantity * MONTHS_PER_PERIOD[cycle]


def percentage_of(amount: int, basis_points: int) -> int:
    """`basis_points`/10 000 of `amount`, rounded half up (1000 bp = 10 %)."""
    if not 0 <= basis_points <= BASIS_POINTS:
        raise ValueError("A percentage is between 0 and 100 %.")
    return (amount * basis_points + BASIS_POINTS // 2) // BASIS_POINTS


def discount_amount(
    subtotal: int, *, percent_off_bp: int | None = None, amount_off: int | None = None
) -> int:
    """What one coupon takes off a subtotal: never more than the subtotal itself."""
    if percent_off_bp is not None:
        return percentage_of(subtotal, percent_off_bp)
    return min(subtotal, amount_off or 0)


def total_after_discounts(subtotal: int, discounts: Iterable[int]) -> int:
    """Discounts are each computed on the subtotal and added up; the total never goes below zero."""
    return max(0, subtotal - sum(discounts))


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_end(start: datetime, cycle: str) -> datetime:
    return add_months(start, MONTHS_PER_PERIOD[cycle])


@dataclass(frozen=True)
class QuoteItem:
    """One product of a subscription, as plain values. `bundle` is the suite it is priced in, if any."""

    key: int
    product: int
    edition: str
    quantity: int  # seats, or 1 for products priced per account
    bundle: int | None = None


@dataclass(frozen=True)
class Coupon:
    percent_off_bp: int | None = None
    amount_off: int | None = None


@dataclass(frozen=True)
class Quote:
    lines: dict[int, int | None]  # item key → amount per period; None when included in a suite
    suites: dict[int, int]  # suite product → amount per period
    subtotal: int
    discounts: list[int]
    total: int


def quote(
    items: Iterable[QuoteItem],
    unit_amounts: Mapping[tuple[int, str], int],
    *,
    cycle: str,
    coupons: Iterable[Coupon] = (),
    suite_pricing: bool = True,
) -> Quote:
    """What a subscription costs per period. Items of one suite are priced once, as the suite, at the
    largest seat count among them; without `suite_pricing` every item is priced at its own list price (R4.6).
    A missing price raises KeyError: billing never guesses."""
    lines: dict[int, int | None] = {}
    suite_seats: dict[int, tuple[str, int]] = {}
    for item in items:
        if item.bundle is not None and suite_pricing:
            lines[item.key] = None
            edition, seats = suite_seats.get(item.bundle, (item.edition, 0))
            suite_seats[item.bundle] = (edition, max(seats, item.quantity))
        else:
            unit = unit_amounts[(item.product, item.edition)]
            lines[item.key] = period_amount(unit_amount=unit, quantity=item.quantity, cycle=cycle)
    suites = {
        suite: period_amount(unit_amount=unit_amounts[(suite, edition)], quantity=seats, cycle=cycle)
        for suite, (edition, seats) in suite_seats.items()
    }
    subtotal = sum(a for a in lines.values() if a is not None) + sum(suites.values())
    discounts = [
        discount_amount(subtotal, percent_off_bp=c.percent_off_bp, amount_off=c.amount_off) for c in coupons
    ]
    return Quote(lines, suites, subtotal, discounts, total_after_discounts(subtotal, discounts))


EDITION_ORDER = ["team", "growth", "professional", "enterprise"]
DAYS_PER_MONTH_FOR_TEMPORARY_SEATS = 30


def fraction_of(amount: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded half up; 0 ≤ numerator ≤ denominator."""
    if denominator <= 0 or not 0 <= numerator <= denominator:
        raise ValueError("A fraction between 0 and 1 is expected.")
    return (amount * numerator * 2 + denominator) // (denominator * 2)


def prorate(amount: int, *, now: datetime, period_start: datetime, period_end: datetime) -> int:
    """The part of a period's `amount` still to run from `now` to the end of the period (by seconds)."""
    length = int((period_end - period_start).total_seconds())
    remaining = int((period_end - max(now, period_start)).total_seconds())
    return fraction_of(amount, max(0, min(remaining, length)), length)


def charge_for_increase(
    *, total_before: int, total_after: int, now: datetime, start: datetime, end: datetime
) -> int:
    """What a change made now costs until the end of the period: the prorated increase of the total
    (after discounts). A change that lowers the total charges nothing now and refunds nothing."""
    return prorate(max(0, total_after - total_before), now=now, period_start=start, period_end=end)


def temporary_seats_charge(*, unit_amount: int, seats: int, days: int) -> int:
    """Temporary seats cost the monthly seat price per 30 days, by the day, rounded half up."""
    if seats < 0 or days < 0:
        raise ValueError("Seats and days are never negative.")
    return (unit_amount * seats * days * 2 + DAYS_PER_MONTH_FOR_TEMPORARY_SEATS) // (
        DAYS_PER_MONTH_FOR_TEMPORARY_SEATS * 2
    )


def is_upgrade(old_edition: str, new_edition: str) -> bool:
    return EDITION_ORDER.index(new_edition) > EDITION_ORDER.index(old_edition)


FULL_REFUND_DAYS = 30  # R7.3: a full refund within the first 30 days of service


def termination_refund(
    *,
    paid: int,
    term_start: datetime,
    term_end: datetime,
    at: datetime,
    service_started_at: datetime,
    fee: int = 0,
    refunds: bool = True,
) -> int:
    """R7.3: what an early termination at `at` refunds of a prepaid term: everything within the first 30
    days of service; after that the unused part (by seconds, rounded half up) minus the early termination
    fee; never below zero, never more than was paid."""
    if not refunds or paid <= 0:
        return 0
    if at - service_started_at < timedelta(days=FULL_REFUND_DAYS):
        return paid
    unused = prorate(paid, now=at, period_start=term_start, period_end=term_end)
    return max(0, unused - fee)


def notice_in_time(*, notice_received: date, term_end: datetime, notice_days: int) -> bool:
    """R7.2: notice counts when received at least `notice_days` days before the end of the term."""
    return (term_end.date() - notice_received).days >= notice_days
