"""Benchmark the billing clock: N accounts with a realistic mix, ~5 % of them due (R9.1, issue 6)."""

import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from billing.lifecycle import billing_tick, due_account_ids
from billing.models import PaymentMethod, Price, Product, Subscription, SubscriptionItem

CYCLES = ["monthly", "monthly", "monthly", "annual"]  # three monthly accounts for one annual
EDITIONS = ["team", "growth", "professional", "enterprise"]


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
        due_every = max(1, round(100 / due_percent))
        support = Product.objects.get(code="support")
        if not Price.objects.filter(product=support).exists():
            raise SystemExit("Run the migrations first: the catalog is missing.")
        accounts = Account.objects.bulk_create(
            Account(
                name=f"Bench {n:06d}",
                kind="self_service",
                created_on=now.date(),
                next_action_at=now - timedelta(minutes=1)
                if n % due_every == 0
                else now + timedelta(days=1 + n % 30),
            )
            for n in range(count)
        )
        subscriptions = Subscription.objects.bulk_create(
            Subscription(
                account=account,
                cycle=CYCLES[n % 4],
                current_period_start=now - timedelta(days=30),
                current_period_end=now - timedelta(minutes=1)
                if n % due_every == 0
                else account.next_action_at,
            )
            for n, account in enumerate(accounts)
        )
        SubscriptionItem.objects.bulk_create(
            SubscriptionItem(subscription=s, product=support, edition=EDITIONS[n % 4], seats=1 + n % 40)
            for n, s in enumerate(subscriptions)
        )
        PaymentMethod.objects.bulk_create(
            PaymentMethod(
                account=a,
                brand="Visa",
                last4="4242",
                exp_month=12,
                exp_year=now.year + 2,
                gateway_token=f"sandbox_ok_{a.pk}",
            )
            for a in accounts
        )
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
