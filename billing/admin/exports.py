"""Tombstones of deleted account data (R8.6): what was deleted and when, never the data."""

from django.contrib import admin

from billing.admin.base import ReadOnlyAdmin
from billing.models import DataDeletion


@admin.register(DataDeletion)
class DataDeletionAdmin(ReadOnlyAdmin):
    """Tombstones: what was deleted and when, never the data (R8.6)."""

    list_display = ["account", "deleted_at", "deleted"]
    list_select_related = ["account"]
