"""Billing › Invoices (R8.1)."""

from accounts.models import Account
from billing.models import Invoice


def invoices_of(account: Account):
    """Issued invoices and credit notes, newest first (drafts are not shown to customers)."""
    return (
        Invoice.objects.filter(account=account)
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("-issued_at", "-id")
    )
