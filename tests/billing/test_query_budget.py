"""Pages run a fixed number of SQL queries, whatever the number of products or members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from billing.models import Coupon, Discount, PaymentMethod, ScheduledChange
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.factories import PERIOD_START, MembershipFactory, SubscriptionFactory, SubscriptionItemFactory

# session, user, membership, two banners (cancellation, dunning); subscription, items, suite components,
# discounts, pending changes, prices, card, contract
SUBSCRIPTION_BUDGET = 13


def account_with(*, products: int, members: int, role=Membership.Role.OWNER):
    viewer = MembershipFactory(role=role)
    subscription = SubscriptionFactory(account=viewer.account)
    for _ in range(products):
        item = SubscriptionItemFactory(subscription=subscription, seats=3)
        ScheduledChange.objects.create(
            account=viewer.account,
            kind="remove_item",
            item=item,
            effective_at=PERIOD_START,
            created_at=PERIOD_START,
        )
    MembershipFactory.create_batch(members - 1, account=viewer.account)
    PaymentMethod.objects.create(
        account=viewer.account, brand="Visa", last4="4242", exp_month=1, exp_year=2030
    )
    coupon = Coupon.objects.create(code=f"c{viewer.pk}", name="10%", percent_off_bp=1000)
    Discount.objects.create(subscription=subscription, coupon=coupon, starts_at=PERIOD_START)
    return viewer


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_subscription_page_queries_do_not_grow_with_products_or_members(
    client_for, role, django_assert_max_num_queries
):
    url = "/admin/account/billing/subscription/"
    small = queries_for(client_for(account_with(products=1, members=2, role=role)), url)
    large_client = client_for(account_with(products=20, members=200, role=role))
    assert queries_for(large_client, url) == small
    with django_assert_max_num_queries(SUBSCRIPTION_BUDGET):
        large_client.get(url)


@pytest.mark.django_db
def test_online_assisted_admin_with_many_requests_costs_the_same(client_for, django_assert_max_num_queries):
    viewer = account_with(products=20, members=2, role=Membership.Role.ADMIN)
    viewer.account.kind = "online_assisted"
    viewer.account.save(update_fields=["kind"])
    client = client_for(viewer)
    url = "/admin/account/billing/subscription/"
    queries_for(client, url)
    before = queries_for(client, url)
    for n in range(30):
        client.post(url + "change-requests/", {"what": f"Request {n}"}, follow=True)  # as a browser does
    assert queries_for(client, url) == before
    with django_assert_max_num_queries(SUBSCRIPTION_BUDGET + 1):
        client.get(url)


@pytest.mark.django_db
def test_admin_center_home_has_a_small_fixed_budget(client_for, django_assert_max_num_queries):
    for members in (2, 200):
        client = client_for(account_with(products=members // 10, members=members))
        # session, user, membership, two banners, billing contact, contact request
        with django_assert_max_num_queries(7):
            assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_manage_page_queries_do_not_grow_with_products_or_members(client_for, django_assert_max_num_queries):
    url = "/admin/account/billing/subscription/manage/"
    small = queries_for(client_for(account_with(products=1, members=2)), url)
    large_client = client_for(account_with(products=20, members=200))
    assert queries_for(large_client, url) == small
    # session, user, membership, two banners; subscription, items, suite products, discounts, pending
    # changes, the catalog (prices and products for sale), seats in use, members
    with django_assert_max_num_queries(14):
        large_client.get(url)


def select_all(client, viewer):
    for item_id in viewer.account.subscription.items.values_list("pk", flat=True):
        client.post("/admin/account/billing/cancellations/select/", {"item": item_id})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "budget"),
    [
        # session, user, membership, two banners; subscription, items, suite products, discounts, pending
        # changes, draft + its items, prices
        ("/admin/account/billing/cancellations/", 13),
        # … and the cheaper alternatives (R7.5): the Manage page's state, once
        ("/admin/account/billing/cancellations/review/", 19),
        ("/admin/account/billing/cancellations/account/", 19),
        ("/admin/account/billing/cancellations/account/survey/", 13),
    ],
)
def test_cancellation_pages_queries_do_not_grow_with_products(
    client_for, path, budget, django_assert_max_num_queries
):
    counts = []
    for products in (1, 20):
        viewer = account_with(products=products, members=2)
        ScheduledChange.objects.filter(account=viewer.account).delete()
        client = client_for(viewer)
        select_all(client, viewer)
        counts.append(queries_for(client, path))
        with django_assert_max_num_queries(budget):
            client.get(path)
    assert counts[0] == counts[1]


def with_invoices(viewer, count: int) -> None:
    account = viewer.account
    for _ in range(count):
        draft = invoice_draft(
            account=account, lines=[LineSpec("Seats", 1000), LineSpec("Talk", 500)], now=PERIOD_START
        )
        invoice_finalize(invoice=draft, now=PERIOD_START, notify=False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/admin/account/billing/invoices/", 7),  # session, user, membership, 2 banners, count, page
        ("/admin/account/billing/history/", 7),  # session, user, membership, 2 banners, count, page
        ("/admin/account/billing/payment/", 7),  # session, user, membership, 2 banners, card, attempts
        ("/admin/account/billing/contacts/", 7),  # session, user, membership, 2 banners, contacts, requests
    ],
)
def test_invoice_and_payment_pages_do_not_grow_with_invoices(
    client_for, path, budget, django_assert_max_num_queries
):
    counts = []
    for invoices in (1, 200):
        viewer = account_with(products=2, members=2)
        with_invoices(viewer, invoices)
        client = client_for(viewer)
        counts.append(queries_for(client, path))
        with django_assert_max_num_queries(budget):
            client.get(path)
    assert counts[0] == counts[1]
