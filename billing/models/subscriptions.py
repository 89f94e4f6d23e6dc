"""What an account subscribes to: the subscription, its items, the discounts on it, and the periods it
was renewed for (R3, R9.1)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.models.catalog import Cycle, Edition, Product


class Subscription(models.Model):
    class PaymentType(models.TextChoices):
        CARD = "card", _("Credit card")
        INVOICE = "invoice", _("Invoice")

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="subscription")
    cycle = models.CharField(_("billing cycle"), max_length=10, choices=Cycle.choices, default=Cycle.MONTHLY)
    current_period_start = models.DateTimeField(_("current period start"))
    current_period_end = models.DateTimeField(_("current period end"))
    payment_type = models.CharField(
        _("payment type"), max_length=10, choices=PaymentType.choices, default=PaymentType.CARD
    )
    # The renewal (a period end) whose reminder was written: the clock finds the renewals still to remind
    # in one query (billing.lifecycle.notices); the email's key keeps it once anyway (R9.1).
    renewal_reminded_for = models.DateTimeField(_("renewal reminded for"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [
            # The clock looks for annual renewals 30 days ahead at every tick (billing.lifecycle.notices).
            models.Index(
                fields=["current_period_end"], condition=Q(cycle="annual"), name="subscription_annual_renewal"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__gt=models.F("current_period_start")),
                name="subscription_period_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.get_cycle_display()}"


class SubscriptionItem(models.Model):
    """One product in a subscription. Items bought as part of a Suite carry the suite in `bundle`."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    edition = models.CharField(_("edition"), max_length=20, choices=Edition.choices)
    seats = models.PositiveIntegerField(_("agent seats"), default=1)
    bundle = models.ForeignKey(
        Product,
        verbose_name=_("priced as part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": Product.Kind.SUITE},
    )
    temporary_seats = models.PositiveIntegerField(_("temporary agent seats"), default=0)
    temporary_seats_end = models.DateField(_("temporary seats end on"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription item")
        verbose_name_plural = _("subscription items")
        ordering = ["product__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "product"],
                condition=Q(ended_at__isnull=True),
                name="subscription_item_one_active_per_product",
            ),
            models.CheckConstraint(
                condition=Q(temporary_seats=0) | Q(temporary_seats_end__isnull=False),
                name="subscription_item_temporary_seats_have_end",
            ),
        ]

    def __str__(self):
        return f"{self.product} {self.get_edition_display()} × {self.seats}"

    @property
    def edition_label(self):
        """The edition's name; unlike `get_edition_display`, without rebuilding the translated choices
        (pages show it once per product line)."""
        return Edition(self.edition).label if self.edition in Edition.values else self.edition


class Coupon(models.Model):
    """A promotion or coupon: a percentage (in basis points) or a fixed amount off each period."""

    class Kind(models.TextChoices):
        COUPON = "coupon", _("Coupon")
        PROMOTION = "promotion", _("Promotion")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUPON)
    percent_off_bp = models.PositiveIntegerField(
        _("percent off (basis points)"), null=True, blank=True, help_text=_("1000 = 10%")
    )
    amount_off = models.PositiveIntegerField(_("amount off (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(percent_off_bp__isnull=False, amount_off__isnull=True, percent_off_bp__lte=10000)
                )
                | (Q(percent_off_bp__isnull=True, amount_off__isnull=False) & ~Q(currency="")),
                name="coupon_percent_or_amount",
            ),
        ]

    def __str__(self):
        return self.name


class Discount(models.Model):
    """A coupon applied to a subscription, between two dates."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="discounts")
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="discounts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    class Meta:
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")

    def __str__(self):
        return f"{self.coupon} → {self.subscription}"


class SubscriptionPeriod(models.Model):
    """One billing period that was opened, with its invoice: a period is renewed once (R9.1)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="periods")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    invoice = models.OneToOneField(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="period"
    )

    class Meta:
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")
        ordering = ["-start"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "start"], name="subscription_period_once")
        ]

    def __str__(self):
        return f"{self.subscription.account} {self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"
