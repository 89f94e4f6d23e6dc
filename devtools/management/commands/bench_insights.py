"""Benchmark the staff insights page (R11.1, issue 22) on a large book: N accounts with 24 monthly snapshots
each, their cancellations and dunning cases, then the page timed through the test client (median of runs)."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Account, User
from billing.pricing import add_months
from billing.services.snapshots import month_of, snapshot_totals_refresh, snapshots_write
from devtools.bench_data import create_bench_accounts, create_insights_history

PREFIX = "Insights "
PAGE = "/staff/billing/accountsnapshot/"


class Command(BaseCommand):
    help = (
        "Seed N accounts with 24 monthly snapshots each, cancellations and dunning cases (bulk inserts, "
        "committed: only on a database whose name contains 'bench'), then time the insights page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument(
            "--throwaway",
            action="store_true",
            help="The database is a throwaway one although its name does not say 'bench'.",
        )

    def handle(self, *args, accounts, runs, throwaway, **options):
        if "bench" not in str(connection.settings_dict["NAME"]) and not throwaway:
            raise CommandError(
                "bench_insights commits what it creates: use a throwaway database whose name contains "
                "'bench', e.g. DATABASE_URL=sqlite:///var/bench-insights.sqlite3 (migrated first)."
            )
        now = timezone.now()
        if not Account.objects.filter(name__startswith=PREFIX).exists():
            self._seed(accounts, now)
        staff, _ = User.objects.get_or_create(
            email="insights-bench@staff.test", defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(staff)
        for label, query in [
            ("12 months (the default)", ""),
            ("24 months", "?months=24"),
            ("24 months, managed, EUR", "?months=24&kind=managed&currency=EUR"),
        ]:
            self._time(client, label, PAGE + query, runs)

    def _seed(self, accounts: int, now) -> None:
        started = time.perf_counter()
        create_bench_accounts(accounts, now=now, due_every=10**9, prefix=PREFIX.strip())
        current = month_of(now)
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        past = [add_months(first, -back).date() for back in range(23, 0, -1)]
        create_insights_history(PREFIX.strip(), months=past, now=now)
        for month in past:  # as the clock would have, month after month
            snapshot_totals_refresh(month)
        self.stdout.write(
            f"Seeded {accounts:,} accounts in {time.perf_counter() - started:.1f} s ({connection.vendor})."
        )
        started = time.perf_counter()
        written = snapshots_write(month=current)
        self.stdout.write(
            f"This month's snapshot (the billing clock's INSERT … SELECT): {written:,} rows in "
            f"{(time.perf_counter() - started) * 1000:.0f} ms."
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _time(self, client: Client, label: str, url: str, runs: int) -> None:
        queries = []
        with connection.execute_wrapper(lambda run, sql, *args: queries.append(sql) or run(sql, *args)):
            response = client.get(url)  # warms the caches, counts the queries
        if response.status_code != 200:
            raise CommandError(f"{url}: {response.status_code}")
        times = []
        for _run in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"{label}: median {statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}) "
            f"over {runs} runs, {len(queries)} queries."
        )
