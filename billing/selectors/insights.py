"""The staff insights (R11.1): recurring revenue, accounts by status, cancellation reasons and dunning
outcomes by month. Every figure is aggregated by the database — one query per chart, whatever the number of
accounts — and shaped here into rows of a few dozen months."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from billing.models import (
    AccountSnapshot,
    Cancellation,
    CancellationReason,
    DunningCase,
    ScheduledChange,
    SnapshotTotal,
)
from billing.pricing import add_months

Status = AccountSnapshot.Status
# The statuses the page charts, in this order (trials and closed accounts of other kinds are left out).
CHARTED_STATUSES = [Status.ACTIVE, Status.CANCELLING, Status.DUNNING, Status.SUSPENDED, Status.CANCELLED]
# Dunning outcomes: a case recovered before the next step's day was recovered at this step (R8.5).
RECOVERED_AT = [("d0", 0, 2), ("d2", 2, 4), ("d4", 4, 21), ("d21", 21, None)]


@dataclass(frozen=True)
class Filters:
    months: int = 12  # the period: this many months, ending with the current one
    kind: str = ""  # an Account.Kind, or every type
    currency: str = ""  # an ISO 4217 code, or every currency

    def month_list(self, now: datetime) -> list[date]:
        last = datetime(now.year, now.month, 1, tzinfo=now.tzinfo)
        return [add_months(last, -back).date() for back in range(self.months - 1, -1, -1)]

    def on_account(self, prefix: str = "account__") -> Q:
        """The type and currency filters on a model related to the account (or on the totals, prefix ""),
        and never an account on a test clock: staff's rehearsals, not the book (the totals have none)."""
        condition = Q(**{f"{prefix}test_clock": None}) if prefix else Q()
        if self.kind:
            condition &= Q(**{f"{prefix}kind": self.kind})
        if self.currency:
            condition &= Q(**{f"{prefix}currency": self.currency})
        return condition


@dataclass(frozen=True)
class RevenueRow:
    month: date
    amount: int  # minor units per month
    change: int | None  # from the month before; None for the first month shown


@dataclass
class Insights:
    months: list[date]
    revenue: dict[str, list[RevenueRow]]  # currency → one row per month
    statuses: list[tuple[date, dict[str, int]]]  # month → status → accounts
    reasons: dict[str, list[tuple[str, dict[date, int]]]]  # scope → (reason, month → count), reasons in order
    dunning: list[tuple[date, dict[str, int]]]  # month opened → outcome → cases
    currencies: list[str] = field(default_factory=list)


def insights(filters: Filters, *, now: datetime) -> Insights:
    months = filters.month_list(now)
    counts, revenue = _snapshot_totals(filters, months)
    return Insights(
        months=months,
        revenue=_revenue_rows(revenue, months),
        statuses=[(month, {s: counts.get((month, s), 0) for s in CHARTED_STATUSES}) for month in months],
        reasons=_reasons(filters, months),
        dunning=_dunning(filters, months),
        currencies=sorted(revenue),
    )


def _snapshot_totals(filters: Filters, months: list[date]):
    """Accounts per (month, status) and revenue per currency and month, from the snapshots' monthly totals
    (billing.services.snapshots: a few hundred rows, where the snapshots are a hundred thousand a month)."""
    rows = (
        SnapshotTotal.objects.filter(
            filters.on_account(prefix=""), month__gte=months[0], month__lte=months[-1]
        )
        .values_list("month", "currency", "status")
        .annotate(n=Sum("accounts"), revenue=Sum("mrr"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = defaultdict(int)
    revenue: dict[str, dict[date, int]] = defaultdict(dict)
    for month, currency, status, accounts, amount in rows:
        counts[(month, status)] += accounts
        revenue[currency][month] = revenue[currency].get(month, 0) + (amount or 0)
    return counts, revenue


def _revenue_rows(revenue: dict[str, dict[date, int]], months: list[date]) -> dict[str, list[RevenueRow]]:
    shaped = {}
    for currency in sorted(revenue):
        amounts = [revenue[currency].get(month, 0) for month in months]
        shaped[currency] = [
            RevenueRow(month, amount, None if i == 0 else amount - amounts[i - 1])
            for i, (month, amount) in enumerate(zip(months, amounts, strict=True))
        ]
    return shaped


def _period(months: list[date]) -> tuple[datetime, datetime]:
    """The period as [its first moment, the first moment after its last month), in UTC."""
    start = datetime.combine(months[0], time(), tzinfo=UTC)
    return start, add_months(datetime.combine(months[-1], time(), tzinfo=UTC), 1)


def counted_as_cancelled() -> Q:
    """A cancellation the insights count: it still stands — one withdrawn by staff (every change it
    scheduled reinstated, R4.8, R5.8) is not a cancellation — and it is not a test clock's rehearsal."""
    standing = ScheduledChange.objects.filter(cancellation=OuterRef("pk"), revoked_at__isnull=True)
    return Q(Exists(standing), account__test_clock=None)


def cancellations_counted(filters: Filters, months: list[date]):
    """The period's cancellations the insights count (`counted_as_cancelled`)."""
    start, end = _period(months)
    return Cancellation.objects.filter(
        filters.on_account(), counted_as_cancelled(), created_at__gte=start, created_at__lt=end
    )


def _reasons(filters: Filters, months: list[date]) -> dict[str, list[tuple[str, dict[date, int]]]]:
    rows = (
        cancellations_counted(filters, months)
        .annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values_list("scope", "reason", "month")
        .annotate(n=Count("*"))
        .order_by()
    )
    found: dict[str, dict[str, dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
    for scope, reason, month, n in rows:
        found[scope][reason][_as_date(month)] = n
    return {
        scope: [(reason, dict(found[scope][reason])) for reason in CancellationReason.values]
        for scope in Cancellation.Scope.values
    }


def _dunning(filters: Filters, months: list[date]) -> list[tuple[date, dict[str, int]]]:
    start, end = _period(months)
    recovered = Q(status=DunningCase.Status.RECOVERED)
    counts = {"opened": Count("*"), "suspended": Count("pk", filter=Q(status=DunningCase.Status.SUSPENDED))}
    for step, after, before in RECOVERED_AT:
        window = recovered & Q(closed_at__gte=F("started_at") + timedelta(days=after))
        if before is not None:
            window &= Q(closed_at__lt=F("started_at") + timedelta(days=before))
        counts[f"recovered_{step}"] = Count("pk", filter=window)
    counts["open"] = Count("pk", filter=Q(status=DunningCase.Status.OPEN))
    rows = (
        DunningCase.objects.filter(filters.on_account(), started_at__gte=start, started_at__lt=end)
        .annotate(month=TruncMonth("started_at", tzinfo=UTC))
        .values("month")
        .annotate(**counts)
        .order_by()
    )
    by_month = {_as_date(row.pop("month")): row for row in rows}
    empty = dict.fromkeys(counts, 0)
    return [(month, by_month.get(month, empty)) for month in months]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def currencies_in_use() -> list[str]:
    """The currencies the snapshots have seen, for the filter (from their small monthly totals)."""
    return list(SnapshotTotal.objects.order_by("currency").values_list("currency", flat=True).distinct())
