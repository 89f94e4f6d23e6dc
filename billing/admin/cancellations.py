"""What owners confirmed on the cancellation journey, with their survey answers: read only."""

from django.contrib import admin

from billing.admin.base import ReadOnlyAdmin
from billing.models import Cancellation


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    """What owners confirmed, with their survey answers. Staff act on the scheduled changes instead."""

    list_display = ["created_at", "account", "scope", "reason", "effective_at", "created_by"]
    list_filter = ["scope", "reason"]
    search_fields = ["account__name", "explanation"]
    list_select_related = ["account", "created_by"]
