"""Money in the staff console: shown in its currency ("£61,920.00"), never as minor units, and typed as an
amount in the currency ("61,920.00" or "61920.00"), stored as minor units (billing.money)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from billing.money import format_money, money_input, parse_money

SHOWN = "_shown"  # `<field>_shown`: how a money field reads (money_display)
CURRENCY_FIRST = _("Enter the currency of the amount first.")
SAVE_FIRST = _("Save the account first: the amount is in its currency.")


def _follow(obj, path: str):
    for name in path.split("."):
        obj = getattr(obj, name, None)
    return obj


def money_display(field: str, description, currency: str = "currency"):
    """A ModelAdmin column or read-only field showing `field` in its currency, found at the attribute path
    `currency` ("invoice.currency"). Assign it as `<field>_shown` (MoneyShownMixin finds it by that name)."""

    @admin.display(description=description, ordering=field)
    def shown(modeladmin, obj):
        amount, code = getattr(obj, field), _follow(obj, currency)
        if amount is None or not code:
            return "—" if amount is None else amount
        return format_money(amount, code)

    shown.__name__ = field + SHOWN
    return shown


class MoneyShownMixin:
    """Read-only change pages show each money field through its `<field>_shown` display, in its place."""

    def _money_displays(self) -> list[str]:
        return [name for name in dir(type(self)) if name.endswith(SHOWN) and not name.startswith("_")]

    def _display_of(self, name: str) -> str:
        return name + SHOWN if hasattr(type(self), name + SHOWN) else name

    def get_readonly_fields(self, request, obj=None):
        fields = [self._display_of(name) for name in super().get_readonly_fields(request, obj)]
        return list(dict.fromkeys([*fields, *self._money_displays()]))

    def get_fields(self, request, obj=None):
        return list(dict.fromkeys(self._display_of(name) for name in super().get_fields(request, obj)))


class AmountField(forms.CharField):
    """An amount typed in a currency. Shown back as typed ("61920.00"); the form (MoneyFormMixin) turns it
    into minor units once it knows the currency."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.allow_zero, self.currency = allow_zero, ""

    def prepare_value(self, value):
        if isinstance(value, int) and self.currency:  # minor units, from the instance
            return money_input(value, self.currency)
        return value

    def to_minor(self, text, currency: str) -> int | None:
        if text in (None, ""):
            return None
        return parse_money(text, currency, allow_zero=self.allow_zero)

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_minor(data, self.currency or "XXX") != initial
        except ValidationError:
            return True


class MoneyFormMixin:
    """A form whose AmountFields are in one currency: the instance's (shown), the one cleaned with them if
    the form has a `currency` field (saved), or what `known_currency` says."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self._amount_fields():
            field.currency = self.known_currency()

    def _amount_fields(self) -> list[AmountField]:
        return [field for field in self.fields.values() if isinstance(field, AmountField)]

    def known_currency(self) -> str:
        return getattr(self.instance, "currency", "") or ""

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency") or self.known_currency()
        for name, field in self.fields.items():
            if not isinstance(field, AmountField) or name not in cleaned:
                continue
            try:
                cleaned[name] = self._minor(field, cleaned[name], currency)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def _minor(self, field: AmountField, text, currency: str) -> int | None:
        if text in (None, "") or currency:
            return field.to_minor(text, currency)
        if field.allow_zero and field.to_minor(text, "XXX") == 0:  # no currency needed for nothing
            return 0
        raise ValidationError(CURRENCY_FIRST if "currency" in self.fields else SAVE_FIRST)
