"""The catalog: products, suites and add-ons, with their list prices per edition, cycle and currency."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.money import format_money


class Edition(models.TextChoices):
    TEAM = "team", _("Team")
    GROWTH = "growth", _("Growth")
    PROFESSIONAL = "professional", _("Professional")
    ENTERPRISE = "enterprise", _("Enterprise")


# Editions whose seat-priced products can add temporary agent seats (R3.3).
EDITIONS_WITH_TEMPORARY_SEATS = frozenset({Edition.PROFESSIONAL, Edition.ENTERPRISE})


class Cycle(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class Product(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SUITE = "suite", _("Suite bundle")
        ADDON = "addon", _("Add-on")

    class Unit(models.TextChoices):
        SEAT = "seat", _("per agent seat")
        ACCOUNT = "account", _("per account")

    code = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    unit = models.CharField(_("priced"), max_length=10, choices=Unit.choices, default=Unit.SEAT)
    is_tier1 = models.BooleanField(
        _("tier 1"), default=False, help_text=_("Support and Chat: the base of the other products.")
    )  # R4.7
    components = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="suites", verbose_name=_("products in the suite")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name


class Price(models.Model):
    """A list price per seat (or per account) per month, for one product, edition, cycle and currency."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    edition = models.CharField(_("edition"), max_length=20, choices=Edition.choices)
    cycle = models.CharField(_("billing cycle"), max_length=10, choices=Cycle.choices)
    currency = models.CharField(_("currency"), max_length=3)
    unit_amount = models.PositiveIntegerField(_("per month, in minor units"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["product", "edition", "cycle", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "edition", "cycle", "currency"], name="price_one_per_product_edition_cycle"
            ),
        ]

    def __str__(self):
        price = format_money(self.unit_amount, self.currency)
        return f"{self.product} {self.get_edition_display()} {self.get_cycle_display()} {price}"
