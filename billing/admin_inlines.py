"""Read-only inlines that the account admin shows: the history is never edited from there."""

from django.contrib import admin

from billing.models import BillingEvent, ScheduledChange


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScheduledChangeInline(ReadOnlyInline):
    model = ScheduledChange
    fk_name = "account"
    fields = ["kind", "item", "effective_at", "created_by", "created_at", "applied_at", "revoked_at"]
    readonly_fields = fields


class BillingEventInline(ReadOnlyInline):
    model = BillingEvent
    fields = ["occurred_at", "kind", "actor_label", "summary", "amount", "currency"]
    readonly_fields = fields
    max_num = 0
    classes = ["collapse"]
