"""Who receives the invoices (R8.3): read only, the owner decides in the Admin Center."""

from django.contrib import admin

from billing.admin.base import ReadOnlyAdmin
from billing.models import BillingContact, BillingContactRequest


@admin.register(BillingContact)
class BillingContactAdmin(ReadOnlyAdmin):
    list_display = ["email", "account", "created_at", "removed_at"]
    list_filter = ["removed_at"]
    search_fields = ["email", "account__name"]
    list_select_related = ["account"]


@admin.register(BillingContactRequest)
class BillingContactRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "requested_by", "kind", "status", "decided_at"]
    list_filter = ["kind", "status"]
    search_fields = ["account__name", "requested_by__email"]
    list_select_related = ["account", "requested_by"]
