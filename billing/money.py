"""Formatting money and dates for people, in their language, with Babel (one place, used by one filter).

Babel's locale data and date patterns are parsed once per language and style (`lru_cache`): they never change
while the process runs, and parsing them took more than half of each formatting (a page formats dozens)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import get_date_format
from babel.numbers import format_currency, get_currency_precision
from django.utils import timezone
from django.utils.translation import get_language, gettext, to_locale

from billing.pricing import period_amount


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


@dataclass(frozen=True)
class UnitPrice:
    """A list price as people read it (R6): per agent seat or per account, per month or per year, in the
    account's currency. `per_month` is the catalog's unit amount, per month in the cycle's price list."""

    per_month: int
    currency: str
    per_seat: bool
    cycle: str

    @property
    def amount(self) -> int:
        """The price for one billing period of the cycle: per month, or per year."""
        return period_amount(unit_amount=self.per_month, quantity=1, cycle=self.cycle)

    @property
    def unit(self) -> str:
        if self.cycle == "annual":
            return gettext("per agent seat per year") if self.per_seat else gettext("per account per year")
        return gettext("per agent seat per month") if self.per_seat else gettext("per account per month")

    def __str__(self) -> str:
        return gettext("%(price)s %(unit)s") % {
            "price": format_money(self.amount, self.currency),
            "unit": self.unit,
        }
