"""Reconciliation (R8.8): what the comparison of the provider's ledger with our records finds is logged
and kept for staff (Payment mismatches in the staff console), replacing what the previous run found."""

import logging
from datetime import datetime

from django.db import transaction

from billing import gateway
from billing.models import PaymentMismatch
from billing.selectors.reconciliation import Mismatch, payment_mismatches

logger = logging.getLogger(__name__)


def payments_reconcile(*, now: datetime) -> list[Mismatch]:
    """Compare the provider's ledger with our invoices, credit notes and payments; log every mismatch and
    list them for staff. Run by the billing clock at the end of each tick, and by `billing_reconcile`."""
    found = payment_mismatches(gateway.provider.movements())
    with transaction.atomic():
        PaymentMismatch.objects.all().delete()
        PaymentMismatch.objects.bulk_create(
            PaymentMismatch(
                kind=m.kind,
                reference=m.reference[:100],
                keys=", ".join(m.keys)[:500],
                amount=m.amount,
                currency=m.currency,
                detail=m.detail[:300],
                found_at=now,
            )
            for m in found
        )
    for mismatch in found:
        logger.error("Payment mismatch (%s) %s: %s", mismatch.kind, mismatch.reference, mismatch.detail)
    return found
