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
