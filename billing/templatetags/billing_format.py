from django import template

from billing.money import format_day, format_money

register = template.Library()


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
