"""The append-only billing history (R9.3) and the email outbox (issue 16): read only."""

from django.contrib import admin

from billing.admin.base import ReadOnlyAdmin, ReadOnlyInline
from billing.models import BillingEvent, EmailLog


@admin.register(BillingEvent)
class BillingEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only (R9.3)."""

    list_display = ["occurred_at", "account", "kind", "actor_label", "summary", "amount", "currency"]
    list_filter = ["kind", "account__kind"]
    search_fields = ["account__name", "actor_label", "summary"]
    date_hierarchy = "occurred_at"
    list_select_related = ["account"]


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdmin):
    """Every email with its state: waiting (no sent_at), sent, or failing (last error, attempts)."""

    list_display = ["created_at", "account", "subject", "recipients", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipients", "key"]
    list_select_related = ["account"]


class BillingEventInline(ReadOnlyInline):
    model = BillingEvent
    fields = ["occurred_at", "kind", "actor_label", "summary", "amount", "currency"]
    readonly_fields = fields
    max_num = 0
    classes = ["collapse"]
