"""Test clocks (R9.2): staff move them forward and watch the lifecycle of their accounts happen."""

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from billing.admin.base import refused
from billing.lifecycle.tick import advance_test_clock
from billing.models import TestClock


@admin.register(TestClock)
class TestClockAdmin(admin.ModelAdmin):
    """R9.2: attach a clock to demo accounts (on the account), then move it forward here: each move runs
    the lifecycle of those accounts up to the clock's time."""

    list_display = ["name", "frozen_now", "attached"]
    search_fields = ["name"]
    actions = ["advance_day", "advance_week", "advance_month"]

    @admin.display(description=_("accounts"))
    def attached(self, clock):
        return ", ".join(a.name for a in clock.accounts.all()) or "—"

    def _advance(self, request, clock, to):
        try:
            done = advance_test_clock(clock=clock, to=to, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            refused(request, error, clock.name)
            return
        for account, actions in done.items():
            messages.success(
                request, f"{account} → {to:%Y-%m-%d %H:%M}: {', '.join(actions) or _('nothing due')}"
            )

    def _advance_all(self, request, queryset, delta):
        for clock in queryset:
            self._advance(request, clock, clock.frozen_now + delta)

    @admin.action(description=_("Advance by one day"))
    def advance_day(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=1))

    @admin.action(description=_("Advance by one week"))
    def advance_week(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=7))

    @admin.action(description=_("Advance by 30 days"))
    def advance_month(self, request, queryset):
        self._advance_all(request, queryset, timedelta(days=30))

    def save_model(self, request, obj, form, change):
        """Setting the clock's time in the form moves it there (forward only) and runs the lifecycle — once
        the form's transaction has committed: moving a clock charges cards, never inside a transaction that
        can still roll back (R8.8)."""
        if change and "frozen_now" in form.changed_data:
            target = obj.frozen_now
            obj.frozen_now = form.initial["frozen_now"]
            obj.save(update_fields=["name"])
            transaction.on_commit(lambda: self._advance(request, obj, target))
        else:
            super().save_model(request, obj, form, change)
