"""Failed card payments being chased (R8.5): opening a dunning case and reaching its steps. The billing clock
(billing.lifecycle.dunning) decides when each step is due; these functions record it, once."""

from datetime import datetime, timedelta

from billing import emails
from billing.models import BillingEvent, DunningCase, DunningStep, Invoice
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
            context={"account": case.account, "invoice": case.invoice, "case": case, "step": step},
            now=at,
        )
