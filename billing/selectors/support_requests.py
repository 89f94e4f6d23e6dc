"""The account's requests for invoices (R8.10), for the Invoices page."""

from django.db.models import Prefetch

from accounts.models import Account
from billing.models import Invoice, SupportRequest

SHOWN = 20  # the latest; older ones were answered long ago and are in the emails


def invoice_requests_of(account: Account) -> list[SupportRequest]:
    """Open and answered requests for invoices, newest first, with the invoices each answer points to (two
    queries, however many)."""
    pointed = Prefetch("invoices", queryset=Invoice.objects.order_by("issued_at", "id"))
    return list(
        SupportRequest.objects.filter(
            account=account,
            kind=SupportRequest.Kind.INVOICE_COPY,
            status__in=[SupportRequest.Status.OPEN, SupportRequest.Status.ANSWERED],
        ).prefetch_related(pointed)[:SHOWN]
    )
