"""Formatting money and dates for people, in their language, with Babel (one place, used by one filter)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision
from django.utils import timezone
from django.utils.translation import get_language, to_locale


def _locale() -> str:
    return to_locale(get_language() or "en")


def format_money(amount: int, currency: str) -> str:
    """1234 USD → "$12.34" in English, "12,34 $US" in French; 123456 EUR → "1 234,56 €" in French."""
    exponent = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-exponent), currency, locale=_locale())


def format_day(value: date | datetime, style: str = "medium") -> str:
    """A calendar day; billing days are UTC days, whatever the reader's time zone."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format=style, locale=_locale())
