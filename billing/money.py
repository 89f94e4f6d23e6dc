"""Formatting money and dates for people, in their language, with Babel (one place, used by one filter).

Babel's locale data and date patterns are parsed once per language and style (`lru_cache`): they never change
while the process runs, and parsing them took more than half of each formatting (a page formats dozens)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_skeleton, get_date_format
from babel.numbers import NumberFormatError, format_currency, get_currency_precision, parse_decimal
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext_lazy, to_locale

from billing.pricing import period_amount


@lru_cache(maxsize=16)
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


# Languages whose month names are written in full in every style. CLDR's French "medium" abbreviates some
# months and not others ("14 juil." beside "13 août"), which reads as two formats from page to page.
FULL_MONTH_NAMES = {"fr"}


@lru_cache(maxsize=64)
def _date_pattern(style: str, code: str):
    if style == "medium" and code.split("_")[0] in FULL_MONTH_NAMES:
        style = "long"
    return get_date_format(style, locale=_babel_locale(code))


def _locale() -> str:
    return to_locale(get_language() or "en")


def format_money(amount: int, currency: str) -> str:
    """1234 USD → "$12.34" in English, "12,34 $US" in French; 123456 EUR → "1 234,56 €" in French."""
    exponent = get_currency_precision(currency)
    return format_currency(Decimal(amount).scaleb(-exponent), currency, locale=_babel_locale(_locale()))


NOT_AN_AMOUNT = gettext_lazy("Enter an amount such as 1,234.56 (or 1234.56).")
NOT_POSITIVE = gettext_lazy("Enter an amount greater than zero.")
NOT_NEGATIVE = gettext_lazy("Enter zero or a positive amount.")
TOO_MANY_DECIMALS = ngettext_lazy(
    "%(currency)s amounts have at most %(count)d decimal.",
    "%(currency)s amounts have at most %(count)d decimals.",
    "count",
)
NO_DECIMALS = gettext_lazy("%(currency)s amounts have no decimals.")
TOO_LARGE = gettext_lazy("Enter a smaller amount.")
MAX_MINOR_UNITS = 2**31 - 1  # the amount columns' integer


def parse_money(text: str, currency: str, *, allow_zero: bool = False) -> int:
    """What a person typed, in their language, as minor units of `currency`: "61,920.00" or "61920.00" GBP
    → 6192000 (in French "61 920,00" too). Only a positive amount with no more decimals than the currency
    has (two for GBP, none for JPY) is accepted — or zero, with `allow_zero` (a fee that may be none);
    anything else raises a ValidationError that says why."""
    typed = re.sub(r"\s", "", str(text or ""))
    if not re.fullmatch(r"[-+]?[0-9.,']+", typed):  # digits and separators: no exponent, no NaN
        raise ValidationError(NOT_AN_AMOUNT, code="invalid")
    try:
        amount = parse_decimal(typed, locale=_babel_locale(_locale()), strict=True)
    except NumberFormatError:
        raise ValidationError(NOT_AN_AMOUNT, code="invalid") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(NOT_NEGATIVE if allow_zero else NOT_POSITIVE, code="min_value")
    exponent = get_currency_precision(currency)
    if -amount.as_tuple().exponent > exponent:
        message = TOO_MANY_DECIMALS if exponent else NO_DECIMALS
        raise ValidationError(message, code="decimals", params={"currency": currency, "count": exponent})
    minor = int(amount.scaleb(exponent))
    if minor > MAX_MINOR_UNITS:
        raise ValidationError(TOO_LARGE, code="max_value")
    return minor


def money_input(amount: int | None, currency: str) -> str:
    """Minor units as a person types them back into a form: 6192000 GBP → "61920.00"; 1000 JPY → "1000"."""
    if amount is None:
        return ""
    exponent = get_currency_precision(currency)
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


def format_day(value: date | datetime, style: str = "medium") -> str:
    """A calendar day; billing days are UTC days, whatever the reader's time zone."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date() if timezone.is_aware(value) else value.date()
    code = _locale()
    return _date_pattern(style, code).apply(value, _babel_locale(code))


def format_month(value: date, skeleton: str = "yMMMM") -> str:
    """A calendar month: "November 2026", "novembre 2026" ("yMMM": "Nov 2026", "nov. 2026")."""
    return format_skeleton(skeleton, value, locale=_babel_locale(_locale()))


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
