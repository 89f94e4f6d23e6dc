"""The catalog in memory (billing/catalog_cache.py): reused while the database's token is the same, reloaded
as soon as anything writes a product, a component or a price — a bulk update included."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.catalog_cache import catalog
from billing.models import CatalogVersion, Price, Product

pytestmark = pytest.mark.django_db


def support_team_usd() -> int:
    support = Product.objects.get(code="support")
    return catalog().price_table("monthly", "USD")[(support.pk, "team")]


def test_a_second_use_costs_one_small_query():
    catalog()
    with CaptureQueriesContext(connection) as queries:
        again = catalog()
    assert len(queries) == 1 and "billing_catalogversion" in queries[0]["sql"]
    assert again is catalog()


@pytest.mark.parametrize(
    "write",
    [
        lambda: Price.objects.filter(product__code="support").update(unit_amount=9900),  # no signal
        lambda: [p.save() for p in Price.objects.filter(product__code="support", edition="team")],
        lambda: Product.objects.filter(code="talk").update(name="Voice"),
        lambda: Product.objects.get(code="zendesk_suite").components.remove(Product.objects.get(code="talk")),
    ],
    ids=["bulk price update", "price saved", "product renamed", "suite component removed"],
)
def test_any_write_to_the_catalog_changes_the_token_and_the_next_read_sees_it(write):
    before = catalog()
    write()
    assert CatalogVersion.objects.get().token != before.token
    assert catalog() is not before


def test_a_bulk_price_update_shows_on_the_next_read():
    assert support_team_usd() == 2500
    Price.objects.filter(product__code="support", edition="team", currency="USD", cycle="monthly").update(
        unit_amount=2600
    )
    assert support_team_usd() == 2600
