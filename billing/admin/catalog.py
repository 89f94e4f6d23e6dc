"""The catalog in the staff console: products, their prices, and coupons."""

from django.contrib import admin

from billing.models import Coupon, Price, Product


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0
    fields = ["edition", "cycle", "currency", "unit_amount"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "unit", "is_tier1", "position"]
    list_filter = ["kind", "unit", "is_tier1"]
    search_fields = ["name", "code"]
    filter_horizontal = ["components"]
    inlines = [PriceInline]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ["product", "edition", "cycle", "currency", "unit_amount"]
    list_filter = ["product", "edition", "cycle", "currency"]
    list_select_related = ["product"]
    search_fields = ["product__name", "product__code"]


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "percent_off_bp", "amount_off", "currency"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
