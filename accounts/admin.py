from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership, User
from billing.admin import reinstate
from billing.admin_inlines import BillingEventInline, ScheduledChangeInline
from billing.audit import AuditedAdminMixin
from billing.clock import now_for
from billing.models import ScheduledChange
from billing.services.scheduled_changes import spp_downgrade_schedule
from billing.services.support import temporary_reactivation_grant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Account)
class AccountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "generation",
        "pricing",
        "status",
        "currency",
        "created_on",
        "trial_ends_on",
    ]
    list_filter = [
        "kind",
        "generation",
        "pricing",
        "status",
        "currency",
        "cancellation_via_support",
        "chat_phase4",
    ]
    search_fields = ["name", "memberships__user__email"]
    date_hierarchy = "created_on"
    inlines = [MembershipInline, ScheduledChangeInline, BillingEventInline]
    fieldsets = [
        (
            None,
            {"fields": ["name", "kind", "generation", "pricing", "status", "created_on", "trial_ends_on"]},
        ),
        (_("Rules"), {"fields": ["cancellation_via_support", "chat_phase4"]}),
        (
            _("Billing"),
            {
                "fields": [
                    "currency",
                    "language",
                    "billing_name",
                    "billing_address",
                    "billing_country",
                    "tax_id",
                ]
            },
        ),
        (_("Test clock"), {"fields": ["test_clock"]}),
    ]

    actions = ["reinstate_account", "downgrade_spp_to_support", "grant_temporary_reactivation"]

    def account_of(self, obj):
        return obj

    @admin.action(description=_("Reinstate: withdraw the scheduled account cancellation"))
    def reinstate_account(self, request, queryset):
        changes = ScheduledChange.objects.filter(
            account__in=queryset, kind=ScheduledChange.Kind.CANCEL_ACCOUNT, applied_at=None, revoked_at=None
        ).select_related("account")
        if not changes:
            messages.warning(request, _("None of these accounts has a cancellation to withdraw."))
        reinstate(request, changes)

    @admin.action(description=_("Grant a temporary reactivation (the owner may update the card for 7 days)"))
    def grant_temporary_reactivation(self, request, queryset):
        for account in queryset:
            try:
                case = temporary_reactivation_grant(account=account, by=request.user, now=now_for(account))
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{account}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                messages.success(
                    request,
                    _("%(account)s: the owner may sign in until %(date)s.")
                    % {"account": account, "date": f"{case.reactivated_until:%Y-%m-%d %H:%M}"},
                )

    @admin.action(description=_("Downgrade Zendesk Suite to Support only (at the end of the period)"))
    def downgrade_spp_to_support(self, request, queryset):
        for account in queryset:
            try:
                spp_downgrade_schedule(account=account, by=request.user, now=now_for(account))
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"{account}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                messages.success(request, _("%s: downgrade to Support only scheduled.") % account)


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "account", "role", "joined_at"]
    list_filter = ["role", "account__kind"]
    search_fields = ["user__email", "account__name"]
    list_select_related = ["user", "account"]
    autocomplete_fields = ["user", "account"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
