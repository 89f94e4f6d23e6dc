"""Measure the data export (R7.6) on a large account: time and peak memory, then roll everything back."""

import resource
import tempfile
import time
import tracemalloc

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, Membership, User
from billing.export_archive import write_export
from billing.models import BillingEvent, Invoice, InvoiceLine


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Export an account with many members and invoices; report time and peak memory; roll back."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=10_000)
        parser.add_argument("--invoices", type=int, default=5_000)

    def handle(self, *args, members, invoices, **options):
        try:
            with transaction.atomic():
                self._run(members, invoices)
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")

    def _run(self, member_count: int, invoice_count: int) -> None:
        now = timezone.now()
        account = Account.objects.create(name="Bench export", kind="self_service", created_on=now.date())
        password = make_password(None)
        users = User.objects.bulk_create(
            User(email=f"member{n:06d}@bench.test", password=password) for n in range(member_count)
        )
        Membership.objects.bulk_create(
            Membership(user=user, account=account, role="owner" if n == 0 else "agent")
            for n, user in enumerate(users)
        )
        drafts = Invoice.objects.bulk_create(
            Invoice(
                account=account,
                currency="USD",
                created_at=now,
                sequence=n + 1,
                number=f"INV-B-{n + 1:05d}",
                subtotal=10_000,
                total=10_000,
                issued_at=now,
                buyer_name="Bench export",
            )
            for n in range(invoice_count)
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                description="Support Professional · 10 agent seats",
                unit_amount=10_000,
                amount=10_000,
            )
            for invoice in drafts
        )
        Invoice.objects.filter(account=account).update(status="paid", paid_at=now)
        BillingEvent.objects.bulk_create(
            BillingEvent(
                account=account,
                kind="invoice_paid",
                actor_label="system",
                summary=f"{i.number} paid",
                amount=10_000,
                currency="USD",
                occurred_at=now,
            )
            for i in drafts
        )
        self.stdout.write(
            f"Account with {member_count:,} members and {invoice_count:,} invoices ({connection.vendor})."
        )
        tracemalloc.start()
        started = time.perf_counter()
        with tempfile.TemporaryFile() as target:
            write_export(account, target, when=now)
            size = target.tell()
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Export: {size / 1024 / 1024:.1f} MB ZIP in {elapsed:.1f} s; peak Python memory of the export "
            f"{peak / 1024 / 1024:.1f} MB (process peak RSS {rss:.0f} MB, including the test data)."
        )
