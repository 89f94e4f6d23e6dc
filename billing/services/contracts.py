"""R7: support staff cancel sales-assisted accounts under the notice rule, terminate prepaid terms early
with a refund, and every cancellation that takes effect ends with a final statement."""

import uuid
from datetime import UTC, date, datetime

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing import emails, gateway
from billing.models import (
    BillingEvent,
    Cancellation,
    FinalStatement,
    Invoice,
    PaymentAttempt,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
)
from billing.money import format_day
from billing.schedule import due_no_later_than
from billing.selectors.contracts import (
    SALES_ASSISTED,
    TerminationQuote,
    contract_for,
    notice_decision,
    original_charge,
    termination_quote,
)
from billing.selectors.statements import final_statement_facts
from billing.services.audit import billing_event_record
from billing.services.collection import attempts_send
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize

NEEDS_PERMISSION = _("You need the permission to change accounts.")
SELF_SERVICE_CANCELS_ITSELF = _(  # R5.5
    "Self-service accounts are cancelled by their owner in the Admin Center: cancelling there is the notice."
)
ALREADY_CANCELLING = _("This account is already scheduled to be cancelled.")
NOT_ACTIVE = _("Only an active account can be cancelled or terminated.")
NOTICE_IN_THE_FUTURE = _(
    "The notice cannot have been received after today (%(today)s, at this account's time): check the date."
)
REFUND_LINE = _("Refund of the unused part of %(number)s")
FULL_REFUND_LINE = _("Full refund of %(number)s")
FEE_LINE = _("Early termination fee")
BAD_PREVIEW = _("This preview cannot be used. Preview the termination again.")
EXPIRED_PREVIEW = _("This preview is more than 15 minutes old. Preview the termination again.")
REFUND_CHANGED = _(
    "The refund changed since this preview (a payment, a credit or the contract). Preview the termination "
    "again."
)
TERMINATION_SALT = "billing.contracts.termination"
PREVIEW_MAX_AGE_SECONDS = 15 * 60


def _locked_and_checked(account: Account, by) -> tuple[Account, Subscription]:
    """In the caller's transaction: lock the account, then check it as it is now — a second submit of the
    same staff action waits for the first, then is refused with a reason (never a 500)."""
    if not by.has_perm("accounts.change_account"):
        raise PermissionDenied(NEEDS_PERMISSION)
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.status != Account.Status.ACTIVE:
        raise ValidationError(NOT_ACTIVE)
    subscription = Subscription.objects.filter(account=account).first()
    if subscription is None:
        raise ValidationError(NOT_ACTIVE)
    return account, subscription


@transaction.atomic
def staff_cancellation_schedule(
    *, account: Account, by, reason: str, notice_received: date, now: datetime
) -> Cancellation:
    """R7.2: a sales-assisted customer's notice, recorded by staff. Received at least the notice period before
    the end of the term, the cancellation takes effect at the end of the term; later, the term renews once
    and it takes effect at the end of the next term."""
    account, subscription = _locked_and_checked(account, by)
    if account.kind not in SALES_ASSISTED:
        raise ValidationError(SELF_SERVICE_CANCELS_ITSELF)
    today = now.astimezone(UTC).date()  # billing days are UTC days (billing.money.format_day)
    if notice_received > today:
        raise notice_in_the_future(today)
    if ScheduledChange.objects.filter(account=account).account_cancellation().exists():
        raise ValidationError(ALREADY_CANCELLING)
    decision = notice_decision(subscription, contract_for(account), notice_received)
    cancellation = Cancellation.objects.create(
        account=account,
        scope=Cancellation.Scope.ACCOUNT,
        reason=reason,
        effective_at=decision.effective_at,
        token=uuid.uuid4(),
        created_by=by,
        created_at=now,
    )
    payload = {"notice_received": notice_received.isoformat(), "in_time": decision.in_time, "derived": False}
    ScheduledChange.objects.create(
        account=account,
        kind=ScheduledChange.Kind.CANCEL_ACCOUNT,
        effective_at=decision.effective_at,
        payload=payload,
        cancellation=cancellation,
        created_by=by,
        created_at=now,
    )
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.ACCOUNT_CANCELLATION_SCHEDULED,
        by=by,
        summary=f"Cancelled by support from {decision.effective_at:%Y-%m-%d} "
        f"(notice {notice_received:%Y-%m-%d}, {decision.days_before} days before the term end)",
        before={"status": account.status},
        after={"status": "cancelled", "from": decision.effective_at.isoformat(), **payload},
        now=now,
    )
    due_no_later_than(account, decision.effective_at)
    emails.account_cancellation_confirmed(cancellation)
    return cancellation


def notice_in_the_future(today: date) -> ValidationError:
    """R7.2: a notice dated after the account's today is a typo (a year too far), never a notice: refused."""
    return ValidationError(
        NOTICE_IN_THE_FUTURE, code="notice_in_the_future", params={"today": format_day(today)}
    )


def termination_preview(account: Account, *, now: datetime) -> tuple[TerminationQuote, str]:
    """R7.3, R6.5: what terminating now refunds, and the signed preview that confirming needs. The preview
    fixes its moment: the credit note refunds exactly what it showed (valid for 15 minutes)."""
    quote = termination_quote(account, account.subscription, at=now)
    payload = {"account": account.pk, "at": now.isoformat(), **_figures(quote)}
    return quote, signing.dumps(payload, salt=TERMINATION_SALT)


