"""Reconciliation (R8.8): what the comparison of the provider's ledger with our records finds is logged
and kept for staff (Payment mismatches in the staff console), replacing what an earlier run found on the
same documents."""

import logging
from datetime import datetime

from django.db import transaction

from billing import gateway
from billing.models import PaymentMismatch
from billing.selectors.reconciliation import CHUNK, Mismatch, payment_mismatches

logger = logging.getLogger(__name__)


def payments_reconcile(*, now: datetime, since: datetime | None = None) -> list[Mismatch]:
    """Compare the provider's ledger with our invoices, credit notes and payments; log every mismatch and
    list them for staff. `billing_reconcile` compares everything and replaces the list; the billing clock,
    at the end of each tick, compares what changed since `since` and replaces what it found on the
    documents it looked at."""
    found, looked_at = payment_mismatches(gateway.provider, since=since)
    with transaction.atomic():
        if looked_at is None:
            PaymentMismatch.objects.all().delete()
        else:
            references = sorted(looked_at)
            for start in range(0, len(references), CHUNK):
                PaymentMismatch.objects.filter(reference__in=references[start : start + CHUNK]).delete()
        PaymentMismatch.objects.bulk_create(
            PaymentMismatch(
                kind=m.kind,
                reference=m.reference[:100],
                keys=", ".join(m.keys)[:500],
                amount=m.amount,
                currency=m.currency[:3],
                detail=m.detail[:300],
                found_at=now,
            )
            for m in found
        )
    for mismatch in found:
        logger.error("Payment mismatch (%s) %s: %s", mismatch.kind, mismatch.reference, mismatch.detail)
    return found
