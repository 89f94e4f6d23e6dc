"""The catalog in the staff console: products, their prices, and coupons. Amounts are read and typed in
their currency ("69.00"), stored in minor units."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from billing.admin.money import AmountField, MoneyFormMixin, money_display
from billing.models import Coupon, Price, Product


class PriceForm(MoneyFormMixin, forms.ModelForm):
    unit_amount = AmountField(
        label=_("per month"),
        help_text=_("Per agent seat (or per account) per month, in the price's currency, e.g. 69.00."),
    )

    class Meta:
        model = Price
        fields = ["product", "edition", "cycle", "currency", "unit_amount"]


class CouponForm(MoneyFormMixin, forms.ModelForm):
    amount_off = AmountField(
        label=_("amount off"),
        required=False,
        help_text=_(
            "A fixed amount off each period, in the coupon's currency (e.g. 10.00); or a percentage."
        ),
    )

    class Meta:
        model = Coupon
        fields = ["code", "name", "kind", "percent_off_bp", "amount_off", "currency"]


class PriceInline(admin.TabularInline):
    model = Price
    form = PriceForm
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
    form = PriceForm
    list_display = ["product", "edition", "cycle", "unit_amount_shown"]
    list_filter = ["product", "edition", "cycle", "currency"]
    list_select_related = ["product"]
    search_fields = ["product__name", "product__code"]

    unit_amount_shown = money_display("unit_amount", _("per month"))


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponForm
    list_display = ["name", "code", "kind", "percent_off_bp", "amount_off_shown"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]

    amount_off_shown = money_display("amount_off", _("amount off"))
