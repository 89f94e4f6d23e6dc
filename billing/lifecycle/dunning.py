"""The dunning schedule of R8.5, run by the billing clock: retries and emails at D+2 and D+4, the warning at
D+21, suspension at D+29 (never before the end of a period already paid), recovery once every open invoice is
paid (R8.7), and the end of a temporary reactivation."""

from datetime import datetime, timedelta

from accounts.models import Account
from billing import emails
from billing.lifecycle.deletion import DATA_KEPT_DAYS
from billing.lifecycle.due import Due
from billing.models import BillingEvent, DunningCase, DunningStep, Invoice
from billing.services.audit import billing_event_record
from billing.services.collection import charge_intent
from billing.services.dunning import dunning_case_recover, dunning_step_reach

Step = DunningStep.Step
# R8.5, from the failed invoice's date D: (step, days after D). D+29 is the case's `suspend_at`.
DUNNING_SCHEDULE = [(Step.D0, 0), (Step.D2, 2), (Step.D4, 4), (Step.D21, 21), (Step.D29, 29)]
ORDER = 7  # after renewals (6), before the end of a temporary reactivation (8)


def dunning_actions(case: DunningCase) -> list[Due]:
    """The case's next step, its retry when the owner updated the card, and the end of a reactivation."""
    actions = []
    if case.retry_requested_at is not None:
        actions.append(Due(case.retry_requested_at, ORDER, lambda now: _retry(case, now)))
    if case.status == DunningCase.Status.SUSPENDED:
        if case.reactivated_until is not None:
            actions.append(
                Due(case.reactivated_until, ORDER + 1, lambda now: _end_temporary_reactivation(case))
            )
        return actions
    reached = set(case.steps.values_list("step", flat=True))
    for step, days in DUNNING_SCHEDULE:
        if step not in reached:
            at = case.suspend_at if step == Step.D29 else case.started_at + timedelta(days=days)
            actions.append(Due(at, ORDER, lambda now, s=step, a=at: _dunning_step(case, s, a)))
            break
    return actions


def _open_invoices(account: Account):
    return Invoice.objects.filter(account=account, status=Invoice.Status.OPEN, kind=Invoice.Kind.INVOICE)


def _retries_answered(case: DunningCase, label: str, at: datetime) -> bool:
    """Retry every open invoice of the account, each under a key made of the case, the step and the
    invoice (R8.8). The first run records the intents and returns False: the clock sends them once this
    transaction commits, then runs the step again — which finds them answered."""
    intents = [
        charge_intent(invoice, key=f"dunning-{case.invoice.number}-{label}-{invoice.number}", now=at)
        for invoice in _open_invoices(case.account)
    ]
    return not any(intent is not None and intent.pending for intent in intents)


def _dunning_step(case: DunningCase, step: str, at: datetime) -> str | None:
    if step == Step.D29:
        dunning_step_reach(case=case, step=step, at=at)
        _suspend(case, at)
        return "suspended"
    if not _retries_answered(case, step, at):
        return None  # waiting for the provider's answers
    if not _open_invoices(case.account).exists():  # every open invoice is paid: R8.7
        dunning_case_recover(case=case, at=at)
        return "recovered"
    dunning_step_reach(case=case, step=step, at=at)
    return f"dunning {step}"


def _retry(case: DunningCase, now: datetime) -> str | None:
    """The owner updated the card: the next batch retries (R8.7), under keys made of the moment they did."""
    if not _retries_answered(case, f"card-{case.retry_requested_at:%Y%m%dT%H%M%S%f}", now):
        return None  # waiting for the provider's answers
    DunningCase.objects.filter(pk=case.pk).update(retry_requested_at=None)
    case.retry_requested_at = None
    if _open_invoices(case.account).exists():
        return "retry failed"
    dunning_case_recover(case=case, at=now)
    return "recovered"


def _suspend(case: DunningCase, at: datetime) -> None:
    account = case.account
    DunningCase.objects.filter(pk=case.pk).update(status=DunningCase.Status.SUSPENDED)
    Account.objects.filter(pk=account.pk).update(status=Account.Status.SUSPENDED, suspended_at=at)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.ACCOUNT_SUSPENDED,
        by=None,
        summary="Cancelled for non-payment",
        before={"status": account.status},
        after={"status": Account.Status.SUSPENDED},
        now=at,
    )
    emails.send_once(
        key=f"suspended-{case.pk}",
        account=account,
        template="suspended",
        context={"account": account, "deletion_at": at + timedelta(days=DATA_KEPT_DAYS)},
        now=at,
    )


def _end_temporary_reactivation(case: DunningCase) -> str:
    DunningCase.objects.filter(pk=case.pk).update(reactivated_until=None)
    return "temporary reactivation ended"
