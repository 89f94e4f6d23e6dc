"""Subscriptions, their items and discounts (staff edits are logged, R9.3), and the periods renewed."""

from django.contrib import admin

from billing.admin.base import AuditedAdminMixin, ReadOnlyAdmin
from billing.models import Discount, Subscription, SubscriptionItem, SubscriptionPeriod


class SubscriptionItemInline(admin.TabularInline):
    model = SubscriptionItem
    extra = 0
    can_delete = False  # items end (ended_at), they are not deleted: the history must stay readable
    fields = ["product", "edition", "seats", "bundle", "temporary_seats", "temporary_seats_end", "ended_at"]


class DiscountInline(admin.TabularInline):
    model = Discount
    extra = 0
    fields = ["coupon", "starts_at", "ends_at"]


@admin.register(Subscription)
class SubscriptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["account", "cycle", "current_period_start", "current_period_end", "payment_type"]
    list_filter = ["cycle", "payment_type", "account__kind"]
    search_fields = ["account__name"]
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    readonly_fields = ["renewal_reminded_for"]  # the clock's (issue 19)
    inlines = [SubscriptionItemInline, DiscountInline]


@admin.register(SubscriptionItem)
class SubscriptionItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["subscription", "product", "edition", "seats", "temporary_seats", "bundle", "ended_at"]
    list_filter = ["product", "edition", "ended_at"]
    search_fields = ["subscription__account__name", "product__name"]
    list_select_related = ["subscription__account", "product", "bundle"]

    def account_of(self, obj):
        return obj.subscription.account

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Discount)
class DiscountAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["subscription", "coupon", "starts_at", "ends_at"]
    list_filter = ["coupon"]
    search_fields = ["subscription__account__name", "coupon__code"]
    list_select_related = ["subscription__account", "coupon"]

    def account_of(self, obj):
        return obj.subscription.account


@admin.register(SubscriptionPeriod)
class SubscriptionPeriodAdmin(ReadOnlyAdmin):
    list_display = ["subscription", "start", "end", "invoice"]
    search_fields = ["subscription__account__name"]
    list_select_related = ["subscription__account", "invoice"]
