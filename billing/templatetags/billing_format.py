from django import template
from django.utils.translation import gettext as _

from billing.models import Cycle, Edition, Subscription
from billing.money import format_day, format_money, format_month
from billing.wording import change_description, scheduled_change_description

register = template.Library()
CHOICES = {"edition": Edition, "cycle": Cycle, "payment_type": Subscription.PaymentType}


@register.filter
def money(amount, currency):
    """{{ line.amount|money:currency }}"""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency)


@register.filter
def per_period(invoice, currency):
    """{{ preview.next_after|per_period:currency }}: a next invoice's total labelled with the period it
    covers (R6.5: a monthly figure is never set against a yearly one unlabelled); "none" without one."""
    if invoice is None:
        return _("none")
    total = format_money(invoice.total, currency)
    if invoice.cycle == Cycle.ANNUAL:
        return _("%(total)s per year") % {"total": total}
    return _("%(total)s per month") % {"total": total}


@register.filter
def day(value, style="medium"):
    """{{ period.end|day }} or {{ period.end|day:"long" }}"""
    if not value:
        return ""
    return format_day(value, style)


@register.filter
def month(value):
    """{{ request.period_from|month }} → "November 2026"."""
    return format_month(value) if value else ""


@register.filter
def choice(value, kind):
    """The label of a stored choice: {{ spec.edition|choice:"edition" }} → "Professional"."""
    choices = CHOICES[kind]
    return choices(value).label if value in choices.values else value


@register.simple_tag
def describe_change(spec, subject, since=None):
    """{% describe_change preview.spec preview.subject preview.extends_from %}: a previewed or suggested
    change, in words (`since`: where an extension of temporary seats starts)."""
    return change_description(spec, subject, since=since)


@register.simple_tag
def describe_scheduled_change(change):
    """{% describe_scheduled_change change %}: a change waiting for the next period, in words."""
    return scheduled_change_description(change)
