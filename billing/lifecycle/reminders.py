"""Reminders of invoices paid by bank transfer (R8.9), run by the billing clock: 7 days before the due date
and 1 day after it, while the invoice is open, each once (its outbox key).

A reminder before the due date that the clock reaches only once the date has passed (a clock stopped for
days, an invoice issued late) is skipped: it would announce a date already gone. The one after the due date
is sent however late the clock comes, as long as the invoice is still open."""

from datetime import datetime

from accounts.models import Account
from billing import emails
from billing.lifecycle.due import Due
from billing.models import EmailLog, Invoice, Subscription
from billing.services.invoices import REMINDER_AFTER_DUE, REMINDER_BEFORE_DUE

ORDER = 10  # after everything else due at the same moment: a renewal, a dunning step, a deletion


def reminder_actions(account: Account, now: datetime) -> list[Due]:
    """The reminders still to send for the account's open invoices paid by transfer (two queries, and one
    when there is none)."""
    if account.status == Account.Status.DELETED:
        return []
    invoices = list(
        Invoice.objects.filter(
            account=account,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.OPEN,
            payment_type=Subscription.PaymentType.INVOICE,
            due_at__isnull=False,
        ).select_related("account")
    )
    if not invoices:
        return []
    planned = []
    for invoice in invoices:
        if now < invoice.due_at:
            planned.append(("before", invoice.due_at - REMINDER_BEFORE_DUE, invoice))
        planned.append(("after", invoice.due_at + REMINDER_AFTER_DUE, invoice))
    sent = set(
        EmailLog.objects.filter(
            key__in=[emails.transfer_reminder_key(invoice, which) for which, _at, invoice in planned]
        ).values_list("key", flat=True)
    )
    return [
        Due(at, ORDER, lambda _now, w=which, i=invoice: _remind(i, w))
        for which, at, invoice in planned
        if emails.transfer_reminder_key(invoice, which) not in sent
    ]


def _remind(invoice: Invoice, which: str) -> str:
    emails.transfer_reminder(invoice, which)
    return f"reminder {which} due date: {invoice.number}"
