"""The product catalog and its list prices: reference data installed after every `migrate` (billing/apps.py).

Prices are per seat (or per account) per month, in minor units. Billed annually, a month costs 20 % less,
rounded down to a whole unit. The same figures are used in every currency the product sells in. Staff edit
prices in the Django admin; installing again only adds what is missing, it never overwrites an edit.
"""

from billing.models import Price, Product

EDITIONS = ["team", "growth", "professional", "enterprise"]
CURRENCIES = ["USD", "EUR", "GBP"]
SUITE_COMPONENTS = ["support", "chat", "guide", "talk"]

# code: (name, kind, unit, tier 1, position, components, monthly-billed price per edition, in EDITIONS order)
PRODUCTS = {
    "support_suite": (
        "Support Suite",
        "suite",
        "seat",
        False,
        1,
        SUITE_COMPONENTS,
        [8900, 11900, 14900, 19900],
    ),
    "zendesk_suite": (
        "Zendesk Suite",
        "suite",
        "seat",
        False,
        2,
        SUITE_COMPONENTS,
        [6900, 11500, 14900, 21900],
    ),
    "support": ("Support", "product", "seat", True, 10, [], [2500, 4900, 6900, 12500]),
    "chat": ("Chat", "product", "seat", True, 20, [], [2000, 3500, 5000, 7000]),
    "guide": ("Guide", "product", "account", False, 30, [], [2000, 5000, 10000, 20000]),
    "talk": ("Talk", "product", "seat", False, 40, [], [1500, 3000, 5000, 7500]),
    "explore": ("Explore", "product", "account", False, 50, [], [5000, 10000, 15000, 30000]),
    "sell": ("Sell", "product", "seat", False, 60, [], [1900, 5500, 11500, 16900]),
    "advanced_ai": ("Advanced AI", "addon", "seat", False, 70, [], [5000, 5000, 5000, 5000]),
    "workforce": ("Workforce Management", "addon", "seat", False, 80, [], [2500, 2500, 2500, 2500]),
}


def annual_unit_amount(monthly: int) -> int:
    return monthly * 4 // 5 // 100 * 100


def install_catalog(*, using: str = "default") -> None:
    """Create the products, suite components and prices that are missing; never change an existing one."""
    products = Product.objects.using(using)
    existing = set(products.values_list("code", flat=True))
    products.bulk_create(
        Product(code=code, name=name, kind=kind, unit=unit, is_tier1=tier1, position=position)
        for code, (name, kind, unit, tier1, position, _components, _prices) in PRODUCTS.items()
        if code not in existing
    )
    by_code = {p.code: p for p in products.filter(code__in=PRODUCTS)}
    priced = set(Price.objects.using(using).values_list("product__code", "edition", "cycle", "currency"))
    missing = []
    for code, (*_, components, prices) in PRODUCTS.items():
        if code not in existing:
            by_code[code].components.add(*(by_code[c] for c in components))
        for edition, monthly in zip(EDITIONS, prices, strict=True):
            for currency in CURRENCIES:
                for cycle, amount in (("monthly", monthly), ("annual", annual_unit_amount(monthly))):
                    if (code, edition, cycle, currency) not in priced:
                        missing.append(
                            Price(
                                product=by_code[code],
                                edition=edition,
                                cycle=cycle,
                                currency=currency,
                                unit_amount=amount,
                            )
                        )
    Price.objects.using(using).bulk_create(missing)
