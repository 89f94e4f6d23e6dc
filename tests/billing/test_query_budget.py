"""Pages run a fixed number of SQL queries, whatever the number of rows behind them: each page is counted with
1 and with 200 products, members, invoices or exports, and held to its budget.

Every signed-in page starts with the session and the user (loaded with the membership, the account and its
test clock in one query) and the layout's banners: the account's cancellation unless the page loaded it,
and whether a payment is being chased."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from billing.models import (
    CancellationDraft,
    Coupon,
    DataExport,
    Discount,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    SubscriptionItem,
)
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.factories import PERIOD_START, MembershipFactory, SubscriptionFactory, UserFactory

BILLING = "/admin/account/billing/"
EDITIONS, CYCLES, CURRENCIES = (
    ["team", "growth", "professional", "enterprise"],
    ["monthly", "annual"],
    ["USD"],
)


def account_with(rows: int, *, role=Membership.Role.OWNER, removals: bool = True) -> Membership:
    """An account with `rows` products (each scheduled to end, unless not `removals`) and `rows` members."""
    viewer = MembershipFactory(role=role)
    account = viewer.account
    subscription = SubscriptionFactory(account=account)
    products = Product.objects.bulk_create(
        Product(code=f"p{account.pk}-{n}", name=f"Product {n}", kind="addon", position=100 + n)
        for n in range(rows)
    )
    Price.objects.bulk_create(
        Price(product=p, edition=e, cycle=c, currency=cur, unit_amount=1000)
        for p in products
        for e in EDITIONS
        for c in CYCLES
        for cur in CURRENCIES
    )
    items = SubscriptionItem.objects.bulk_create(
        SubscriptionItem(subscription=subscription, product=p, edition="professional", seats=3)
        for p in products
    )
    if removals:
        ScheduledChange.objects.bulk_create(
            ScheduledChange(
                account=account,
                kind="remove_item",
                item=i,
                effective_at=PERIOD_START,
                created_at=PERIOD_START,
            )
            for i in items
        )
    users = UserFactory.create_batch(rows - 1)
    Membership.objects.bulk_create(Membership(account=account, user=u, role="agent") for u in users)
    PaymentMethod.objects.create(account=account, brand="Visa", last4="4242", exp_month=1, exp_year=2030)
    coupon = Coupon.objects.create(code=f"c{viewer.pk}", name="10%", percent_off_bp=1000)
    Discount.objects.create(subscription=subscription, coupon=coupon, starts_at=PERIOD_START)
    return viewer


def with_invoices(viewer, count: int) -> None:
    for _ in range(count):
        draft = invoice_draft(
            account=viewer.account, lines=[LineSpec("Seats", 1000), LineSpec("Talk", 500)], now=PERIOD_START
        )
        invoice_finalize(invoice=draft, now=PERIOD_START, notify=False)


def with_exports(viewer, count: int) -> None:
    DataExport.objects.bulk_create(
        DataExport(
            account=viewer.account, requested_by=viewer.user, status="expired", created_at=PERIOD_START
        )
        for _ in range(count)
    )


def select_all(viewer) -> None:
    """Every product in the cancellation draft (the selection itself is tested with the journey)."""
    draft = CancellationDraft.objects.create(account=viewer.account)
    draft.items.set(SubscriptionItem.objects.filter(subscription__account=viewer.account))


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# Budgets: 4 for every page (session, user, the two banners) or 3 when the page hands the banner the
# cancellation it loaded; then the page's own. The subscription (load_subscription) is 6: subscription,
# products, items, discounts, coupons, pending changes.
PAGES = [
    ("subscription/", 12, account_with),  # 3 + the subscription, prices, card, contract
    ("subscription/manage/", 12, account_with),  # 3 + the subscription, prices, seats in use, members
    ("", 6, account_with),  # the Admin Center home: 4 + is a billing contact, their last request
]
CANCELLATION_PAGES = [
    ("cancellations/", 11),  # 3 + the subscription, the draft with its selection, prices
    ("cancellations/review/", 12),  # … and seats in use, for the cheaper alternatives (R7.5)
    ("cancellations/account/", 12),
    ("cancellations/account/survey/", 11),
]
LIST_PAGES = [
    ("invoices/", 6, with_invoices),  # count, page
    ("history/", 6, with_invoices),  # count, page
    ("payment/", 6, with_invoices),  # card, latest attempts
    ("contacts/", 6, with_invoices),  # contacts, pending requests
    ("export/", 5, with_exports),  # the latest exports
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "budget", "make"), PAGES, ids=[p for p, *_ in PAGES])
def test_pages_cost_the_same_with_1_and_200_products_and_members(client_for, path, budget, make):
    counts = [queries_for(client_for(make(rows)), BILLING + path if path else "/admin/") for rows in (1, 200)]
    assert counts[0] == counts[1] <= budget, counts


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "budget"), CANCELLATION_PAGES, ids=[p for p, _ in CANCELLATION_PAGES])
def test_cancellation_pages_cost_the_same_with_1_and_200_products_selected(client_for, path, budget):
    counts = []
    for rows in (1, 200):
        viewer = account_with(rows, removals=False)
        select_all(viewer)
        counts.append(queries_for(client_for(viewer), BILLING + path))
    assert counts[0] == counts[1] <= budget, counts


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "budget", "make"), LIST_PAGES, ids=[p for p, *_ in LIST_PAGES])
def test_list_pages_cost_the_same_with_1_and_200_rows(client_for, path, budget, make):
    counts = []
    for rows in (1, 200):
        viewer = account_with(2)
        make(viewer, rows)
        counts.append(queries_for(client_for(viewer), BILLING + path))
    assert counts[0] == counts[1] <= budget, counts


@pytest.mark.django_db
def test_online_assisted_admin_with_many_requests_costs_the_same(client_for):
    viewer = account_with(20, role=Membership.Role.ADMIN)
    viewer.account.kind = "online_assisted"
    viewer.account.save(update_fields=["kind"])
    client = client_for(viewer)
    url = BILLING + "subscription/"
    before = queries_for(client, url)
    for n in range(30):
        client.post(url + "change-requests/", {"what": f"Request {n}"}, follow=True)  # as a browser does
    assert queries_for(client, url) == before <= 13  # … and its own change requests
