"""Formatting money and dates for people, in their language, with Babel (one place, used by one filter).

Babel's locale data and date patterns are parsed once per language and style (`lru_cache`): they never change
while the process runs, and parsing them took more than half of each formatting (a page formats dozens)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import get_date_format
from babel.numbers import format_currency, get_currency_precision
from django.utils import timezone
from django.utils.translation import get_language, to_locale


@lru_cache(maxsize=16)
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


@lru_cache(maxsize=64)
def _date_pattern(style: str, code: str):
    return get_date_format(style, locale=_babel_locale(code))


def _locale() -> str:
    return to_locale(get_language() or "en")


def format_money(amount: int, currency: str) -> str:
    """1234 USD → "$12.34" in English, "12,34 $US" in French; 123456 EUR → "1 234,56 €" in French."""
    exponent = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-exponent), currency, locale=_babel_locale(_locale()))


def format_day(value: date | datetime, style: str = "medium") -> str:
    """A calendar day; billing days are UTC days, whatever the reader's time zone."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if timezone.is_aware(value) else value.date()
    code = _locale()
    return _date_pattern(style, code).apply(value, _babel_locale(code))
