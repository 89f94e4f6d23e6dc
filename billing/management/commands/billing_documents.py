from django.core.management.base import BaseCommand

from billing.documents import documents_build_missing


class Command(BaseCommand):
    help = (
        "Build and store the PDF (Factur-X) and the XML of every finalized invoice and credit note that has "
        "none yet (R8.9, issue 21), at once: after an upgrade, or a load of history. An invoice whose plain "
        "PDF was stored before Factur-X keeps it and gets its XML. The worker builds each new invoice's "
        "after it is finalized, and the billing clock, a hundred a tick, those the worker missed. "
        "Idempotent: an invoice's documents are stored once."
    )

    def handle(self, *args, **options):
        built = documents_build_missing()
        self.stdout.write(f"Built {built} invoice document(s).")
