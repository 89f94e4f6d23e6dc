"""The catalog (products, the suites' components, list prices) held in memory by each process.

Every billing page prices the subscription; the catalog changes only when staff edit it. Each process keeps
one copy under the version token it read (billing.models.CatalogVersion, changed by database triggers on any
write to the catalog), and checks the token with one small query per use: a price edited on another app
server, or by a bulk update, is seen by the next request everywhere.
"""

from dataclasses import dataclass

from django.db import connection

from billing.models import Price, Product


@dataclass(frozen=True)
class Catalog:
    token: str | None
    products: dict[int, Product]  # each with its components prefetched
    prices: dict[tuple[int, str, str, str], int]  # (product id, edition, cycle, currency) → unit amount

    def price_table(self, cycle: str, currency: str) -> dict[tuple[int, str], int]:
        return {
            (product, edition): amount
            for (product, edition, price_cycle, price_currency), amount in self.prices.items()
            if price_cycle == cycle and price_currency == currency
        }


_cached: list[Catalog] = []


def _current_token() -> str | None:
    # Plain SQL: this runs on every billing page, and the ORM would spend longer building it than running it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM billing_catalogversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def catalog() -> Catalog:
    token = _current_token()
    if _cached and token is not None and _cached[0].token == token:
        return _cached[0]
    fresh = Catalog(
        token=token,
        products={p.pk: p for p in Product.objects.prefetch_related("components")},
        prices={
            (p.product_id, p.edition, p.cycle, p.currency): p.unit_amount
            for p in Price.objects.only("product_id", "edition", "cycle", "currency", "unit_amount")
        },
    )
    _cached[:] = [fresh]
    return fresh


def forget_catalog() -> None:
    """For the tests: a rolled-back test can leave this process a token that a later test reuses."""
    _cached.clear()
