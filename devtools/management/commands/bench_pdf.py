"""Measure how long an invoice PDF takes to draw (R8.9), on the demo's invoices: the median and the slowest of
`--runs` draws each, in English, in French, paid by transfer, and with a CJK name; wall and CPU time. Nothing
is stored."""

import statistics
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from billing.models import Invoice
from billing.pdf import invoice_pdf
from devtools.demo import seed_demo

CASES = {
    "English, card (Acme)": "Acme Self-Service",
    "French, card (Legacy Suite SARL)": "Legacy Suite SARL",
    "English, transfer (Online Assisted Ltd)": "Online Assisted Ltd",
}


class Command(BaseCommand):
    help = "Time invoice PDFs on the demo's invoices (loaded first if missing); report median and slowest."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, runs, **options):
        if not Invoice.objects.filter(account__name="Acme Self-Service").exists():
            seed_demo(now=timezone.now())
        for label, account in CASES.items():
            self._time(
                label, Invoice.objects.filter(account__name=account).order_by("-sequence").first(), runs
            )
        invoice = Invoice.objects.filter(account__name="Acme Self-Service").order_by("-sequence").first()
        invoice.buyer_name = "株式会社 Example"  # drawn, never saved: an issued invoice is immutable
        self._time("English, CJK buyer name (Noto Sans CJK)", invoice, runs)

    def _time(self, label: str, invoice: Invoice, runs: int) -> None:
        invoice_pdf(invoice)  # the first draw loads Python modules and Babel's data: not counted
        took, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = invoice_pdf(invoice)
            took.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        # The CPU time is what the draw costs; the wall time adds whatever else the machine runs meanwhile.
        self.stdout.write(
            f"{label}: median {statistics.median(took):.0f} ms (CPU {statistics.median(cpu):.0f} ms), "
            f"slowest {max(took):.0f} ms, {len(pdf) / 1024:.0f} KiB ({runs} runs)"
        )
