"""R10.1: money and dates are formatted for the reader's language, through one filter."""

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from billing.money import format_day, format_money


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", 123456, "USD", "$1,234.56"),
        ("en", 123456, "EUR", "€1,234.56"),
        ("fr", 123456, "EUR", "1 234,56 €"),
        ("fr", 5, "USD", "0,05 $US"),
        ("en", 1000, "JPY", "¥1,000"),  # zero-decimal currency: minor unit = yen
        ("en", -12230, "USD", "-$122.30"),
    ],
)
def test_money_in_the_readers_language(language, amount, currency, expected):
    with translation.override(language):
        assert format_money(amount, currency).replace("\u202f", " ").replace("\xa0", " ") == expected


def test_days_in_the_readers_language_and_in_utc():
    late_evening_elsewhere = datetime(2026, 12, 11, 0, 30, tzinfo=UTC)
    with translation.override("fr"):
        assert format_day(late_evening_elsewhere, "long") == "11 décembre 2026"
    with translation.override("en"):
        assert format_day(date(2026, 12, 11)) == "Dec 11, 2026"
