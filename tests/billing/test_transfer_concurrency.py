"""R8.8, R8.9 under real concurrency: two staff members record the same bank transfer at the same moment; the
invoice is paid once and the second is told (row locks: PostgreSQL; on SQLite, tests/test_parallel_posts.py
posts the form 10 times at once to a real server)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from billing.models import BillingEvent, Invoice, ReceivedTransfer
from billing.services.transfers import transfer_record
from devtools.demo import seed_demo
from tests.concurrency import postgresql_only, run_together
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]


def test_r8_9_the_same_transfer_recorded_twice_at_once_pays_once():
    seed_demo(now=NOW)
    invoice = Invoice.objects.get(account__name="Online Assisted Ltd", status="open")
    staff = [User.objects.get(email=email) for email in ("support@staff.test", "root@staff.test")]

    def record(by):
        return lambda: transfer_record(
            invoice=invoice,
            amount=invoice.total,
            currency=invoice.currency,
            received_on=NOW.date(),
            reference="BARC 7731",
            by=by,
            now=NOW,
        )

    results = run_together([record(by) for by in staff])
    recorded = [r for r in results if isinstance(r, ReceivedTransfer)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(recorded), len(refused)) == (1, 1), results
    assert "already recorded" in refused[0].messages[0]
    assert ReceivedTransfer.objects.filter(invoice=invoice).count() == 1
    assert BillingEvent.objects.filter(kind="invoice_paid", summary__contains="BARC 7731").count() == 1
