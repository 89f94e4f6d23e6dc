"""Contract terms (R7): the contract of an account, the notice rule, and what an early termination refunds."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.models import Account
from billing import pricing
from billing.models import ContractTerms, Invoice, PaymentAttempt, ScheduledChange, Subscription

SALES_ASSISTED = (Account.Kind.MANAGED, Account.Kind.ONLINE_ASSISTED)
ADVISED_NOTICE_DAYS = 60  # R7.1: the Salesforce guide (seed 004) advises 60 days of notice to be safe


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
class RenewalFacts:
    """What the Subscription page says about the end of the term, with only the dates that hold at `today`
    for this account (R5.5, R7.1, R7.2). `kind` says which sentence applies:

    - "trial": nothing renews; the trial converts or expires on `trial_ends_on` (no notice date: a trial's
      notice deadline would fall before it began);
    - "cancelled": a scheduled cancellation ends the subscription on `ends_on`, nothing renews;
    - "last_term": sales-assisted notice came late: the term renews on `renews_on` once, ends on `ends_on`;
    - "no_renewal": the contract ends with its term on `ends_on`;
    - "self_service": renews on `renews_on`; cancelling in the app before then is the notice (R5.5);
    - "via_support": the same, but the owner cancels through support (R4.2);
    - "notice": sales-assisted (R7.2): notice by `notice_by` ends the contract on `notice_stops`. When the
      deadline of the current term has passed, `too_late_for` is the renewal that notice can no longer stop
      and `notice_by` the next term's deadline (None if that one has passed too). `advised_by`: 60 days
      before `notice_stops`, while it is ahead and longer than the contract's own notice period.
    """

    kind: str
    renews_on: datetime | None = None
    ends_on: datetime | None = None
    trial_ends_on: date | None = None
    notice_days: int = 0
    notice_by: date | None = None
    notice_stops: datetime | None = None
    too_late_for: datetime | None = None
    advised_by: date | None = None

    @property
    def advises_more_notice(self) -> bool:
        return self.kind == "notice" and self.notice_days < ADVISED_NOTICE_DAYS


def renewal_facts(
    account: Account,
    subscription: Subscription,
    contract: ContractTerms,
    cancellation: ScheduledChange | None,
    *,
    today: date,
) -> RenewalFacts:
    """The renewal and notice dates that hold for `account` at `today`: see RenewalFacts."""
    end = subscription.current_period_end
    if account.is_trial:
        return RenewalFacts("trial", trial_ends_on=account.trial_ends_on)
    if cancellation is not None:
        if cancellation.effective_at > end:  # late notice (R7.2): the term renews once
            return RenewalFacts("last_term", renews_on=end, ends_on=cancellation.effective_at)
        return RenewalFacts("cancelled", ends_on=cancellation.effective_at)
    if not contract.auto_renew:
        return RenewalFacts("no_renewal", ends_on=end)
    if account.kind not in SALES_ASSISTED:
        return RenewalFacts(
            "via_support" if account.cancellation_via_support else "self_service", renews_on=end
        )
    decision = notice_decision(subscription, contract, today)  # the rule staff apply to a notice (R7.2)
    stops = decision.effective_at
    notice_by = stops.date() - timedelta(days=contract.notice_days)
    advised_by = stops.date() - timedelta(days=ADVISED_NOTICE_DAYS)
    return RenewalFacts(
        "notice",
        renews_on=end,
        notice_days=contract.notice_days,
        notice_by=notice_by if notice_by >= today else None,
        notice_stops=stops,
        too_late_for=None if decision.in_time else end,
        advised_by=advised_by if advised_by >= today and contract.notice_days < ADVISED_NOTICE_DAYS else None,
    )


@dataclass(frozen=True)
class TerminationQuote:
    """R7.3: what terminating the prepaid term now refunds, shown to staff before they confirm."""

    invoice: Invoice | None  # the paid invoice of the current term
    paid: int  # its total, VAT included
    refund: int  # VAT included: what the credit note totals and the card gets back
    fee: int  # before VAT, as the unused part it is taken from
    full: bool
    at: datetime
    net_refund: int = 0  # before VAT: the credit note's subtotal, taxed at the paid invoice's rate

    @property
    def currency(self) -> str:
        return self.invoice.currency if self.invoice else ""

    @property
    def refund_from(self) -> datetime | None:
        """The start of what the refund covers: the whole term when it is full, else from the moment."""
        if self.invoice is None:
            return None
        return self.invoice.period_start if self.full else self.at


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
    # Computed before VAT, then taxed at the paid invoice's rate, as the credit note will be (R8.9).
    paid, rate = (invoice.subtotal, invoice.tax_rate_bp) if invoice else (0, 0)
    net = pricing.termination_refund(
        paid=paid,
        term_start=subscription.current_period_start,
        term_end=subscription.current_period_end,
        at=at,
        service_started_at=contract.service_started_at,
        fee=contract.early_termination_fee,
        refunds=contract.refund_policy == ContractTerms.RefundPolicy.STANDARD,
    )
    full = bool(paid) and net == paid
    fee = 0 if full else min(contract.early_termination_fee, paid)
    refund = net + pricing.percentage_of(net, rate)
    total = invoice.total if invoice else 0
    return TerminationQuote(invoice, total, refund, fee, full, at, net_refund=net)


def original_charge(invoice: Invoice) -> PaymentAttempt | None:
    return invoice.payment_attempts.filter(
        operation=PaymentAttempt.Operation.CHARGE, status=PaymentAttempt.Status.SUCCEEDED
    ).first()
