"""Pages run a fixed number of SQL queries, whatever the number of rows behind them: each page is counted with
1 and with 200 products, members, invoices or exports, and held to its budget.

Every signed-in page starts with the session and the user (loaded with the membership, the account and its
test clock in one query) and the layout's banners: the account's cancellation unless the page loaded it,
and whether a payment is being chased."""

import uuid
from functools import partial

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from billing.models import (
    CancellationDraft,
    Coupon,
    DataExport,
    Discount,
    DunningCase,
    DunningStep,
    Invoice,
    PaymentMethod,
    Price,
    Product,
    ScheduledChange,
    SubscriptionItem,
    SupportRequest,
)
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.factories import PERIOD_END, PERIOD_START, MembershipFactory, SubscriptionFactory, UserFactory

BILLING = "/admin/account/billing/"
EDITIONS, CYCLES, CURRENCIES = (
    ["team", "growth", "professional", "enterprise"],
    ["monthly", "annual"],
    ["USD"],
)


def account_with(rows: int, *, role=Membership.Role.OWNER, changes: str | None = "remove_item") -> Membership:
    """An account with `rows` products, the first two priced as a suite, each with a pending change of kind
    `changes` (its removal by default; a seat change shows on the Manage page's pending list), `rows`
    members, a discount, and a payment being chased whose banner everyone sees."""
    viewer = MembershipFactory(role=role)
    account = viewer.account
    subscription = SubscriptionFactory(account=account)
    suite = Product.objects.create(code=f"s{account.pk}", name="Suite", kind="suite", position=99)
    products = Product.objects.bulk_create(
        Product(code=f"p{account.pk}-{n}", name=f"Product {n}", kind="addon", position=100 + n)
        for n in range(rows)
    )
    suite.components.set(products[:2])
    Price.objects.bulk_create(
        Price(product=p, edition=e, cycle=c, currency=cur, unit_amount=1000)
        for p in [suite, *products]
        for e in EDITIONS
        for c in CYCLES
        for cur in CURRENCIES
    )
    items = SubscriptionItem.objects.bulk_create(
        SubscriptionItem(
            subscription=subscription,
            product=p,
            edition="professional",
            seats=3,
            bundle=suite if n < 2 else None,
        )
        for n, p in enumerate(products)
    )
    if changes:
        payload = {"seats": 4} if changes == "set_seats" else {}
        ScheduledChange.objects.bulk_create(
            ScheduledChange(
                account=account,
                kind=changes,
                item=i,
                payload=payload,
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
    failed = invoice_finalize(
        invoice=invoice_draft(account=account, lines=[LineSpec("Seats", 1)], now=PERIOD_START),
        now=PERIOD_START,
        notify=False,
    )
    case = DunningCase.objects.create(
        account=account, invoice=failed, started_at=PERIOD_START, suspend_at=PERIOD_START
    )
    DunningStep.objects.bulk_create(
        DunningStep(case=case, step=step, at=PERIOD_START) for step in ("d0", "d2", "d21")
    )
    return viewer


def with_invoices(viewer, count: int) -> None:
    for _ in range(count):
        draft = invoice_draft(
            account=viewer.account, lines=[LineSpec("Seats", 1000), LineSpec("Talk", 500)], now=PERIOD_START
        )
        invoice_finalize(invoice=draft, now=PERIOD_START, notify=False)


def with_invoice_requests(viewer, count: int) -> None:
    """R8.10: invoices, and as many answered requests for copies, each pointing to every invoice."""
    with_invoices(viewer, count)
    invoices = list(Invoice.objects.filter(account=viewer.account))
    for number in range(count):
        request = SupportRequest.objects.create(
            account=viewer.account,
            kind="invoice_copy",
            requested_by=viewer.user,
            key=uuid.uuid4(),
            invoice_number=f"INV-{number}",
            status="answered",
            reply="Attached.",
            created_at=PERIOD_START,
        )
        request.invoices.set(invoices)


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


# Budgets. Every page: the session and the user (1 + 1), the banners: the account's cancellation unless the
# page hands over the one it loaded (1 or 0), and the payment being chased (3 here: whether there is one, the
# case with its invoice, its steps). The subscription (load_subscription) is 7 here: subscription, products,
# items, the suite's products, discounts, coupons, pending changes.
PAGES = [
    ("subscription/", 15, account_with),  # 5 + the subscription, prices, card, contract
    (
        "subscription/manage/",
        15,
        partial(account_with, changes="set_seats"),
    ),  # 5 + it, prices, seats, members
    ("", 8, account_with),  # the Admin Center home: 6 + is a billing contact, their last request
]
CANCELLATION_PAGES = [
    ("cancellations/", 14),  # 5 + the subscription, the draft with its selection, prices
    ("cancellations/review/", 15),  # … and seats in use, for the cheaper alternatives (R7.5)
    ("cancellations/account/", 15),
    ("cancellations/account/survey/", 14),
]
LIST_PAGES = [
    ("invoices/", 10, with_invoice_requests),  # 6 + count, page, requests for copies, their invoices
    ("history/", 8, with_invoices),  # 6 + count, page
    ("payment/", 9, with_invoices),  # 6 + card, latest attempts, a payment waiting for confirmation (R12.1)
    ("contacts/", 8, with_invoices),  # 6 + contacts, pending requests
    ("export/", 7, with_exports),  # 6 + the latest exports
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
        viewer = account_with(rows, changes=None)
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
def test_r7_4_the_final_statements_preview_costs_the_same_with_1_and_200_products_and_invoices(client_for):
    """Billing › Invoices with a scheduled cancellation: as without one (10: the banner's endings are read
    once, by the page, and handed over) + what ends and what is still due."""
    counts = []
    for rows in (1, 200):
        viewer = account_with(rows, changes=None)
        with_invoices(viewer, rows)
        ScheduledChange.objects.create(
            account=viewer.account, kind="cancel_account", effective_at=PERIOD_END, created_at=PERIOD_START
        )
        counts.append(queries_for(client_for(viewer), BILLING + "invoices/"))
    assert counts[0] == counts[1] <= 10 + 2, counts


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
    assert queries_for(client, url) == before <= 16  # … and its own change requests


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_a_column_added_while_the_server_runs_does_not_break_the_prepared_reads(client_for):
    """PostgreSQL prepares a statement after its fifth run on a connection (settings): a prepared
    `SELECT *` fails once a migration, from another process, adds a column; the plain reads name theirs."""
    client = client_for(account_with(2))
    pages = [BILLING + "subscription/", BILLING + "subscription/manage/"]
    assert [client.get(page).status_code for page in pages * 4] == [200] * 8
    tables = [m._meta.db_table for m in (SubscriptionItem, ScheduledChange, Product, Discount, Membership)]
    migration = connections.create_connection("default")  # another session, as `migrate` on deploy
    try:
        with migration.cursor() as cursor:
            for name in tables:
                cursor.execute(f"ALTER TABLE {name} ADD COLUMN added_by_a_migration integer")
        assert [client.get(page).status_code for page in pages] == [200, 200]
    finally:
        with migration.cursor() as cursor:
            for name in tables:
                cursor.execute(f"ALTER TABLE {name} DROP COLUMN added_by_a_migration")
        migration.close()
