"""People, accounts and roles in the staff console. The billing app adds its own to the account pages
(contract, history, staff actions) by registering its subclass of AccountAdmin (billing/admin/accounts.py)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
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
    inlines = [MembershipInline]
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


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
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
