"""Contract terms (R7): the contract of an account, the notice rule, and what an early termination refunds."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from accounts.models import Account
from billing import pricing
from billing.models import ContractTerms, Invoice, PaymentAttempt, Subscription

SALES_ASSISTED = (Account.Kind.MANAGED, Account.Kind.ONLINE_ASSISTED)


def contract_for(account: Account) -> ContractTerms:
    """The account's contract, or the default one (30 days of notice, standard refunds) if none was set."""
    contract = ContractTerms.objects.filter(account=account).first()
    return contract or ContractTerms(
        account=account, service_started_at=datetime.combine(account.created_on, time(), tzinfo=UTC)
    )


@dataclass(frozen=True)
class NoticeDecision:
    """R7.2: when a cancellation notified by a sales-assisted customer takes effect, and why."""

    notice_received: date
    term_end: datetime
    next_term_end: datetime
    notice_days: int
    days_before: int
    in_time: bool
    renews: bool  # a contract without auto-renewal ends with its term, whenever notice is given

    @property
    def effective_at(self) -> datetime:
        return self.term_end if self.in_time or not self.renews else self.next_term_end


def notice_decision(
    subscription: Subscription, contract: ContractTerms, notice_received: date
) -> NoticeDecision:
    term_end = subscription.current_period_end
    return NoticeDecision(
        notice_received=notice_received,
        term_end=term_end,
        next_term_end=pricing.period_end(term_end, subscription.cycle),
        notice_days=contract.notice_days,
        days_before=(term_end.date() - notice_received).days,
        in_time=pricing.notice_in_time(
            notice_received=notice_received, term_end=term_end, notice_days=contract.notice_days
        ),
        renews=contract.auto_renew,
    )


@dataclass(frozen=True)
class TerminationQuote:
    """R7.3: what terminating the prepaid term now refunds, shown to staff before they confirm."""

    invoice: Invoice | None  # the paid invoice of the current term
    paid: int
    refund: int
    fee: int
    full: bool
    at: datetime

    @property
    def currency(self) -> str:
        return self.invoice.currency if self.invoice else ""


def termination_quote(account: Account, subscription: Subscription, *, at: datetime) -> TerminationQuote:
    contract = contract_for(account)
    invoice = (
        Invoice.objects.filter(
            account=account,
            kind=Invoice.Kind.INVOICE,
            status=Invoice.Status.PAID,
            period_start=subscription.current_period_start,
        )
        .order_by("-issued_at")
        .first()
    )
    paid = invoice.total if invoice else 0
    refund = pricing.termination_refund(
        paid=paid,
        term_start=subscription.current_period_start,
        term_end=subscription.current_period_end,
        at=at,
        service_started_at=contract.service_started_at,
        fee=contract.early_termination_fee,
        refunds=contract.refund_policy == ContractTerms.RefundPolicy.STANDARD,
    )
    full = bool(paid) and refund == paid
    return TerminationQuote(
        invoice, paid, refund, 0 if full else min(contract.early_termination_fee, paid), full, at
    )


def original_charge(invoice: Invoice) -> PaymentAttempt | None:
    return invoice.payment_attempts.filter(
        operation=PaymentAttempt.Operation.CHARGE, status=PaymentAttempt.Status.SUCCEEDED
    ).first()
