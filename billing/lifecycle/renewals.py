"""Renewals (R9.1): at the end of a period, open the next one, invoice it with the subscription as it is
then (scheduled changes already applied) and charge it; a refused card starts dunning (R8.5). A contract
without auto-renewal ends instead, with its final statement (R7.1, R7.4).

One path for one account and for many: `renew_subscriptions` opens the periods, numbers the invoices in
their series, writes their lines, events and the intents to charge them for a list of subscriptions in a few
statements. The clock renews an account on its own (`renewal`) inside that account's transaction, and in
batches (`renew_in_bulk`) the accounts whose only due action is a plain renewal — most of them. Either way
the card is charged after the transaction commits (R8.8): the clock sends the intents and records the
answers (billing.services.collection), which pay the invoices or start dunning (R8.5).
"""

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.db.models import F, Prefetch

from accounts.models import Account
from billing import crash, documents, emails, pricing
from billing.models import (
    BillingEvent,
    Discount,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    PaymentAttempt,
    PaymentMethod,
    Price,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
    SubscriptionPeriod,
)
from billing.selectors.contracts import contract_for
from billing.selectors.upcoming import upcoming_invoice
from billing.services.audit import billing_event, billing_event_record
from billing.services.contracts import cancel_account_now
from billing.services.invoices import invoice_lines, issue, issued_event, paid_event
from billing.services.rows import update_each

BATCH_SIZE = 500


def renewal(account: Account, subscription: Subscription) -> str:
    """The clock's renewal of one account, at the end of its current period."""
    if not contract_for(account).auto_renew:
        return _end_contract(account, at=subscription.current_period_end)
    subscription = _renewable(Subscription.objects.filter(pk=subscription.pk)).get()
    subscription.account = account
    renew_subscriptions([subscription])
    return "renewed"


def renew_in_bulk(pks: list[int], *, real_now: datetime) -> set[int]:
    """Renew, in one transaction, the accounts among `pks` whose only due action is one renewal: active, not
    on a trial or a test clock, no payment being chased or waiting for an answer, no scheduled change due.
    Returns the accounts renewed; the others are left for the clock to advance one by one."""
    with transaction.atomic():
        accounts = {
            a.pk: a
            for a in Account.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=pks, status=Account.Status.ACTIVE, trial_ends_on=None, test_clock=None)
            .exclude(contract__auto_renew=False)  # those end instead (`renewal`)
            .exclude(dunning_cases__status__in=["open", "suspended"])
            # Answers to record first: the tick records them before anything else (R8.8).
            .exclude(pk__in=PaymentAttempt.objects.pending().values("account"))
            .exclude(
                pk__in=ScheduledChange.objects.pending().filter(effective_at__lte=real_now).values("account")
            )
        }
        due = Subscription.objects.filter(account__in=list(accounts), current_period_end__lte=real_now)
        subscriptions = [
            s
            for s in _renewable(due)
            if pricing.period_end(s.current_period_end, s.cycle) > real_now  # one period only
        ]
        for subscription in subscriptions:
            subscription.account = accounts[subscription.account_id]
        return renew_subscriptions(subscriptions) if subscriptions else set()


def _renewable(subscriptions):
    """Subscriptions with what renewing them reads: running items with their products, and discounts."""
    items = SubscriptionItem.objects.filter(ended_at=None).select_related("product", "bundle")
    return subscriptions.prefetch_related(
        Prefetch("items", queryset=items),
        Prefetch("discounts", queryset=Discount.objects.select_related("coupon").order_by("id")),
    )


