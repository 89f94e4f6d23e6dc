from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Membership, User
from billing.admin import reinstate
from billing.admin_inlines import BillingEventInline, ScheduledChangeInline
from billing.audit import AuditedAdminMixin
from billing.clock import now_for
from billing.contracts import contract_for, notice_decision, termination_quote
from billing.models import CancellationReason, ContractTerms, ScheduledChange
from billing.services.contracts import early_termination, staff_cancellation_schedule
from billing.services.scheduled_changes import spp_downgrade_schedule
from billing.services.support import temporary_reactivation_grant


class StaffCancellationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CancellationReason.choices)
    notice_received = forms.DateField(
        label=_("Notice received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the customer's written notice arrived."),
    )


class ContractTermsInline(admin.StackedInline):
    model = ContractTerms
    can_delete = False
    extra = 0
    fields = ["service_started_at", "auto_renew", "notice_days", "refund_policy", "early_termination_fee"]


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
    inlines = [ContractTermsInline, MembershipInline, ScheduledChangeInline, BillingEventInline]
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

    actions = [
        "reinstate_account",
        "downgrade_spp_to_support",
        "grant_temporary_reactivation",
        "cancel_with_notice",
        "terminate_early",
    ]

    def _staff_action(self, request, queryset, action: str, title, **context):
        return TemplateResponse(
            request,
            "admin/accounts/account/staff_action.html",
            {**self.admin_site.each_context(request), "title": title, "action": action, **context},
        )

    @admin.action(description=_("Cancel with notice (sales-assisted accounts, R7.2)"))
    def cancel_with_notice(self, request, queryset):
        """A form (reason, notice received), then the effective date and why, then confirmation."""
        if queryset.count() != 1:
            messages.error(request, _("Cancel one account at a time."))
            return None
        account = queryset.select_related("subscription").get()
        form = StaffCancellationForm(
            request.POST if "preview" in request.POST or "apply" in request.POST else None
        )
        if not form.is_valid() or not hasattr(account, "subscription"):
            return self._staff_action(
                request, queryset, "cancel_with_notice", _("Cancel with notice"), account=account, form=form
            )
        received, reason = form.cleaned_data["notice_received"], form.cleaned_data["reason"]
        if "apply" in request.POST:
            try:
                cancellation = staff_cancellation_schedule(
                    account=account,
                    by=request.user,
                    reason=reason,
                    notice_received=received,
                    now=now_for(account),
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(
                    request,
                    _("%(account)s is cancelled from %(date)s.")
                    % {"account": account, "date": f"{cancellation.effective_at:%Y-%m-%d}"},
                )
            return None
        decision = notice_decision(account.subscription, contract_for(account), received)
        return self._staff_action(
            request,
            queryset,
            "cancel_with_notice",
            _("Cancel with notice"),
            account=account,
            form=form,
            decision=decision,
            confirm_label=_("Confirm the cancellation"),
        )

    @admin.action(description=_("Terminate early with a refund (R7.3)"))
    def terminate_early(self, request, queryset):
        """The refund computed first; the account is cancelled now once confirmed."""
        if queryset.count() != 1:
            messages.error(request, _("Terminate one account at a time."))
            return None
        account = queryset.select_related("subscription").get()
        now = now_for(account)
        if "apply" in request.POST:
            try:
                statement = early_termination(account=account, by=request.user, now=now)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(
                    request,
                    _("%(account)s is cancelled; final statement issued.") % {"account": statement.account},
                )
            return None
        if not hasattr(account, "subscription"):
            messages.error(request, _("This account has no subscription."))
            return None
        quote = termination_quote(account, account.subscription, at=now)
        return self._staff_action(
            request,
            queryset,
            "terminate_early",
            _("Terminate early"),
            account=account,
            quote=quote,
            confirm_label=_("Terminate and refund"),
        )

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
