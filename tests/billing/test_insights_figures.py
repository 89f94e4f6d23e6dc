"""R11.1: the insights' figures against hand-computed expectations — the monthly snapshot the billing clock
writes (once per account and month), the recurring revenue it holds, and the page's aggregates."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import Sum

from accounts.models import Account
from billing.lifecycle.tick import billing_tick
from billing.models import (
    AccountSnapshot,
    Cancellation,
    Coupon,
    Discount,
    DunningCase,
    Product,
    ScheduledChange,
    SnapshotTotal,
    SubscriptionItem,
)
from billing.selectors.insights import Filters, insights
from billing.selectors.subscription import next_invoice_of
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from billing.services.snapshots import snapshot_totals_refresh, snapshots_write
from tests.factories import PERIOD_END, PERIOD_START, AccountFactory, ProductFactory, SubscriptionFactory

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
pytestmark = pytest.mark.django_db


def subscribed(*, currency="USD", cycle="monthly", kind=Account.Kind.SELF_SERVICE, **account):
    sub = SubscriptionFactory(account=AccountFactory(currency=currency, kind=kind, **account), cycle=cycle)
    return sub


def snapshot(account) -> AccountSnapshot:
    return AccountSnapshot.objects.get(account=account, month=NOV)


@pytest.fixture
def book():
    """Five accounts whose revenue is counted by hand (list prices are per seat per month)."""
    seat = ProductFactory(prices=1000)
    flat = ProductFactory(prices=2500, unit=Product.Unit.ACCOUNT)
    suite = ProductFactory(prices=5000, kind=Product.Kind.SUITE)
    # USD monthly: 3 seats × 10.00 + 25.00 per account = 55.00; 10 % off → 49.50. The 2 temporary seats
    # are not a recurring line.
    usd = subscribed()
    SubscriptionItem.objects.create(
        subscription=usd,
        product=seat,
        edition="team",
        seats=3,
        temporary_seats=2,
        temporary_seats_end=date(2026, 12, 20),
    )
    SubscriptionItem.objects.create(subscription=usd, product=flat, edition="team")
    ten = Coupon.objects.create(code="ten", name="10 %", percent_off_bp=1000)
    Discount.objects.create(subscription=usd, coupon=ten, starts_at=PERIOD_START)
    # EUR annual: 2 seats × 10.00 × 12 = 240.00 a year, 12.00 off → 228.00 a year → 19.00 a month.
    eur = subscribed(currency="EUR", cycle="annual", kind=Account.Kind.MANAGED)
    SubscriptionItem.objects.create(subscription=eur, product=seat, edition="team", seats=2)
    off = Coupon.objects.create(code="off", name="12 €", amount_off=1200, currency="EUR")
    Discount.objects.create(subscription=eur, coupon=off, starts_at=PERIOD_START)
    # USD monthly suite: priced once at its largest seat count, 6 × 50.00 = 300.00; a product removed by
    # the renewal is not counted.
    bundled = subscribed()
    for seats in (4, 6):
        SubscriptionItem.objects.create(
            subscription=bundled, product=ProductFactory(), edition="team", seats=seats, bundle=suite
        )
    leaving = SubscriptionItem.objects.create(subscription=bundled, product=seat, edition="team", seats=9)
    ScheduledChange.objects.create(
        account=bundled.account,
        kind=ScheduledChange.Kind.REMOVE_ITEM,
        item=leaving,
        effective_at=PERIOD_END,
        created_at=PERIOD_START,
    )
    # Cancelling at the renewal: no upcoming invoice, no revenue.
    cancelling = subscribed()
    SubscriptionItem.objects.create(subscription=cancelling, product=seat, edition="team", seats=5)
    ScheduledChange.objects.create(
        account=cancelling.account,
        kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
        effective_at=PERIOD_END,
        created_at=PERIOD_START,
    )
    cancelled = subscribed(status=Account.Status.CANCELLED)
    SubscriptionItem.objects.create(subscription=cancelled, product=seat, edition="team", seats=5)
    return {"usd": usd, "eur": eur, "bundled": bundled, "cancelling": cancelling, "cancelled": cancelled}


def test_r11_1_the_snapshot_holds_each_accounts_monthly_recurring_revenue_and_status(book):
    assert snapshots_write(month=NOV) >= 5
    expected = {
        "usd": (4950, "active", "USD"),
        "eur": (1900, "active", "EUR"),
        "bundled": (30000, "active", "USD"),
        "cancelling": (0, "cancelling", "USD"),
        "cancelled": (0, "cancelled", "USD"),
    }
    for name, (mrr, status, currency) in expected.items():
        row = snapshot(book[name].account)
        assert (row.mrr, row.status, row.currency) == (mrr, status, currency), name


def test_r11_1_the_snapshot_revenue_is_the_upcoming_invoices_recurring_lines(demo, book):
    """The SQL follows billing.selectors.upcoming: on every demo and hand-made account with an upcoming
    invoice, the snapshot's revenue is its subtotal after discounts, per month."""
    snapshots_write(month=NOV)
    compared = 0
    for account in Account.objects.filter(status="active", trial_ends_on=None, test_clock=None):
        upcoming = next_invoice_of(account, now=datetime(2026, 11, 21, tzinfo=UTC))
        months = 12 if upcoming is not None and upcoming.cycle == "annual" else 1
        expected = 0 if upcoming is None else (upcoming.subtotal * 2 + months) // (months * 2)
        assert snapshot(account).mrr == expected, account.name
        compared += upcoming is not None
    assert compared >= 8


