"""The monthly account snapshots (R11.1), written by the billing clock: one row per account and month, in one
INSERT … SELECT per clock (the real one, and each test clock at its own month) — never a loop over accounts.

The monthly recurring revenue follows the upcoming invoice's rules (billing.selectors.upcoming), in SQL:
running items at their list price in the account's currency and cycle (agent seats, or 1 per account), a
suite priced once at its largest seat count, minus the discounts running at the renewal (a percentage of the
subtotal, rounded half up, or an amount in the currency, never below zero), divided by the months of the
cycle (rounded half up). Temporary seats and one-off charges are not recurring lines: they are not counted.
No upcoming invoice, no revenue: accounts that are not active, trials, a contract that does not renew, an
account cancellation taking effect by the renewal; a product removed by then is left out. Other scheduled
changes (seats, edition, cycle, end of suite pricing) count from the month after they take effect."""

from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, Sum

from accounts.models import Account
from billing.models import (
    AccountSnapshot,
    ContractTerms,
    Coupon,
    Discount,
    DunningCase,
    Price,
    Product,
    ScheduledChange,
    SnapshotTotal,
    Subscription,
    SubscriptionItem,
    TestClock,
)
from billing.selectors.rows import table


def month_of(moment: datetime) -> date:
    return moment.date().replace(day=1)


def _pending(kind: str, on: str, *, by_renewal: bool = True) -> str:
    """A scheduled change of `kind`, pending, matching `on` (and taking effect by the renewal of `s`)."""
    sql = (
        f"SELECT 1 FROM {table(ScheduledChange)} sc WHERE {on} AND sc.kind = '{kind}' "
        "AND sc.applied_at IS NULL AND sc.revoked_at IS NULL"
    )
    return sql + " AND sc.effective_at <= s.current_period_end" if by_renewal else sql


def _revenue_sql() -> str:
    """(account_id, mrr) of every account with an upcoming invoice. Integer arithmetic throughout: each SUM
    is cast back to an integer, since PostgreSQL sums integers as numeric, whose division is exact, not
    rounded the way the upcoming invoice rounds."""
    seat = Product.Unit.SEAT
    removed = _pending(ScheduledChange.Kind.REMOVE_ITEM, "sc.item_id = i.id")
    lines = f"""
        SELECT i.subscription_id AS sub, i.product_id AS product, i.edition AS edition,
               CASE WHEN p.unit = '{seat}' THEN i.seats ELSE 1 END AS quantity
        FROM {table(SubscriptionItem)} i
        JOIN {table(Product)} p ON p.id = i.product_id
        JOIN {table(Subscription)} s ON s.id = i.subscription_id
        WHERE i.ended_at IS NULL AND i.bundle_id IS NULL AND NOT EXISTS ({removed})
        UNION ALL
        SELECT i.subscription_id, i.bundle_id, MIN(i.edition), MAX(i.seats)
        FROM {table(SubscriptionItem)} i
        JOIN {table(Subscription)} s ON s.id = i.subscription_id
        WHERE i.ended_at IS NULL AND i.bundle_id IS NOT NULL AND NOT EXISTS ({removed})
        GROUP BY i.subscription_id, i.bundle_id"""
    subtotals = f"""
        SELECT s.id AS sub, a.id AS account_id, a.currency AS currency, s.current_period_end AS renews_at,
               CASE WHEN s.cycle = 'annual' THEN 12 ELSE 1 END AS months,
               CAST(SUM(pr.unit_amount * l.quantity) AS BIGINT)
                 * CASE WHEN s.cycle = 'annual' THEN 12 ELSE 1 END AS subtotal
        FROM ({lines}) l
        JOIN {table(Subscription)} s ON s.id = l.sub
        JOIN {table(Account)} a ON a.id = s.account_id
        JOIN {table(Price)} pr ON pr.product_id = l.product AND pr.edition = l.edition
             AND pr.cycle = s.cycle AND pr.currency = a.currency
        WHERE a.status = 'active' AND a.trial_ends_on IS NULL
          AND NOT EXISTS ({_pending(ScheduledChange.Kind.CANCEL_ACCOUNT, "sc.account_id = a.id")})
          AND NOT EXISTS (
              SELECT 1 FROM {table(ContractTerms)} ct WHERE ct.account_id = a.id AND NOT ct.auto_renew)
        GROUP BY s.id, a.id, a.currency, s.current_period_end, s.cycle"""
    discounts = f"""
        SELECT CAST(COALESCE(SUM(CASE
            WHEN c.percent_off_bp IS NOT NULL THEN (t.subtotal * c.percent_off_bp + 5000) / 10000
            WHEN c.amount_off < t.subtotal THEN c.amount_off ELSE t.subtotal END), 0) AS BIGINT)
        FROM {table(Discount)} d JOIN {table(Coupon)} c ON c.id = d.coupon_id
        WHERE d.subscription_id = t.sub AND d.starts_at <= t.renews_at
          AND (d.ends_at IS NULL OR d.ends_at > t.renews_at)
          AND (c.percent_off_bp IS NOT NULL OR c.currency = t.currency)"""
    total = f"CASE WHEN t.subtotal > ({discounts}) THEN t.subtotal - ({discounts}) ELSE 0 END"
    return f"SELECT t.account_id, (({total}) * 2 + t.months) / (t.months * 2) AS mrr FROM ({subtotals}) t"