def _figures(quote: TerminationQuote) -> dict:
    invoice = quote.invoice.pk if quote.invoice else None
    return {"invoice": invoice, "paid": quote.paid, "refund": quote.refund, "fee": quote.fee}


def _previewed_moment(account: Account, signed: str) -> tuple[datetime, dict]:
    try:
        payload = signing.loads(signed, salt=TERMINATION_SALT, max_age=PREVIEW_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError(EXPIRED_PREVIEW) from None
    except signing.BadSignature:
        raise ValidationError(BAD_PREVIEW) from None
    if payload.get("account") != account.pk:
        raise ValidationError(BAD_PREVIEW)
    return parse_datetime(payload["at"]), payload


def early_termination(*, account: Account, by, signed: str, now: datetime) -> FinalStatement:
    """R7.3: end the prepaid term as previewed (`signed`, from termination_preview). The refund (full in
    the first 30 days of service, else the unused part from the preview's moment minus the early
    termination fee) is a credit note against the paid invoice and a gateway refund under the credit
    note's number; the account is cancelled now, with its final statement (R7.4). Anything that changed
    the refund since the preview refuses it. Not one transaction: the refund is sent once everything else
    is committed (R8.8)."""
    at, payload = _previewed_moment(account, signed)
    with transaction.atomic():
        account, subscription = _locked_and_checked(account, by)
        quote = termination_quote(account, subscription, at=at)
        if _figures(quote) != {key: payload[key] for key in _figures(quote)}:
            raise ValidationError(REFUND_CHANGED)
        credit = None
        if quote.refund:
            draft = invoice_draft(
                account=account,
                lines=credit_lines(quote, language=account.language),
                now=now,
                kind=Invoice.Kind.CREDIT_NOTE,
                credits=quote.invoice,
                period_start=at,
                period_end=subscription.current_period_end,
            )
            credit = invoice_finalize(invoice=draft, now=now)
        ScheduledChange.objects.filter(account=account).pending().update(revoked_at=now)
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.ACCOUNT_TERMINATED,
            by=by,
            summary=f"Terminated early: refund {quote.refund} of {quote.paid} (fee {quote.fee})",
            before={"status": account.status, "paid": quote.paid},
            after={"status": "cancelled", "refund": quote.refund, "fee": quote.fee, "full": quote.full},
            amount=-quote.refund if quote.refund else None,
            now=now,
        )
        statement = cancel_account_now(account, at=now, credit_notes=[credit] if credit else [])
        refund = _refund_intent(account, credit, quote, now) if credit is not None else None
    attempts_send([refund])  # once committed: the refund and its event, or the billing clock's retry
    return statement


def credit_lines(quote: TerminationQuote, *, language: str) -> list[LineSpec]:
    """R8.9: what the credit note credits, in the account's language — the whole invoice within the first 30
    days; else the unused part and, on a line of its own, the early termination fee it keeps (negative). The
    lines are before VAT and add up to the refund before VAT; the credit note adds the paid invoice's VAT."""
    number = quote.invoice.number
    with translation.override(language):
        if quote.full:
            return [LineSpec(str(FULL_REFUND_LINE % {"number": number}), quote.net_refund)]
        lines = [LineSpec(str(REFUND_LINE % {"number": number}), quote.net_refund + quote.fee)]
        if quote.fee:
            lines.append(LineSpec(str(FEE_LINE), -quote.fee))
        return lines


def _refund_intent(account: Account, credit: Invoice, quote, now: datetime) -> PaymentAttempt | None:
    """In the termination's transaction: the intent to refund the credit note to the card that paid, under
    the credit note's number. Paid by transfer, nothing is sent: the credit note is what the customer
    claims."""
    charge = original_charge(quote.invoice)
    if charge is None:
        return None
    return gateway.intend(
        PaymentAttempt.Operation.REFUND,
        account=account,
        invoice=credit,
        amount=credit.total,
        currency=credit.currency,
        key=f"refund-{credit.number}",
        now=now,
        against=charge.reference,
    )


def cancel_account_now(account: Account, *, at: datetime, credit_notes=()) -> FinalStatement:
    """The cancellation takes effect: products end, nobody can sign in (R7.7), and the final statement is
    issued and emailed (R7.4), saying what `final_statement_facts` says — as its preview on Billing ›
    Invoices did until now. The billing clock calls it too when a scheduled cancellation is due."""
    with translation.override(account.language):  # the statement lists the editions in its language
        facts = final_statement_facts(account, at=at, credit_notes=credit_notes)
    SubscriptionItem.objects.filter(subscription__account=account, ended_at=None).update(ended_at=at)
    Account.objects.filter(pk=account.pk).update(
        status=Account.Status.CANCELLED, cancelled_at=at, next_action_at=None
    )
    account.status, account.cancelled_at = Account.Status.CANCELLED, at
    statement = FinalStatement.objects.create(
        account=account,
        issued_at=at,
        effective_at=at,
        ended=list(facts.ended),
        balance_due=facts.balance_due,
    )
    statement.credit_notes.set(credit_notes)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.FINAL_STATEMENT_ISSUED,
        by=None,
        summary=f"Final statement: {len(facts.ended)} product(s) ended, nothing more will be charged",
        after={"ended": list(facts.ended), "balance_due": statement.balance_due},
        now=at,
    )
    emails.final_statement(statement)
    return statement
