"""R9.1 under real concurrency: two ticks at once never process the same account twice (SKIP LOCKED)."""

from datetime import UTC, datetime

import pytest

from billing.lifecycle.tick import billing_tick
from billing.models import Invoice, PaymentAttempt, SubscriptionPeriod
from devtools.demo import seed_demo
from tests.concurrency import postgresql_only, run_together
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]
D = datetime(2026, 12, 11, tzinfo=UTC)


def test_r9_1_two_ticks_at_once_renew_each_account_once():
    seed_demo(now=NOW)
    reports = run_together([lambda: billing_tick(real_now=D), lambda: billing_tick(real_now=D)])
    assert all(not isinstance(r, Exception) and r.failed == [] for r in reports), reports
    renewed = SubscriptionPeriod.objects.filter(start=D)
    assert renewed.count() == 4  # Acme, SPP Corp, Contact Support GmbH, Vintage 2019 Co
    assert sum(r.accounts for r in reports) >= 4
    for period in renewed:
        charges = PaymentAttempt.objects.filter(invoice=period.invoice, operation="charge")
        assert charges.count() == 1
    assert Invoice.objects.filter(period__start=D).count() == 4