def _status_sql() -> str:
    """The account's status for the insights (AccountSnapshot.Status), from its stored status, its live
    dunning case and its scheduled cancellation."""
    S = AccountSnapshot.Status
    cancelling = _pending(ScheduledChange.Kind.CANCEL_ACCOUNT, "sc.account_id = a.id", by_renewal=False)
    return f"""CASE
        WHEN a.status = 'suspended' THEN '{S.SUSPENDED}'
        WHEN a.status = 'cancelled' THEN '{S.CANCELLED}'
        WHEN a.status <> 'active' THEN '{S.OTHER}'
        WHEN EXISTS (SELECT 1 FROM {table(DunningCase)} dc WHERE dc.account_id = a.id AND dc.status = 'open')
            THEN '{S.DUNNING}'
        WHEN EXISTS ({cancelling}) THEN '{S.CANCELLING}'
        WHEN a.trial_ends_on IS NOT NULL THEN '{S.TRIAL}'
        ELSE '{S.ACTIVE}' END"""


def snapshots_write(*, month: date, clock: TestClock | None = None) -> int:
    """This month's snapshot of every account living at the real time (or at `clock`'s) that has none yet:
    once per account and month, whatever the number of ticks (two ticks at once: the unique constraint
    keeps the first). Then the month's totals, if they no longer add up to its snapshots. Returns the
    snapshots written."""
    on_clock = "a.test_clock_id IS NULL" if clock is None else "a.test_clock_id = %s"
    accounts = Account.objects.filter(test_clock=clock) if clock else Account.objects.filter(test_clock=None)
    if not accounts.exclude(snapshots__month=month).exists():
        return 0  # every later tick of the month: the revenue of the whole book is not worked out again
    sql = f"""
        INSERT INTO {table(AccountSnapshot)} (account_id, month, status, currency, kind, mrr)
        SELECT a.id, %s, {_status_sql()}, a.currency, a.kind, COALESCE(r.mrr, 0)
        FROM {table(Account)} a
        LEFT JOIN ({_revenue_sql()}) r ON r.account_id = a.id
        WHERE {on_clock}
          AND NOT EXISTS (
              SELECT 1 FROM {table(AccountSnapshot)} x WHERE x.account_id = a.id AND x.month = %s)
        ON CONFLICT (month, account_id) DO NOTHING"""
    params = [month] + ([] if clock is None else [clock.pk]) + [month]
    with transaction.atomic():  # the snapshots and their totals, or neither
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written = cursor.rowcount
        snapshot_totals_refresh(month)
    return written


def snapshot_totals_refresh(month: date) -> None:
    """The month's SnapshotTotal rows, counted again from its snapshots when their count differs (a tick
    wrote snapshots, or one that crashed left them behind). Accounts on a test clock have snapshots (their
    clock's months) but are left out of the totals the insights read: they are staff's rehearsals, not
    revenue or churn."""
    snapshots = AccountSnapshot.objects.filter(month=month, account__test_clock=None)
    counted = SnapshotTotal.objects.filter(month=month).aggregate(n=Sum("accounts"))["n"] or 0
    if counted == snapshots.count():
        return
    totals = snapshots.values_list("currency", "kind", "status").annotate(n=Count("*"), mrr=Sum("mrr"))
    with transaction.atomic():
        SnapshotTotal.objects.filter(month=month).delete()
        SnapshotTotal.objects.bulk_create(
            SnapshotTotal(month=month, currency=c, kind=k, status=s, accounts=n, mrr=mrr)
            for c, k, s, n, mrr in totals.order_by()
        )
