"""What the billing history's sentences share: an event's stored details read for people (labels for codes,
money and dates formatted for the active language)."""

from datetime import datetime

from django.utils.translation import ngettext

from billing import catalog
from billing.models import BillingEvent
from billing.money import format_day, format_money


class Details:
    """An event's stored details, read for people: labels for codes, formatted money and dates."""

    def __init__(self, event: BillingEvent, currency: str):
        self.kind = event.kind
        self.before, self.after = event.before or {}, event.after or {}
        self.amount, self.currency = event.amount, event.currency or currency

    def get(self, key: str, default=None):
        return self.after.get(key, self.before.get(key, default))

    def money(self, amount: int | None) -> str:
        return format_money(abs(amount), self.currency) if amount is not None else ""

    def day(self, key: str, side: str = "after") -> str:
        value = getattr(self, side).get(key)
        try:
            return format_day(datetime.fromisoformat(value), "long") if value else ""
        except (TypeError, ValueError):
            return ""

    def product(self) -> str:
        """The line's name as stored then, else the catalog's name of the stored product code."""
        name = self.get("product_name")
        if name:
            return name
        known = catalog.PRODUCTS.get(self.get("product"))
        return known[0] if known else ""


def label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else ""


def lower_label(choices, value) -> str:
    """A choice's label inside a sentence ("from monthly to annual")."""
    return label(choices, value).lower()


def quoted(sentence: str, text) -> str:
    """Free text someone wrote (a request, a staff note), quoted after the sentence."""
    return f"{sentence} “{text}”" if text else sentence


def seats_text(counter) -> str:
    return ngettext("%(counter)s agent seat", "%(counter)s agent seats", counter) % {"counter": counter}
