"""Failed card payments being chased (R8.5): opening a dunning case and reaching its steps. The billing clock
(billing.lifecycle.dunning) decides when each step is due; these functions record it, once."""

from datetime import datetime, timedelta

from accounts.models import Account
from billing import emails
from billing.models import BillingEvent, DunningCase, DunningStep, Invoice
from billing.schedule import due_no_later_than
from billing.selectors.payments import live_dunning_case, payment_awaiting_confirmation
from billing.services.audit import billing_event_record

Step = DunningStep.Step
SUSPENSION_DAYS = 29  # R8.5: D+29, the account is cancelled for non-payment


def dunning_case_open(*, invoice: Invoice, paid_through: datetime) -> DunningCase:
    """Start chasing a refused invoice at D, its issue date: the case, its first step and email. The
    suspension never comes before the end of a period that was already paid (a failed mid-period charge)."""
    day = invoice.issued_at
    case = DunningCase.objects.create(
        account=invoice.account,
        invoice=invoice,
        started_at=day,
        suspend_at=max(day + timedelta(days=SUSPENSION_DAYS), paid_through),
    )
    dunning_step_reach(case=case, step=Step.D0, at=day)
    return case


def dunning_step_reach(*, case: DunningCase, step: str, at: datetime) -> None:
    """Record a step of the schedule (once: unique per case) with its event, and its email but at D+29."""
    DunningStep.objects.create(case=case, step=step, at=at)
    billing_event_record(
        account=case.account,
        kind=BillingEvent.Kind.DUNNING_STEP,
        by=None,
        summary=f"{case.invoice.number}: {Step(step).label}",
        after={"step": step},
        amount=case.invoice.total,
        now=at,
    )
    if step != Step.D29:
        emails.send_once(
            key=f"dunning-{case.pk}-{step}",
            account=case.account,
            template="dunning",
            context={
                "account": case.account,
                "invoice": case.invoice,
                "case": case,
                "step": step,
                "confirm_url": _confirmation_url(case),
            },
            now=at,
        )


def _confirmation_url(case: DunningCase) -> str:
    """Where the owner confirms the payment, when the bank refused it for want of their confirmation
    (strong customer authentication, R12.1): a new card would not help, confirming does."""
    return emails.payment_confirmation_url() if payment_awaiting_confirmation(case.account) else ""


def dunning_case_recover(*, case: DunningCase, at: datetime) -> None:
    """Every open invoice of the account is paid (R8.7): the case is closed as paid, a suspended account is
    active again, and the owner and every billing contact are told (once)."""
    account = case.account
    DunningCase.objects.filter(pk=case.pk).update(
        status=DunningCase.Status.RECOVERED, closed_at=at, reactivated_until=None, retry_requested_at=None
    )
    if account.status == Account.Status.SUSPENDED:
        Account.objects.filter(pk=account.pk).update(status=Account.Status.ACTIVE, suspended_at=None)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.ACCOUNT_REACTIVATED,
        by=None,
        summary=f"{case.invoice.number} paid",
        before={"status": account.status},
        after={"status": Account.Status.ACTIVE},
        now=at,
    )
    emails.send_once(
        key=f"recovered-{case.pk}",
        account=account,
        template="recovered",
        context={"account": account, "invoice": case.invoice},
        now=at,
    )


def dunning_recover_if_settled(*, account: Account, at: datetime) -> bool:
    """In the caller's transaction, once an invoice was paid outside the dunning schedule (a bank transfer
    recorded by staff): the payment being chased recovers as a successful retry does, if no open invoice is
    left. The clock then plans the account again (its renewal waited for the case)."""
    case = live_dunning_case(account)
    open_invoices = Invoice.objects.filter(
        account=account, status=Invoice.Status.OPEN, kind=Invoice.Kind.INVOICE
    )
    if case is None or open_invoices.exists():
        return False
    dunning_case_recover(case=case, at=at)
    due_no_later_than(account, at)
    return True
