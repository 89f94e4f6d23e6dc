"""The catalog as an account's pages need it: the products on sale and their list prices in one currency.

Two plain reads (billing/selectors/rows.py), or one when the page has the products already: loading every
product with its components and every price in every currency through the ORM cost 5.1 ms a page. (It
replaced an in-memory copy of the catalog that needed a version table and nine database triggers.)
"""

from dataclasses import dataclass

from billing.models import Price, Product
from billing.selectors.rows import rows, table, tuples


@dataclass(frozen=True)
class Catalog:
    products: dict[int, Product]  # the products priced in this currency
    prices: dict[tuple[int, str, str], int]  # (product id, edition, cycle) → unit amount per month

    def price_table(self, cycle: str) -> dict[tuple[int, str], int]:
        return price_table(self.prices, cycle)


def price_table(prices: dict[tuple[int, str, str], int], cycle: str) -> dict[tuple[int, str], int]:
    """(product id, edition) → unit amount in one billing cycle: what `pricing.quote` reads."""
    return {(product, edition): amount for (product, edition, c), amount in prices.items() if c == cycle}


def catalog_for(currency: str, *, products: dict[int, Product] | None = None) -> Catalog:
    """Every price in `currency`, and the products that have one (`products`: all of them, if loaded)."""
    products = products if products is not None else {p.pk: p for p in rows(Product, "1 = 1")}
    sql = f"SELECT product_id, edition, cycle, unit_amount FROM {table(Price)} WHERE currency = %s"
    prices = {(product, edition, cycle): amount for product, edition, cycle, amount in tuples(sql, currency)}
    priced = {product for product, _edition, _cycle in prices}
    return Catalog({pk: product for pk, product in products.items() if pk in priced}, prices)
