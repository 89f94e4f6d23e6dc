"""Compare the payment provider's ledger with our invoices, credit notes and payments (R8.8)."""

from django.core.management.base import BaseCommand

from billing.clock import now_for
from billing.services.reconciliation import payments_reconcile


class Command(BaseCommand):
    help = (
        "Print every mismatch between the payment provider's ledger and our records (money moved with no "
        "paid invoice, a paid invoice with no money moved, two movements for one document). Exit status 1 "
        "when there is any."
    )

    def handle(self, *args, **options):
        found = payments_reconcile(now=now_for())
        for m in found:
            amount = f"{m.amount} {m.currency}" if m.amount is not None else "-"
            self.stdout.write(f"{m.kind}\t{m.reference}\t{amount}\t{', '.join(m.keys)}\t{m.detail}")
        if found:
            self.stderr.write(f"{len(found)} mismatch(es).")
            raise SystemExit(1)
        self.stdout.write("No mismatch: the provider's ledger and our records agree.")