def test_r11_1_the_tick_writes_the_snapshot_once_per_account_and_month(demo):
    billing_tick(real_now=datetime(2026, 11, 30, 14, tzinfo=UTC))
    # Every account, those on a test clock at their clock's month (November too, in the demo).
    assert AccountSnapshot.objects.filter(month=NOV).count() == Account.objects.count()
    billing_tick(real_now=datetime(2026, 11, 30, 15, tzinfo=UTC))
    assert AccountSnapshot.objects.count() == Account.objects.count()
    billing_tick(real_now=datetime(2026, 12, 1, 0, 5, tzinfo=UTC))
    real_time = Account.objects.filter(test_clock=None)
    assert AccountSnapshot.objects.filter(month=DEC).count() == real_time.count()
    assert not AccountSnapshot.objects.filter(month=DEC, account__test_clock__isnull=False).exists()
    # The totals the page reads are the book's: accounts on a test clock are staff's rehearsals.
    totals = SnapshotTotal.objects.filter(month=NOV).aggregate(n=Sum("accounts"))["n"]
    assert totals == Account.objects.filter(test_clock=None).count() < Account.objects.count()


def _failed_case(account, *, started, status, closed_after=None):
    draft = invoice_draft(account=account, lines=[LineSpec("Seats", 1000)], now=started)
    invoice = invoice_finalize(invoice=draft, now=started, notify=False)
    closed = started + timedelta(days=closed_after) if closed_after is not None else None
    return DunningCase.objects.create(
        account=account,
        invoice=invoice,
        started_at=started,
        suspend_at=started + timedelta(days=29),
        status=status,
        closed_at=closed,
    )


def _cancellation(account, *, scope, reason, at, reinstated=False, explanation=""):
    cancellation = Cancellation.objects.create(
        account=account,
        scope=scope,
        reason=reason,
        explanation=explanation,
        effective_at=PERIOD_END,
        token=uuid.uuid4(),
        created_at=at,
    )
    ScheduledChange.objects.create(
        account=account,
        kind=ScheduledChange.Kind.CANCEL_ACCOUNT if scope == "account" else "set_cycle",
        cancellation=cancellation,
        effective_at=PERIOD_END,
        created_at=at,
        revoked_at=at + timedelta(days=1) if reinstated else None,
    )
    return cancellation


def test_r11_1_the_page_figures_by_month_currency_and_type(book):
    oct_ = date(2026, 10, 1)
    for account in Account.objects.filter(subscription__in=book.values()):
        AccountSnapshot.objects.create(
            account=account,
            month=oct_,
            status="active",
            currency=account.currency,
            kind=account.kind,
            mrr=1000,
        )
    snapshots_write(month=NOV)
    # Only the hand-made book counts here: the demo's snapshots and dunning case are set aside.
    ours = [sub.account_id for sub in book.values()]
    AccountSnapshot.objects.exclude(account__in=ours).delete()
    snapshot_totals_refresh(oct_)
    snapshot_totals_refresh(NOV)
    DunningCase.objects.exclude(account__in=ours).delete()
    assert not Cancellation.objects.exists()
    a, b = book["usd"].account, book["eur"].account
    nov = datetime(2026, 11, 3, tzinfo=UTC)
    _cancellation(a, scope="account", reason="too_expensive", at=nov)
    _cancellation(a, scope="products", reason="too_expensive", at=nov)
    _cancellation(b, scope="account", reason="switching", at=nov - timedelta(days=10))
    _cancellation(a, scope="account", reason="other", at=nov, reinstated=True)  # withdrawn: not counted
    _failed_case(a, started=nov, status="recovered", closed_after=0)
    _failed_case(b, started=nov, status="recovered", closed_after=2)
    _failed_case(book["bundled"].account, started=nov, status="recovered", closed_after=21)
    _failed_case(book["cancelling"].account, started=nov, status="suspended")
    _failed_case(subscribed().account, started=nov, status="open")
    now = datetime(2026, 11, 30, 14, tzinfo=UTC)

    seen = insights(Filters(months=2), now=now)
    assert seen.months == [oct_, NOV]
    usd = [(r.amount, r.change) for r in seen.revenue["USD"]]
    assert usd == [(4000, None), (4950 + 30000, 4950 + 30000 - 4000)]
    assert [(r.amount, r.change) for r in seen.revenue["EUR"]] == [(1000, None), (1900, 900)]
    assert seen.statuses[1][1] == {"active": 3, "cancelling": 1, "dunning": 0, "suspended": 0, "cancelled": 1}
    reasons = {scope: dict(rows) for scope, rows in seen.reasons.items()}
    assert reasons["account"]["too_expensive"] == {NOV: 1}
    assert reasons["account"]["switching"] == {oct_: 1}
    assert reasons["account"]["other"] == {}
    assert reasons["products"]["too_expensive"] == {NOV: 1}
    outcomes = dict(seen.dunning)[NOV]
    assert outcomes == {
        "opened": 5,
        "suspended": 1,
        "recovered_d0": 1,
        "recovered_d2": 1,
        "recovered_d4": 0,
        "recovered_d21": 1,
        "open": 1,
    }

    managed = insights(Filters(months=2, kind="managed"), now=now)
    assert list(managed.revenue) == ["EUR"]
    assert dict(managed.dunning)[NOV]["opened"] == 1
    euros = insights(Filters(months=2, currency="EUR"), now=now)
    assert list(euros.revenue) == ["EUR"]
    assert {scope: dict(rows)["switching"] for scope, rows in euros.reasons.items()} == {
        "account": {oct_: 1},
        "products": {},
    }
