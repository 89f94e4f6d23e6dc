"""Invoice numbers have no gaps and no duplicates when invoices of one account are finalized at once."""

import pytest

from billing.models import Invoice
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.concurrency import postgresql_only, run_together
from tests.factories import AccountFactory
from tests.helpers import NOW

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]


def test_concurrent_finalizations_number_without_gaps():
    account = AccountFactory()
    drafts = [invoice_draft(account=account, lines=[LineSpec("Seats", 100)], now=NOW) for _ in range(8)]
    results = run_together([lambda d=d: invoice_finalize(invoice=d, now=NOW, notify=False) for d in drafts])
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(Invoice.objects.filter(account=account).values_list("sequence", flat=True)) == list(
        range(1, 9)
    )
