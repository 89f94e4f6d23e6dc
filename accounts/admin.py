"""People, accounts and roles in the staff console. The billing app adds its own to the account pages
(contract, history, staff actions) by registering its subclass of AccountAdmin (billing/admin/accounts.py)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_ARE_NOT_MEMBERS, Account, Membership, User

OWNER_NOT_DELETED = _("The owner's membership cannot be deleted: transfer the ownership first.")


class OwnerKeptFormSet(forms.BaseInlineFormSet):
    """The account page's members: the owner's row cannot be ticked for deletion (R1.5)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if (
                self.can_delete
                and self._should_delete_form(form)
                and form.instance.role == Membership.Role.OWNER
            ):
                raise ValidationError(OWNER_NOT_DELETED)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = OwnerKeptFormSet
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
                    "vat_number",
                    "is_business",
                    "purchase_order",
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

    def has_delete_permission(self, request, obj=None):
        """Never the owner's membership (R1.5): deleting a user or an account that would take it is refused
        by the admin's confirmation page, which checks this for every object it would delete."""
        if obj is not None and obj.role == Membership.Role.OWNER:
            return False
        return super().has_delete_permission(request, obj)


class StaffAreNotMembersForm(UserChangeForm):
    """R1.5 from the other side: a member of a customer account cannot be made staff."""

    def clean_is_staff(self):
        is_staff = self.cleaned_data["is_staff"]
        if is_staff and Membership.objects.filter(user=self.instance.pk).exists():
            raise ValidationError(STAFF_ARE_NOT_MEMBERS)
        return is_staff


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffAreNotMembersForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
