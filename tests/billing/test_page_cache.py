"""Billing pages kept in memory (billing/page_cache.py) are never stale and never someone else's.

The key holds the account's data version, which database triggers change on any write to what the pages
show — whatever makes the write: a service, the admin, a bulk update. These tests write behind the app's back
(queryset updates, no signals) and expect the next page to show it.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Account, Membership, User
from billing import selectors
from billing.models import AccountDataVersion, Coupon, PaymentMethod, SubscriptionItem, TestClock
from billing.page_cache import CSRF_PLACEHOLDER
from tests.conftest import NOW, demo_member
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

BILLING = "/admin/account/billing"
CACHED_PAGES = [
    f"{BILLING}/subscription/",
    f"{BILLING}/subscription/manage/",
    f"{BILLING}/cancellations/",
    f"{BILLING}/invoices/",
    f"{BILLING}/history/",
]
# Tables whose rows belong to no one account: the catalog has its own version (billing/catalog_cache.py).
NOT_ACCOUNT_DATA = {
    "billing_product",
    "billing_price",
    "billing_product_components",
    "billing_catalogversion",
    "billing_accountdataversion",
    "accounts_user_groups",
    "accounts_user_user_permissions",
}


def tables_of_the_apps() -> set[str]:
    tables = set()
    for model in [
        *apps.get_app_config("accounts").get_models(),
        *apps.get_app_config("billing").get_models(),
    ]:
        tables.add(model._meta.db_table)
        tables.update(field.m2m_db_table() for field in model._meta.local_many_to_many)
    return tables


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def tokens() -> dict[int, str]:
    return dict(AccountDataVersion.objects.values_list("account_id", "token"))


def without_tokens(response) -> str:
    return re.sub(r'(value="|"x-csrftoken": ")[A-Za-z0-9]{64}"', r"\1", response.content.decode())


def csrf_tokens(response) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("table", sorted(tables_of_the_apps() - NOT_ACCOUNT_DATA))
def test_every_table_of_account_data_has_its_version_triggers(table):
    """A new model, or an SQLite migration that rebuilds a table (and drops its triggers), fails here."""
    names = triggers_on(table)
    assert {f"{table}_data_version_{op}" for op in ("insert", "update", "delete")} <= names


def test_any_write_to_any_table_of_account_data_changes_that_accounts_version(demo):
    written = []
    for table in sorted(tables_of_the_apps() - NOT_ACCOUNT_DATA):
        before = tokens()
        with connection.cursor() as cursor:
            try:
                with transaction.atomic():
                    cursor.execute(f"UPDATE {table} SET id = id")  # noqa: S608 (our own table names)
            except DatabaseError:  # the lines of an issued invoice cannot be updated (R8.2): delete one
                cursor.execute(f"DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table})")  # noqa: S608
            if not cursor.rowcount:
                continue  # the demo has no such row
        changed = {account for account, token in tokens().items() if before.get(account) != token}
        assert changed, f"a write to {table} changed no account's version"
        written.append(table)
    assert len(written) >= 20  # the demo has rows in most tables; the others are checked above for triggers


def test_a_write_changes_only_the_accounts_it_touches(demo):
    acme, legacy = demo_member("owner@acme.test").account, demo_member("owner@legacy-suite.test").account
    before = tokens()
    SubscriptionItem.objects.filter(subscription__account=acme).update(seats=40)
    after = tokens()
    assert after[acme.pk] != before[acme.pk]
    assert after[legacy.pk] == before[legacy.pk]


def test_inserts_and_deletes_change_the_version_too(owner):
    first = tokens()[owner.account_id]
    card = PaymentMethod.objects.create(
        account=owner.account, brand="Visa", last4="4242", exp_month=1, exp_year=2030
    )
    second = tokens()[owner.account_id]
    card.delete()
    assert len({first, second, tokens()[owner.account_id]}) == 3


def test_a_new_account_gets_a_version(db):
    account = AccountFactory()
    assert tokens()[account.pk]


@pytest.mark.parametrize("path", CACHED_PAGES)
def test_a_second_view_is_served_from_memory_with_three_queries(
    demo, client_for, path, django_assert_max_num_queries
):
    client = client_for(demo_member("owner@acme.test"))
    first = client.get(path)
    # the session, the user with membership, account and data version (accounts/backends.py), the catalog
    with django_assert_max_num_queries(3):
        second = client.get(path)
    assert second.status_code == first.status_code == 200
    assert second.content != first.content  # each answer has its own CSRF token …
    assert without_tokens(second) == without_tokens(first)  # … and is otherwise the same page


def test_a_bulk_update_behind_the_apps_back_shows_on_the_next_view(demo, client_for):
    owner = demo_member("owner@acme.test")
    client = client_for(owner)
    assert "12 agent seats" in client.get(f"{BILLING}/subscription/").content.decode()
    SubscriptionItem.objects.filter(subscription__account=owner.account, product__code="support").update(
        seats=31
    )
    page = client.get(f"{BILLING}/subscription/").content.decode()
    assert "31 agent seats" in page and "12 agent seats" not in page


def test_a_coupon_edited_by_staff_shows_on_the_accounts_that_use_it(demo, client_for):
    client = client_for(demo_member("owner@acme.test"))
    assert "−$122.30" in client.get(f"{BILLING}/subscription/").content.decode()  # Welcome 10%
    Coupon.objects.filter(discounts__subscription__account__name="Acme Self-Service").update(
        percent_off_bp=1500
    )
    assert "−$183.45" in client.get(f"{BILLING}/subscription/").content.decode()


def test_a_members_new_email_shows_on_the_manage_page(demo, client_for):
    client = client_for(demo_member("owner@acme.test"))
    assert "agent@acme.test" in client.get(f"{BILLING}/subscription/manage/").content.decode()
    User.objects.filter(email="agent@acme.test").update(email="helper@acme.test")
    page = client.get(f"{BILLING}/subscription/manage/").content.decode()
    assert "helper@acme.test" in page and "agent@acme.test" not in page


def test_a_test_clock_moved_by_staff_changes_the_version(demo):
    owner = demo_member("owner@acme.test")
    clock = TestClock.objects.create(name="Acme", frozen_now=NOW)
    Account.objects.filter(pk=owner.account_id).update(test_clock=clock)
    before = tokens()[owner.account_id]
    TestClock.objects.filter(pk=clock.pk).update(frozen_now=NOW + timedelta(days=400))
    assert tokens()[owner.account_id] != before


def test_the_page_is_rendered_again_in_the_next_minute(demo, client_for):
    client = client_for(demo_member("owner@acme.test"))
    counts = []
    for moment in (NOW, NOW + timedelta(seconds=59), NOW + timedelta(minutes=1)):
        with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
            client.get(f"{BILLING}/invoices/")
        counts.append(len(queries))
    _, kept, next_minute = counts
    assert kept <= 4 < next_minute


def test_each_view_carries_a_fresh_token_that_the_server_accepts(demo):
    owner = demo_member("owner@acme.test")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    first = client.get(f"{BILLING}/invoices/")
    second = client.get(f"{BILLING}/invoices/")  # from memory
    for response in (first, second):
        assert CSRF_PLACEHOLDER not in response.content.decode()
    assert csrf_tokens(second) and set(csrf_tokens(second)).isdisjoint(csrf_tokens(first))
    saved = client.post(
        f"{BILLING}/invoices/billing-address/",
        {
            "csrfmiddlewaretoken": csrf_tokens(second)[0],
            "billing_name": "Acme Self-Service",
            "billing_address": "2 Market Street",
            "billing_country": "US",
            "tax_id": "",
        },
    )
    assert saved.status_code == 302
    page = client.get(f"{BILLING}/invoices/").content.decode()
    assert "2 Market Street" in page  # the write changed the version: not the kept page
    assert "Billing details saved." in page  # and the message is shown once …
    assert "Billing details saved." not in client.get(f"{BILLING}/invoices/").content.decode()  # … then gone


def test_each_member_gets_their_own_page(demo, client_for):
    owner, billing = demo_member("owner@acme.test"), demo_member("billing@acme.test")
    client_for(owner).get(f"{BILLING}/subscription/")
    page = client_for(billing).get(f"{BILLING}/subscription/").content.decode()
    assert "billing@acme.test" in page and "owner@acme.test" not in page


def test_the_guard_still_decides_before_a_kept_page_is_served(demo, client_for):
    client_for(demo_member("owner@acme.test")).get(f"{BILLING}/subscription/manage/")
    assert (
        client_for(demo_member("agent@acme.test")).get(f"{BILLING}/subscription/manage/").status_code == 403
    )


def test_the_language_is_part_of_the_key(demo, client_for):
    client = client_for(demo_member("owner@acme.test"))
    assert "Invoices" in client.get(f"{BILLING}/invoices/").content.decode()
    client.cookies["django_language"] = "fr"
    assert "Factures" in client.get(f"{BILLING}/invoices/").content.decode()


def test_htmx_requests_are_neither_kept_nor_served_from_memory(demo, client_for, monkeypatch):
    rendered = []
    history = selectors.billing_history
    monkeypatch.setattr(selectors, "billing_history", lambda *args: rendered.append(1) or history(*args))
    client = client_for(demo_member("owner@acme.test"))
    htmx = {"HX-Request": "true"}
    for first, then in [({}, htmx), (htmx, {})]:
        client.get(f"{BILLING}/history/", headers=first)
        rendered.clear()
        assert client.get(f"{BILLING}/history/", headers=then).status_code == 200
        assert rendered  # the view ran
        caches["pages"].clear()
    client.get(f"{BILLING}/history/")
    rendered.clear()
    client.get(f"{BILLING}/history/")
    assert not rendered  # and a plain repeat view did not


def test_a_role_change_shows_on_the_next_view(demo, client_for):
    owner = demo_member("owner@acme.test")
    client = client_for(owner)
    as_owner = client.get(f"{BILLING}/subscription/manage/").content
    Membership.objects.filter(pk=owner.pk).update(role=Membership.Role.BILLING_ADMIN)
    assert client.get(f"{BILLING}/subscription/manage/").content != as_owner
