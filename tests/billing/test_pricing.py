"""The pricing module's arithmetic: integer minor units, one rounding rule (half up), never negative."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import pricing

amounts = st.integers(min_value=0, max_value=10**12)
basis_points = st.integers(min_value=0, max_value=10_000)


def test_period_amount_per_cycle():
    assert pricing.period_amount(unit_amount=6900, quantity=12, cycle="monthly") == 82_800
    assert pricing.period_amount(unit_amount=11_900, quantity=8, cycle="annual") == 1_142_400


@pytest.mark.parametrize("bad", [{"unit_amount": -1, "quantity": 1}, {"unit_amount": 1, "quantity": -1}])
def test_period_amount_refuses_negative_values(bad):
    with pytest.raises(ValueError):
        pricing.period_amount(cycle="monthly", **bad)


@pytest.mark.parametrize(
    ("amount", "bp", "expected"),
    [(122_300, 1000, 12_230), (5, 1000, 1), (4, 1000, 0), (15, 5000, 8), (1, 5000, 1), (0, 10_000, 0)],
)
def test_percentage_rounds_half_up(amount, bp, expected):
    assert pricing.percentage_of(amount, bp) == expected


def test_percentage_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        pricing.percentage_of(100, 10_001)


@given(amounts, basis_points)
def test_a_percentage_never_exceeds_the_amount(amount, bp):
    assert 0 <= pricing.percentage_of(amount, bp) <= amount


@given(amounts, st.lists(st.tuples(basis_points, st.none()) | st.tuples(st.none(), amounts), max_size=4))
def test_discounts_never_make_a_total_negative_or_larger(subtotal, coupons):
    discounts = [pricing.discount_amount(subtotal, percent_off_bp=bp, amount_off=off) for bp, off in coupons]
    assert all(0 <= d <= subtotal for d in discounts)
    assert 0 <= pricing.total_after_discounts(subtotal, discounts) <= subtotal


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 1, 31, tzinfo=UTC), 1, datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2026, 11, 11, tzinfo=UTC), 1, datetime(2026, 12, 11, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
        (datetime(2026, 8, 13, tzinfo=UTC), 12, datetime(2027, 8, 13, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, end):
    assert pricing.add_months(start, months) == end


@given(
    # Hypothesis takes naive bounds and adds the time zone itself.
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    st.sampled_from(["monthly", "annual"]),
)
def test_a_period_always_ends_after_it_starts(start, cycle):
    assert pricing.period_end(start, cycle) > start


SUITE, SUPPORT, CHAT, GUIDE = 100, 1, 2, 3
TABLE = {
    (SUITE, "professional"): 14_900,
    (SUPPORT, "professional"): 6900,
    (CHAT, "professional"): 5000,
    (GUIDE, "professional"): 10_000,
}


def test_quote_prices_a_suite_once_and_its_products_as_included():
    items = [
        pricing.QuoteItem(1, SUPPORT, "professional", 8, SUITE),
        pricing.QuoteItem(2, CHAT, "professional", 8, SUITE),
        pricing.QuoteItem(3, GUIDE, "professional", 1, SUITE),
    ]
    quote = pricing.quote(items, TABLE, cycle="monthly")
    assert quote.lines == {1: None, 2: None, 3: None}
    assert quote.suites == {SUITE: 8 * 14_900} and quote.total == 119_200


def test_r4_6_without_suite_pricing_each_product_is_at_its_list_price():
    items = [
        pricing.QuoteItem(1, SUPPORT, "professional", 8, SUITE),
        pricing.QuoteItem(3, GUIDE, "professional", 1, SUITE),
    ]
    quote = pricing.quote(items, TABLE, cycle="annual", suite_pricing=False)
    assert quote.lines == {1: 8 * 6900 * 12, 3: 10_000 * 12} and quote.suites == {}


def test_quote_refuses_to_guess_a_missing_price():
    with pytest.raises(KeyError):
        pricing.quote([pricing.QuoteItem(1, 999, "team", 1)], TABLE, cycle="monthly")


@given(
    st.lists(
        st.tuples(st.sampled_from([SUPPORT, CHAT, GUIDE]), st.integers(0, 10_000), st.booleans()), max_size=8
    ),
    st.lists(st.tuples(st.none() | basis_points, amounts), max_size=3),
    st.sampled_from(["monthly", "annual"]),
)
def test_quote_totals_equal_the_sum_of_lines_minus_discounts(specs, coupons, cycle):
    items = [
        pricing.QuoteItem(n, p, "professional", q, SUITE if b else None) for n, (p, q, b) in enumerate(specs)
    ]
    quote = pricing.quote(
        items,
        TABLE,
        cycle=cycle,
        coupons=[pricing.Coupon(bp, None if bp is not None else off) for bp, off in coupons],
    )
    assert quote.subtotal == sum(a for a in quote.lines.values() if a) + sum(quote.suites.values())
    assert quote.total == max(0, quote.subtotal - sum(quote.discounts))
    assert 0 <= quote.total <= quote.subtotal


START = datetime(2026, 11, 11, tzinfo=UTC)
END = datetime(2026, 12, 11, tzinfo=UTC)
# Hypothesis takes naive bounds and adds the time zone itself.
NAIVE_FROM, NAIVE_TO = datetime(2026, 11, 1), datetime(2026, 12, 20)  # noqa: DTZ001
moments = st.datetimes(min_value=NAIVE_FROM, max_value=NAIVE_TO, timezones=st.just(UTC))


def test_proration_by_seconds_rounds_half_up():
    half_day_short = datetime(2026, 11, 21, 12, tzinfo=UTC)  # 19.5 of 30 days left
    assert (
        pricing.prorate(18_630, now=half_day_short, period_start=START, period_end=END) == 12_110
    )  # 12 109.5
    assert pricing.prorate(18_630, now=START, period_start=START, period_end=END) == 18_630
    assert pricing.prorate(18_630, now=END, period_start=START, period_end=END) == 0


@given(amounts, moments)
def test_proration_never_exceeds_the_full_period_price(amount, now):
    assert 0 <= pricing.prorate(amount, now=now, period_start=START, period_end=END) <= amount


@given(st.integers(0, 100_000), st.integers(1, 500), st.integers(1, 500), moments)
def test_adding_then_removing_seats_never_creates_money(unit, seats, added, now):
    """Adding charges the prorated increase; removing is from the next period and refunds nothing."""
    before, after = unit * seats, unit * (seats + added)
    charged = pricing.charge_for_increase(
        total_before=before, total_after=after, now=now, start=START, end=END
    )
    refunded = pricing.charge_for_increase(
        total_before=after, total_after=before, now=now, start=START, end=END
    )
    assert charged >= 0 and refunded == 0
    assert charged <= after - before


def test_temporary_seats_cost_the_monthly_price_per_30_days():
    assert pricing.temporary_seats_charge(unit_amount=6900, seats=5, days=10) == 11_500
    assert pricing.temporary_seats_charge(unit_amount=6900, seats=1, days=1) == 230
    assert pricing.temporary_seats_charge(unit_amount=100, seats=1, days=1) == 3  # 3.33… → 3
    assert pricing.temporary_seats_charge(unit_amount=45, seats=1, days=1) == 2  # 1.5 → 2 (half up)


def test_edition_order():
    assert pricing.is_upgrade("professional", "enterprise") and not pricing.is_upgrade("professional", "team")
