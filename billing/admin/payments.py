"""Cards on file, every call to the payment provider, and failed payments being chased (R8.5)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from billing.admin.base import ReadOnlyAdmin, refused
from billing.admin.money import MoneyShownMixin, money_display
from billing.clock import now_for
from billing.models import (
    DunningCase,
    DunningStep,
    PaymentAttempt,
    PaymentMethod,
    PaymentMismatch,
    StripeEvent,
)
from billing.services.support import temporary_reactivation_grant


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ["account", "brand", "last4", "exp_month", "exp_year"]
    list_filter = ["brand"]
    search_fields = ["account__name", "last4"]
    readonly_fields = ["gateway_token", "expiry_reminded_for"]  # the clock's (issue 19)
    list_select_related = ["account"]


@admin.register(PaymentAttempt)
class PaymentAttemptAdmin(MoneyShownMixin, ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "operation",
        "amount_shown",
        "status",
        "failure_code",
        "invoice",
        "answered_at",
    ]
    list_filter = ["operation", "status", "failure_code"]
    search_fields = ["account__name", "idempotency_key", "reference"]
    list_select_related = ["account", "invoice"]
    amount_shown = money_display("amount", _("amount"))


@admin.register(PaymentMismatch)
class PaymentMismatchAdmin(MoneyShownMixin, ReadOnlyAdmin):
    """What the last reconciliation of the provider's ledger with our records found (R8.8): each is money
    to look at — refund, mark paid or contact the provider. The billing clock refreshes the list."""

    list_display = ["kind", "reference", "amount_shown", "detail", "keys", "found_at"]
    list_filter = ["kind"]
    search_fields = ["reference", "keys"]
    amount_shown = money_display("amount", _("amount"))


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Stripe's webhook events handled (R12.1), each once, with what it did."""

    list_display = ["received_at", "type", "event_id", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "outcome"]


class DunningStepInline(admin.TabularInline):
    model = DunningStep
    extra = 0
    can_delete = False
    fields = ["step", "at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DunningCase)
class DunningCaseAdmin(ReadOnlyAdmin):
    """Failed payments being chased (R8.5). Staff grant temporary reactivations from the account list."""

    list_display = [
        "account",
        "invoice",
        "status",
        "started_at",
        "suspend_at",
        "reactivated_until",
        "closed_at",
    ]
    list_filter = ["status"]
    search_fields = ["account__name", "invoice__number"]
    list_select_related = ["account", "invoice"]
    inlines = [DunningStepInline]


@admin.action(description=_("Grant a temporary reactivation (the owner may update the card for 7 days)"))
def grant_temporary_reactivation(modeladmin, request, queryset):
    for account in queryset:
        try:
            case = temporary_reactivation_grant(account=account, by=request.user, now=now_for(account))
        except (ValidationError, PermissionDenied) as error:
            refused(request, error, account)
        else:
            messages.success(
                request,
                _("%(account)s: the owner may sign in until %(date)s.")
                % {"account": account, "date": f"{case.reactivated_until:%Y-%m-%d %H:%M}"},
            )
