from django import template

from billing.models import Cycle, Edition, Subscription
from billing.money import format_day, format_money

register = template.Library()
CHOICES = {"edition": Edition, "cycle": Cycle, "payment_type": Subscription.PaymentType}


@register.filter
def money(amount, currency):
    """{{ line.amount|money:currency }}"""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency)


@register.filter
def day(value, style="medium"):
    """{{ period.end|day }} or {{ period.end|day:"long" }}"""
    if not value:
        return ""
    return format_day(value, style)


@register.filter
def choice(value, kind):
    """The label of a stored choice: {{ spec.edition|choice:"edition" }} → "Professional"."""
    choices = CHOICES[kind]
    return choices(value).label if value in choices.values else value