def renew_subscriptions(subscriptions: list[Subscription]) -> set[int]:
    """Renew each subscription (loaded by `_renewable`, its account attached and locked by the caller) for
    the period that starts where its current one ends. Returns the accounts renewed."""
    account_ids = [s.account_id for s in subscriptions]
    prices = defaultdict(dict)  # currency → (product, edition, cycle) → unit amount
    for p in Price.objects.filter(currency__in={s.account.currency for s in subscriptions}):
        prices[p.currency][(p.product_id, p.edition, p.cycle)] = p.unit_amount
    cards = {c.account_id: c for c in PaymentMethod.objects.filter(account__in=account_ids)}
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(account_id=pk) for pk in account_ids], ignore_conflicts=True
    )
    sequences = {
        q.account_id: q for q in InvoiceSequence.objects.select_for_update().filter(account__in=account_ids)
    }
    invoices, periods = [], []
    for subscription in subscriptions:
        account, start = subscription.account, subscription.current_period_end
        end = pricing.period_end(start, subscription.cycle)
        # The invoice is the upcoming invoice every page showed (R3.6). Its scheduled changes took effect
        # already (the clock applies them first), so none is left to project.
        upcoming = upcoming_invoice(
            subscription,
            list(subscription.items.all()),
            discounts=list(subscription.discounts.all()),
            pending=[],
            prices=prices[account.currency],
        )
        specs = upcoming.lines if upcoming else []
        subscription.current_period_start, subscription.current_period_end = start, end
        # Paid by transfer, the new invoice has reminders (billing.lifecycle.reminders): the clock plans the
        # account again at once, one by one, rather than waiting for the period's end.
        by_transfer = subscription.payment_type == Subscription.PaymentType.INVOICE
        account.next_action_at = start if by_transfer else end
        period = SubscriptionPeriod(subscription=subscription, start=start, end=end)
        periods.append(period)
        if not specs:
            continue
        sequences[account.pk].last += 1
        invoice = Invoice(
            account=account, currency=account.currency, created_at=start, period_start=start, period_end=end
        )
        subtotal = sum(spec.unit_amount * spec.quantity for spec in specs)
        issue(
            invoice,
            account,
            sequence=sequences[account.pk].last,
            subtotal=subtotal,
            payment_type=subscription.payment_type,
            now=start,
        )
        invoice.specs, invoice.subscription, period.invoice = specs, subscription, invoice
        invoices.append(invoice)
    _insert_invoices(invoices)
    crash.point("mid-batch")
    SubscriptionPeriod.objects.bulk_create(periods)
    update_each(subscriptions, ["current_period_start", "current_period_end"])
    update_each(list(sequences.values()), ["last"])
    events = [issued_event(invoice, invoice.issued_at) for invoice in invoices]
    events += [_renewed_event(period) for period in periods]
    events += [paid_event(invoice, invoice.issued_at) for invoice in _settle_free(invoices)]
    BillingEvent.objects.bulk_create(events)
    PaymentAttempt.objects.bulk_create(_charge_intents(invoices, cards))
    update_each([s.account for s in subscriptions], ["next_action_at"])
    documents.build_after_commit(invoices)
    to = emails.invoice_recipients_of([invoice.account for invoice in invoices])
    emails.queue(*[emails.invoice_issued(invoice, to=to[invoice.account_id]) for invoice in invoices])
    return {s.account_id for s in subscriptions}


def renewal_charge_key(subscription: Subscription, start: datetime) -> str:
    """The renewal's charge: the subscription, the period's start, and the attempt (the first: retries are
    dunning's, under their own keys). A rerun after a crash rebuilds the same key (R8.8)."""
    return f"renewal-{subscription.pk}-{start:%Y%m%dT%H%M%SZ}-1"


def _insert_invoices(invoices: list[Invoice]) -> None:
    """Inserted as drafts with their lines, then opened: the database only lets drafts receive lines."""
    for invoice in invoices:
        invoice.status = Invoice.Status.DRAFT
    Invoice.objects.bulk_create(invoices)
    InvoiceLine.objects.bulk_create(
        line for invoice in invoices for line in invoice_lines(invoice, invoice.specs)
    )
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(status=Invoice.Status.OPEN)
    for invoice in invoices:
        invoice.status = Invoice.Status.OPEN


def _renewed_event(period: SubscriptionPeriod) -> BillingEvent:
    invoice = period.invoice
    return billing_event(
        account=period.subscription.account,
        kind=BillingEvent.Kind.PERIOD_RENEWED,
        by=None,
        summary=f"Renewed {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}",
        after={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "invoice": getattr(invoice, "pk", None),
        },
        amount=invoice.total if invoice else None,
        now=period.start,
    )


def _settle_free(invoices: list[Invoice]) -> list[Invoice]:
    """Nothing to charge (a zero total) is paid at once."""
    free = [invoice for invoice in invoices if not invoice.total]
    Invoice.objects.filter(pk__in=[i.pk for i in free]).update(
        status=Invoice.Status.PAID, paid_at=F("issued_at")
    )
    for invoice in free:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, invoice.issued_at
    return free


def _charge_intents(invoices: list[Invoice], cards: dict) -> list[PaymentAttempt]:
    """The intents to charge the renewals paid by card, each at its renewal date, committed with the
    invoices; the clock sends them once they are (billing.services.collection). Invoices paid by transfer
    wait for it."""
    intents = []
    for invoice in invoices:
        card = cards.get(invoice.account_id)
        if (
            invoice.subscription.payment_type != Subscription.PaymentType.CARD
            or card is None
            or not invoice.total
        ):
            continue
        intents.append(
            PaymentAttempt(
                account=invoice.account,
                invoice=invoice,
                operation=PaymentAttempt.Operation.CHARGE,
                amount=invoice.total,
                currency=invoice.currency,
                idempotency_key=renewal_charge_key(invoice.subscription, invoice.period_start),
                token=card.gateway_token,
                card_last4=card.last4,
                created_at=invoice.issued_at,
            )
        )
    return intents


def _end_contract(account: Account, *, at: datetime) -> str:
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.CONTRACT_ENDED,
        by=None,
        summary=f"The contract ended on {at:%Y-%m-%d} without renewal",
        before={"status": account.status},
        after={"status": Account.Status.CANCELLED},
        now=at,
    )
    cancel_account_now(account, at=at)
    return "contract ended"
