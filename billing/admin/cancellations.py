"""What owners confirmed on the cancellation journey, with their survey answers: read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin
from billing.models import Cancellation
from billing.selectors.insights import counted_as_cancelled


class CountedFilter(admin.SimpleListFilter):
    """What the insights count (R11.1): their links ask for it, so a count and its list agree."""

    title = _("counted in the insights")
    parameter_name = "counted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No: withdrawn by staff, or on a test clock"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(counted_as_cancelled())
        if self.value() == "no":
            return queryset.exclude(counted_as_cancelled())
        return queryset


@admin.register(Cancellation)
class CancellationAdmin(ReadOnlyAdmin):
    """What owners confirmed, with their survey answers. Staff act on the scheduled changes instead."""

    list_display = ["created_at", "account", "scope", "reason", "explanation", "effective_at", "created_by"]
    # The insights page (R11.1) links each month's count of a reason here, filtered the same way.
    list_filter = ["scope", "reason", "account__kind", "account__currency", CountedFilter]
    date_hierarchy = "created_at"
    search_fields = ["account__name", "explanation"]
    list_select_related = ["account", "created_by"]
