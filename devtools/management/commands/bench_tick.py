"""Benchmark the billing clock: N accounts with a realistic mix, ~5 % of them due (R9.1, issue 6)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from billing.lifecycle.tick import billing_tick, due_account_ids
from devtools.bench_data import create_bench_accounts


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Create N accounts (a share of them due), time one billing tick, then roll everything back."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--due-percent", type=float, default=5.0)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Ticks sharing the work (PostgreSQL). They need committed data: only on a database whose "
            "name contains 'bench', which the benchmark leaves full.",
        )

    def handle(self, *args, accounts, due_percent, workers, **options):
        now = timezone.now()
        if workers > 1:
            if "bench" not in str(connection.settings_dict["NAME"]):
                raise CommandError("--workers commits its data: use a throwaway database named *bench*.")
            self._run(accounts, due_percent, now, workers)
            return
        try:
            with transaction.atomic():
                self._run(accounts, due_percent, now, workers)
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")

    def _run(self, count: int, due_percent: float, now, workers: int) -> None:
        started = time.perf_counter()
        create_bench_accounts(count, now=now, due_every=max(1, round(100 / due_percent)))
        self.stdout.write(
            f"Created {count:,} accounts in {time.perf_counter() - started:.1f} s ({connection.vendor})."
        )

        started = time.perf_counter()
        due = due_account_ids(now)
        found = time.perf_counter() - started
        started = time.perf_counter()
        report = billing_tick(real_now=now, account_ids=due, workers=workers)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Workers: {workers}.")
        self.stdout.write(
            f"Finding the due accounts: {len(due):,} of {count:,} in {found * 1000:.0f} ms.\n"
            f"Tick: {report.accounts:,} accounts advanced ({report.actions:,} actions, "
            f"{len(report.failed)} failed) in {elapsed:.1f} s = "
            f"{report.accounts / elapsed:,.0f} due accounts per second "
            f"({count / (elapsed + found):,.0f} accounts per second over the whole base)."
        )
