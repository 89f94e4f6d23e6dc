"""The insights page's tables and charts (R11.1), built from billing.selectors.insights: each table holds the
numbers its chart draws, shown beside it and downloaded as CSV (raw values: months as YYYY-MM, money in
major units with the currency's decimals)."""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.admin.charts import chart, svg
from billing.models import AccountSnapshot, Cancellation, CancellationReason
from billing.money import format_money, format_month, money_input
from billing.selectors.insights import CHARTED_STATUSES, RECOVERED_AT, Filters, Insights

RECOVERED_LABELS = {
    "d0": gettext_lazy("Recovered at D"),
    "d2": gettext_lazy("Recovered at D+2"),
    "d4": gettext_lazy("Recovered at D+4"),
    "d21": gettext_lazy("Recovered at D+21"),
}
# The columns of the dunning table after "Cases opened": the selector's counts, in the schedule's order.
DUNNING_OUTCOMES = [
    *[(f"recovered_{step}", RECOVERED_LABELS[step]) for step, *_days in RECOVERED_AT],
    ("suspended", gettext_lazy("Cancelled for non-payment")),
    ("open", gettext_lazy("Still in dunning")),
]


@dataclass(frozen=True)
class Cell:
    value: object  # what the CSV holds
    shown: str  # what the page shows
    url: str = ""  # where the number's details are, if anywhere


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: str = ""  # inline SVG

    def csv_rows(self) -> list[list]:
        return [self.headers, *[[cell.value for cell in row] for row in self.rows]]


def _month(month: date) -> Cell:
    return Cell(f"{month:%Y-%m}", format_month(month))


def _count(n: int, url: str = "") -> Cell:
    return Cell(n, str(n), url)


def _short(months: list[date]) -> list[str]:
    return [format_month(month, "yMMM") for month in months]


def revenue_table(found: Insights) -> Table:
    headers = [_("Month")]
    for currency in found.currencies:
        headers += [currency, _("%(currency)s change") % {"currency": currency}]
    table = Table("revenue", _("Monthly recurring revenue"), headers)
    for i, month in enumerate(found.months):
        row = [_month(month)]
        for currency in found.currencies:
            line = found.revenue[currency][i]
            row.append(Cell(money_input(line.amount, currency), format_money(line.amount, currency)))
            change = "" if line.change is None else money_input(line.change, currency)
            shown = (
                "—" if line.change is None else _signed(format_money(abs(line.change), currency), line.change)
            )
            row.append(Cell(change, shown))
        table.rows.append(row)
    series = [
        (currency, [float(money_input(line.amount, currency)) for line in found.revenue[currency]])
        for currency in found.currencies
    ]
    table.chart = svg(chart("Line", labels=_short(found.months), series=series), title=table.title)
    return table


def _signed(shown: str, change: int) -> str:
    return f"+{shown}" if change > 0 else f"−{shown}" if change < 0 else shown


def status_table(found: Insights) -> Table:
    labels = [str(AccountSnapshot.Status(status).label) for status in CHARTED_STATUSES]
    table = Table("statuses", _("Accounts by status"), [_("Month"), *labels])
    for month, counts in found.statuses:
        table.rows.append([_month(month), *[_count(counts[status]) for status in CHARTED_STATUSES]])
    series = [
        (label, [counts[status] for _month, counts in found.statuses])
        for status, label in zip(CHARTED_STATUSES, labels, strict=True)
    ]
    table.chart = svg(chart("StackedBar", labels=_short(found.months), series=series), title=table.title)
    return table


def reasons_table(found: Insights, scope: str, filters: Filters) -> Table:
    """Reasons in rows, months in columns; each count links to those cancellations and their explanations
    in the staff console."""
    title = (
        _("Products removed: reasons")
        if scope == Cancellation.Scope.PRODUCTS
        else _("Accounts cancelled: reasons")
    )
    table = Table(f"reasons-{scope}", title, [_("Reason"), *[format_month(m) for m in found.months]])
    series = []
    for reason, by_month in found.reasons[scope]:
        label = str(CancellationReason(reason).label)
        counts = [by_month.get(month, 0) for month in found.months]
        links = [
            _explanations(scope, reason, month, filters) if n else ""
            for month, n in zip(found.months, counts, strict=True)
        ]
        table.rows.append(
            [Cell(label, label), *[_count(n, url) for n, url in zip(counts, links, strict=True)]]
        )
        series.append((label, counts))
    table.chart = svg(chart("StackedBar", labels=_short(found.months), series=series), title=title)
    return table


def _explanations(scope: str, reason: str, month: date, filters: Filters) -> str:
    """The staff console's list of these cancellations, with their free-text explanations."""
    query = {
        "scope__exact": scope,
        "reason__exact": reason,
        "created_at__year": month.year,
        "created_at__month": month.month,
        "counted": "yes",
    }
    if filters.kind:
        query["account__kind__exact"] = filters.kind
    if filters.currency:
        query["account__currency"] = filters.currency
    return f"{reverse('admin:billing_cancellation_changelist')}?{urlencode(query)}"


def dunning_table(found: Insights) -> Table:
    labels = [str(label) for _key, label in DUNNING_OUTCOMES]
    table = Table(
        "dunning",
        _("Dunning outcomes, by month the payment failed"),
        [_("Month"), _("Cases opened"), *labels],
    )
    for month, counts in found.dunning:
        table.rows.append(
            [_month(month), _count(counts["opened"]), *[_count(counts[key]) for key, _l in DUNNING_OUTCOMES]]
        )
    series = [
        (label, [counts[key] for _m, counts in found.dunning])
        for (key, _l), label in zip(DUNNING_OUTCOMES, labels, strict=True)
    ]
    table.chart = svg(chart("StackedBar", labels=_short(found.months), series=series), title=table.title)
    return table


def tables(found: Insights, filters: Filters) -> list[Table]:
    return [
        revenue_table(found),
        status_table(found),
        reasons_table(found, Cancellation.Scope.PRODUCTS, filters),
        reasons_table(found, Cancellation.Scope.ACCOUNT, filters),
        dunning_table(found),
    ]
