"""What owners confirmed on the cancellation journey, with their survey answers: read only."""

from django.contrib import admin

from billing.admin.base import ReadOnlyAdmin
from billing.models import Cancellation


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    """What owners confirmed, with their survey answers. Staff act on the scheduled changes instead."""

    list_display = ["created_at", "account", "scope", "reason", "explanation", "effective_at", "created_by"]
    # The insights page (R11.1) links each month's count of a reason here, filtered the same way.
    list_filter = ["scope", "reason", "account__kind", "account__currency"]
    date_hierarchy = "created_at"
    search_fields = ["account__name", "explanation"]
    list_select_related = ["account", "created_by"]
