"""The catalog as an account's pages need it: the products on sale and their list prices in one currency.

One query a page, with plain rows: loading every product with its components and every price in every
currency cost 5.1 ms a page; this costs well under a millisecond. (It replaced an in-memory copy of the
catalog that saved about 1 ms a page against it, and needed a version table and nine database triggers.)
"""

from dataclasses import dataclass

from billing.models import Price, Product

PRODUCT_FIELDS = ("code", "name", "kind", "unit", "is_tier1", "position")


@dataclass(frozen=True)
class Catalog:
    products: dict[int, Product]  # the products priced in this currency
    prices: dict[tuple[int, str, str], int]  # (product id, edition, cycle) → unit amount per month

    def price_table(self, cycle: str) -> dict[tuple[int, str], int]:
        return price_table(self.prices, cycle)


def price_table(prices: dict[tuple[int, str, str], int], cycle: str) -> dict[tuple[int, str], int]:
    """(product id, edition) → unit amount in one billing cycle: what `pricing.quote` reads."""
    return {(product, edition): amount for (product, edition, c), amount in prices.items() if c == cycle}


def catalog_for(currency: str) -> Catalog:
    """Every price in `currency` with its product, in one query."""
    rows = Price.objects.filter(currency=currency).values_list(
        "product_id", "edition", "cycle", "unit_amount", *(f"product__{field}" for field in PRODUCT_FIELDS)
    )
    products, prices = {}, {}
    for product_id, edition, cycle, amount, *fields in rows:
        prices[(product_id, edition, cycle)] = amount
        if product_id not in products:
            products[product_id] = Product(id=product_id, **dict(zip(PRODUCT_FIELDS, fields, strict=True)))
    return Catalog(products, prices)
