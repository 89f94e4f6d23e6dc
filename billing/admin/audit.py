"""The append-only billing history (R9.3) and the email outbox (issue 16): read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin, ReadOnlyInline
from billing.admin.money import MoneyShownMixin, money_display
from billing.models import BillingEvent, EmailLog

AMOUNT_SHOWN = money_display("amount", _("amount"))


@admin.register(BillingEvent)
class BillingEventAdmin(MoneyShownMixin, ReadOnlyAdmin):
    """Read-only: the log is append-only (R9.3)."""

    list_display = ["occurred_at", "account", "kind", "actor_label", "summary", "amount_shown"]
    list_filter = ["kind", "account__kind"]
    search_fields = ["account__name", "actor_label", "summary"]
    date_hierarchy = "occurred_at"
    list_select_related = ["account"]
    amount_shown = AMOUNT_SHOWN


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    """Every email with its state: waiting (no sent_at), sent, or failing (last error, attempts)."""

    list_display = ["created_at", "account", "subject", "recipients", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipients", "key"]
    list_select_related = ["account"]


class BillingEventInline(ReadOnlyInline):
    model = BillingEvent
    fields = ["occurred_at", "kind", "actor_label", "summary", "amount_shown"]
    readonly_fields = fields
    amount_shown = AMOUNT_SHOWN
    max_num = 0
    classes = ["collapse"]
