"""The account's data: its exports (R7.6), which staff can cancel, and tombstones of deleted data (R8.6)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin, refused
from billing.clock import now_for
from billing.models import DataDeletion, DataExport
from billing.services.exports import data_export_cancel


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    """Exports and how their building went (issue 16). Never the file: the data is the owner's."""

    list_display = ["account", "status", "progress", "attempts", "heartbeat_at", "created_at", "failure"]
    list_filter = ["status"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    exclude = ["file"]
    actions = ["cancel"]

    @admin.action(description=_("Cancel (stop preparing it)"), permissions=["cancel"])
    def cancel(self, request, queryset):
        for export in queryset.select_related("account"):
            try:
                data_export_cancel(export=export, by=request.user, now=now_for(export.account))
            except (ValidationError, PermissionDenied) as error:
                refused(request, error, export)
            else:
                messages.success(request, _("%(export)s: cancelled.") % {"export": export})

    def has_cancel_permission(self, request):
        return request.user.has_perm("billing.cancel_dataexport")


@admin.register(DataDeletion)
class DataDeletionAdmin(ReadOnlyAdmin):
    """Tombstones: what was deleted and when, never the data (R8.6)."""

    list_display = ["account", "deleted_at", "deleted"]
    list_select_related = ["account"]
