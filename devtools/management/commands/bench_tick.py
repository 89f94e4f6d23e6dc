"""Benchmark the billing clock: N accounts with a realistic mix, ~5 % of them due (R9.1, issue 6)."""

import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from billing.lifecycle.notices import reminders_send_due
from billing.lifecycle.tick import billing_tick, due_account_ids
from devtools.bench_data import create_bench_accounts


class Command(BaseCommand):
    help = (
        "Create N accounts (a share of them due) and time one billing tick, as it runs for real: committed, "
        "the payment provider called outside transactions (R8.8), emails queued for the worker. Only on a "
        "throwaway database whose name contains 'bench'; the provider's ledger is a temporary file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=10_000)
        parser.add_argument("--due-percent", type=float, default=5.0)
        parser.add_argument("--workers", type=int, default=1, help="Ticks sharing the work (PostgreSQL).")

    def handle(self, *args, accounts, due_percent, workers, **options):
        if "bench" not in str(connection.settings_dict["NAME"]):
            raise CommandError(
                "bench_tick commits what it creates: use a throwaway database whose name contains 'bench', "
                "e.g. DATABASE_URL=sqlite:///var/bench-tick.sqlite3 (migrated first)."
            )
        if "immediate" in settings.TASKS["default"]["BACKEND"].lower():
            raise CommandError(
                "In production the clock queues invoice emails for the worker; with the immediate backend it "
                "would render every PDF itself. Set TASKS_BACKEND=django_tasks_db.DatabaseBackend."
            )
        settings.PAYMENT_SANDBOX_LEDGER = Path(tempfile.mkdtemp(prefix="bench-ledger-")) / "ledger.sqlite3"
        now = timezone.now()
        started = time.perf_counter()
        create_bench_accounts(accounts, now=now, due_every=max(1, round(100 / due_percent)))
        self.stdout.write(
            f"Created {accounts:,} accounts in {time.perf_counter() - started:.1f} s ({connection.vendor})."
        )

        started = time.perf_counter()
        due = due_account_ids(now)
        found = time.perf_counter() - started
        started = time.perf_counter()
        report = billing_tick(real_now=now, account_ids=due, workers=workers)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Workers: {workers}.")
        self.stdout.write(
            f"Finding the due accounts: {len(due):,} of {accounts:,} in {found * 1000:.0f} ms.\n"
            f"Tick: {report.accounts:,} accounts advanced ({report.actions:,} actions, "
            f"{len(report.failed)} failed, {report.mismatches} payment mismatches) in {elapsed:.1f} s = "
            f"{report.accounts / elapsed:,.0f} due accounts per second "
            f"({accounts / (elapsed + found):,.0f} accounts per second over the whole base)."
        )
        # A real tick (no account list) looks for these over the whole book: time that pass on its own, tick
        # after tick until nothing is left to write (what every later tick pays).
        written = None
        while written != 0:
            started = time.perf_counter()
            written = reminders_send_due(real_now=now)
            self.stdout.write(
                f"Renewal and card expiry reminders over the whole base: {written:,} written in "
                f"{(time.perf_counter() - started) * 1000:.0f} ms."
            )
