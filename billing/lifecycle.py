"""The billing clock (R9.1): bring every due account up to its "now" — scheduled changes, renewals and their
invoices, trial ends, dunning steps (R8.5), suspension, reactivation (R8.7) and data deletion (R8.6).

Idempotent by construction: each account is processed under a row lock (PostgreSQL skips the accounts
another tick holds), inside one transaction; every step leaves a record guarded by a unique constraint
(a period is opened once, a dunning step happens once, an email key is sent once, a gateway key charges
once). A tick that crashes midway rolls back the account it was on and does that work again next time.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from accounts.models import Account, Membership
from billing import emails, gateway, pricing, tasks
from billing.clock import now_for
from billing.contracts import contract_for
from billing.models import (
    BillingEvent,
    Discount,
    DunningCase,
    DunningStep,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    PaymentMethod,
    Price,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
    SubscriptionPeriod,
)
from billing.services.contracts import cancel_account_now
from billing.services.data_deletion import account_data_delete
from billing.services.events import billing_event, billing_event_record
from billing.services.exports import data_exports_prune
from billing.services.invoices import (
    invoice_collect,
    invoice_draft,
    invoice_finalize,
    invoice_pending_charges,
    issue,
    issued_event,
    lines_for,
    paid_event,
    refused_event,
    subscription_lines,
)
from billing.services.scheduled_changes import KIND_ORDER, scheduled_change_apply

logger = logging.getLogger(__name__)
Step = DunningStep.Step
# R8.5, from the failed invoice's date D: (step, days after D).
DUNNING_SCHEDULE = [(Step.D0, 0), (Step.D2, 2), (Step.D4, 4), (Step.D21, 21), (Step.D29, 29)]
DATA_KEPT_DAYS = 90  # R8.6: after the suspension (or the cancellation), the data is deleted
TEMPORARY_REACTIVATION_DAYS = 7
MAX_ACTIONS_PER_ACCOUNT = 400  # a catch-up of years of monthly periods stays bounded
LIVE = (Account.Status.ACTIVE,)


@dataclass
class TickReport:
    accounts: int = 0
    actions: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def midnight(day) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


# --- What is due --------------------------------------------------------------------------------------


def due_account_ids(real_now: datetime) -> list[int]:
    """Accounts whose next action is due (by real time, or by their test clock), found through the index on
    next_action_at, plus those with a scheduled change due (the index on effective_at) as a safety net."""
    due = Account.objects.filter(
        Q(test_clock__isnull=True, next_action_at__lte=real_now)
        | Q(test_clock__isnull=False, next_action_at__lte=F("test_clock__frozen_now"))
    ).values_list("pk", flat=True)
    changes = ScheduledChange.objects.filter(applied_at=None, revoked_at=None, effective_at__lte=real_now)
    return sorted(set(due) | set(changes.values_list("account_id", flat=True)))


@dataclass(frozen=True)
class Due:
    at: datetime
    order: int
    run: object  # a callable(now) -> str, the action's name for the report


def _pending_changes(account):
    return ScheduledChange.objects.filter(account=account, applied_at=None, revoked_at=None)


def _live_case(account) -> DunningCase | None:
    return (
        DunningCase.objects.filter(account=account, status__in=["open", "suspended"])
        .select_related("invoice")
        .first()
    )


def next_actions(account: Account) -> list[Due]:
    """Everything the clock will have to do for the account, each with the moment it becomes due."""
    actions = []
    for change in _pending_changes(account).order_by("effective_at")[:1]:
        actions.append(
            Due(change.effective_at, KIND_ORDER[change.kind], lambda now, c=change: _apply_change(c))
        )
    if account.status in (Account.Status.CANCELLED, Account.Status.SUSPENDED, Account.Status.EXPIRED):
        ended = account.suspended_at or account.cancelled_at
        actions.append(Due(ended + timedelta(days=DATA_KEPT_DAYS), 9, lambda now: _delete_data(account, now)))
    case = _live_case(account)
    if case is not None:
        actions += _dunning_actions(account, case)
    if account.status not in LIVE:
        return actions
    subscription = Subscription.objects.filter(account=account).first()
    if account.is_trial:
        actions.append(Due(midnight(account.trial_ends_on), 5, lambda now: _end_trial(account, now)))
    elif subscription is not None and case is None:
        actions.append(
            Due(subscription.current_period_end, 6, lambda now: _renew(account, subscription, now))
        )
    return actions


def reschedule(account: Account) -> None:
    """Store when the clock must next look at the account. Services call it after changing what is due."""
    actions = next_actions(account)
    account.next_action_at = min((a.at for a in actions), default=None)
    Account.objects.filter(pk=account.pk).update(next_action_at=account.next_action_at)


# --- The tick -----------------------------------------------------------------------------------------


def billing_tick(
    *,
    real_now: datetime | None = None,
    account_ids: list[int] | None = None,
    workers: int = 1,
    bulk: bool = True,
) -> TickReport:
    """Advance every due account (or the given ones) to its now. Plain renewals go in bulk (same results,
    far fewer statements); every other account is advanced on its own. One account failing does not stop
    the others: its failure is reported and its work rolled back, to be done again next time. On
    PostgreSQL, `workers` threads share the accounts done one by one."""
    real_now = real_now or timezone.now()
    data_exports_prune(real_now=real_now)  # R7.6: export links expire after 7 days, their files go
    report, lock = TickReport(), threading.Lock()
    ids = account_ids if account_ids is not None else due_account_ids(real_now)
    if bulk:
        ids = _bulk_renewals(ids, real_now, report)

    def advance(pk: int) -> None:
        try:
            done = advance_account(pk, real_now=real_now)
        except Exception as error:  # reported, and retried by the next tick
            with lock:
                report.failed.append((pk, f"{type(error).__name__}: {error}"))
            return
        if done is not None:
            with lock:
                report.accounts += 1
                report.actions += len(done)

    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for pk in ids:
            advance(pk)
        return report

    def worker(chunk: list[int]) -> None:
        try:
            for pk in chunk:
                advance(pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, [ids[i::workers] for i in range(workers)]))
    return report


def _bulk_renewals(ids: list[int], real_now: datetime, report: TickReport) -> list[int]:
    """Renew in batches what can be; return the accounts left to advance one by one."""
    left = []
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        try:
            renewed = renew_in_bulk(chunk, real_now=real_now)
        except Exception:  # the batch is rolled back: each account takes the one-by-one path instead
            logger.exception("Bulk renewal failed; advancing these %s accounts one by one", len(chunk))
            renewed = set()
        report.accounts += len(renewed)
        report.actions += len(renewed)
        # Not renewed in bulk, or with more to do by now (a refused renewal's next dunning steps).
        due_again = Account.objects.filter(pk__in=renewed, next_action_at__lte=real_now)
        still_due = set(due_again.values_list("pk", flat=True))
        left += [pk for pk in chunk if pk not in renewed or pk in still_due]
    return left


def advance_account(pk: int, *, real_now: datetime | None = None) -> list[str] | None:
    """Do, in order, everything due for one account up to its now (catching up missed days). Returns the
    actions done, or None when another tick holds the account."""
    with transaction.atomic():
        account = (
            Account.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("test_clock")
            .filter(pk=pk)
            .first()
        )
        if account is None:
            return None
        now = now_for(account, real_now=real_now)
        done = []
        for _ in range(MAX_ACTIONS_PER_ACCOUNT):
            actions = next_actions(account)
            due = sorted((a for a in actions if a.at <= now), key=lambda a: (a.at, a.order))
            if not due:
                break
            done.append(due[0].run(now))
            account.refresh_from_db()
        next_at = min((a.at for a in actions), default=None)
        if next_at != account.next_action_at:
            Account.objects.filter(pk=account.pk).update(next_action_at=next_at)
        return done


# --- The actions ----------------------------------------------------------------------------------------


def _apply_change(change: ScheduledChange) -> str:
    scheduled_change_apply(change.pk, real_now=change.effective_at)
    return f"applied {change.kind}"


def _renew(account: Account, subscription: Subscription, now: datetime) -> str:
    """Open the next period at the end of the current one, invoice it with the subscription as it is then
    (scheduled changes already applied) and charge it. Once per period (unique subscription + start).
    A contract without auto-renewal (R7.1) ends instead, with its final statement."""
    start = subscription.current_period_end
    if not contract_for(account).auto_renew:
        return _end_contract(account, at=start)
    end = pricing.period_end(start, subscription.cycle)
    period, created = SubscriptionPeriod.objects.get_or_create(
        subscription=subscription, start=start, defaults={"end": end}
    )
    Subscription.objects.filter(pk=subscription.pk).update(current_period_start=start, current_period_end=end)
    subscription.current_period_start, subscription.current_period_end = start, end
    lines = subscription_lines(account, now=start)
    if created and lines:
        draft = invoice_draft(account=account, lines=lines, now=start, period_start=start, period_end=end)
        period.invoice = invoice_finalize(invoice=draft, now=start)
        period.save(update_fields=["invoice"])
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.PERIOD_RENEWED,
        by=None,
        summary=f"Renewed {start:%Y-%m-%d} – {end:%Y-%m-%d}",
        after={"start": start.isoformat(), "end": end.isoformat(), "invoice": period.invoice_id},
        amount=period.invoice.total if period.invoice else None,
        now=start,
    )
    if period.invoice is not None:
        _collect_or_start_dunning(account, period.invoice, paid_through=start)
    return "renewed"


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


def _collect_or_start_dunning(account: Account, invoice: Invoice, *, paid_through: datetime) -> None:
    """Charge the invoice; if the card is refused, chase it (R8.5) — within the live case if there is one."""
    attempt = invoice_collect(invoice=invoice, now=invoice.issued_at)
    if attempt is None or attempt.succeeded or _live_case(account) is not None:
        return
    day = invoice.issued_at
    case = DunningCase.objects.create(
        account=account,
        invoice=invoice,
        started_at=day,
        suspend_at=max(day + timedelta(days=29), paid_through),
    )
    _reach(case, Step.D0, day)


def charge_pending_changes(*, account: Account, now: datetime) -> Invoice | None:
    """Invoice and charge what the Manage page's changes cost now; a refused card starts dunning, but the
    period already paid is never cut short (suspension waits for its end)."""
    with transaction.atomic():
        invoice = invoice_pending_charges(account=account, now=now)
        if invoice is not None:
            paid_through = Subscription.objects.filter(account=account).values_list(
                "current_period_end", flat=True
            )
            _collect_or_start_dunning(account, invoice, paid_through=paid_through.first() or now)
            reschedule(account)
    return invoice


def _dunning_actions(account: Account, case: DunningCase) -> list[Due]:
    actions = []
    if case.retry_requested_at is not None:
        actions.append(Due(case.retry_requested_at, 7, lambda now: _retry(case, now)))
    if case.status == DunningCase.Status.SUSPENDED:
        if case.reactivated_until is not None:
            actions.append(Due(case.reactivated_until, 8, lambda now: _end_temporary_reactivation(case)))
        return actions
    reached = set(case.steps.values_list("step", flat=True))
    for step, days in DUNNING_SCHEDULE:
        if step not in reached:
            at = case.suspend_at if step == Step.D29 else case.started_at + timedelta(days=days)
            actions.append(Due(at, 7, lambda now, s=step, a=at: _dunning_step(case, s, a)))
            break
    return actions


def _reach(case: DunningCase, step: str, at: datetime) -> None:
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


def _open_invoices(account: Account):
    return Invoice.objects.filter(account=account, status=Invoice.Status.OPEN, kind=Invoice.Kind.INVOICE)


def _try_to_recover(case: DunningCase, at: datetime) -> bool:
    """Retry every open invoice of the account; when all are paid, the case is recovered (R8.7)."""
    for invoice in _open_invoices(case.account):
        invoice_collect(invoice=invoice, now=at)
    if _open_invoices(case.account).exists():
        return False
    _recover(case, at)
    return True


def _dunning_step(case: DunningCase, step: str, at: datetime) -> str:
    if step == Step.D29:
        _reach(case, step, at)
        _suspend(case, at)
        return "suspended"
    if _try_to_recover(case, at):
        return "recovered"
    _reach(case, step, at)
    return f"dunning {step}"


def _retry(case: DunningCase, now: datetime) -> str:
    """The owner updated the card: the next batch retries (R8.7)."""
    DunningCase.objects.filter(pk=case.pk).update(retry_requested_at=None)
    case.retry_requested_at = None
    return "recovered" if _try_to_recover(case, now) else "retry failed"


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


def _recover(case: DunningCase, at: datetime) -> None:
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


def _end_temporary_reactivation(case: DunningCase) -> str:
    DunningCase.objects.filter(pk=case.pk).update(reactivated_until=None)
    return "temporary reactivation ended"


def _end_trial(account: Account, now: datetime) -> str:
    """A trial that ends converts when a card is on file (its first period is invoiced and charged at
    once), and otherwise expires: nobody can sign in (README)."""
    at = midnight(account.trial_ends_on)
    if PaymentMethod.objects.filter(account=account).exists():
        Account.objects.filter(pk=account.pk).update(trial_ends_on=None)
        Subscription.objects.filter(account=account).update(current_period_end=at)
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.TRIAL_CONVERTED,
            by=None,
            summary="Trial converted",
            now=at,
        )
        return "trial converted"
    Account.objects.filter(pk=account.pk).update(status=Account.Status.EXPIRED, cancelled_at=at)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.TRIAL_EXPIRED,
        by=None,
        summary="Trial expired without a card",
        now=at,
    )
    return "trial expired"


def _delete_data(account: Account, now: datetime) -> str:
    """R8.6, the policy in docs/data-deletion.md: personal data goes, financial records stay."""
    account_data_delete(
        account=account, at=(account.suspended_at or account.cancelled_at) + timedelta(days=DATA_KEPT_DAYS)
    )
    return "data deleted"


BANNER_FROM = {  # R8.5: from D+4 the owner and admins see the banner, from D+21 every member
    Step.D4: frozenset({Membership.Role.OWNER, Membership.Role.BILLING_ADMIN, Membership.Role.ADMIN}),
    Step.D21: frozenset(Membership.Role.values),
}


def dunning_banner_case(membership: Membership) -> DunningCase | None:
    """The open dunning case whose banner this member sees, if any (one query)."""
    case = (
        DunningCase.objects.filter(account=membership.account, status=DunningCase.Status.OPEN)
        .select_related("invoice")
        .prefetch_related("steps")
        .first()
    )
    if case is None:
        return None
    reached = {s.step for s in case.steps.all()}
    roles = frozenset().union(*(roles for step, roles in BANNER_FROM.items() if step in reached))
    return case if membership.role in roles else None


# --- Renewals in bulk ---------------------------------------------------------------------------------
# Most due accounts only need their period renewed. For them the clock does the same work as `_renew`
# with a few statements per batch instead of ~45 per account; every other account takes the path above.

BATCH_SIZE = 500


def renew_in_bulk(pks: list[int], *, real_now: datetime) -> set[int]:
    """Renew, in one transaction, the accounts among `pks` whose only due action is one renewal: active, not
    on a trial or a test clock, no payment being chased, no scheduled change due. Same results as `_renew`
    (period, invoice numbered in its series, lines, events, charge, dunning on refusal, emails). Returns the
    accounts renewed; the others are left for `advance_account`."""
    with transaction.atomic():
        accounts = {
            a.pk: a
            for a in Account.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=pks, status=Account.Status.ACTIVE, trial_ends_on=None, test_clock=None)
            .exclude(contract__auto_renew=False)  # those end instead (`_renew`)
            .exclude(dunning_cases__status__in=["open", "suspended"])
            .exclude(
                scheduled_changes__applied_at=None,
                scheduled_changes__revoked_at=None,
                scheduled_changes__effective_at__lte=real_now,
            )
        }
        due = Subscription.objects.filter(account__in=list(accounts), current_period_end__lte=real_now)
        items = SubscriptionItem.objects.filter(ended_at=None).select_related("product", "bundle")
        subscriptions = [
            s
            for s in due.prefetch_related(
                Prefetch("items", queryset=items.prefetch_related("bundle__components")),
                Prefetch("discounts", queryset=Discount.objects.select_related("coupon").order_by("id")),
            )
            if pricing.period_end(s.current_period_end, s.cycle) > real_now  # one period only
        ]
        for subscription in subscriptions:
            subscription.account = accounts[subscription.account_id]
        return _renew_all(subscriptions) if subscriptions else set()


def _discounts_at(subscription: Subscription, moment: datetime) -> list[Discount]:
    currency = subscription.account.currency
    return [
        d
        for d in subscription.discounts.all()
        if d.starts_at <= moment
        and (d.ends_at is None or d.ends_at > moment)
        and (d.coupon.percent_off_bp is not None or d.coupon.currency == currency)
    ]


def _renew_all(subscriptions: list[Subscription]) -> set[int]:
    account_ids = [s.account_id for s in subscriptions]
    prices = {
        (p.currency, p.cycle, p.product_id, p.edition): p.unit_amount
        for p in Price.objects.filter(currency__in={s.account.currency for s in subscriptions})
    }
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
        table = {
            (product, edition): amount
            for (currency, cycle, product, edition), amount in prices.items()
            if currency == account.currency and cycle == subscription.cycle
        }
        specs = lines_for(
            subscription, list(subscription.items.all()), table, _discounts_at(subscription, start)
        )
        subscription.current_period_start, subscription.current_period_end = start, end
        account.next_action_at = end
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
    # Inserted as drafts with their lines, then opened: the database only lets drafts receive lines.
    for invoice in invoices:
        invoice.status = Invoice.Status.DRAFT
    Invoice.objects.bulk_create(invoices)
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            description=spec.description[:300],
            quantity=spec.quantity,
            unit_amount=spec.unit_amount,
            amount=spec.quantity * spec.unit_amount,
            position=n,
        )
        for invoice in invoices
        for n, spec in enumerate(invoice.specs)
    )
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(status=Invoice.Status.OPEN)
    for invoice in invoices:
        invoice.status = Invoice.Status.OPEN
    SubscriptionPeriod.objects.bulk_create(periods)
    Subscription.objects.bulk_update(subscriptions, ["current_period_start", "current_period_end"])
    InvoiceSequence.objects.bulk_update(sequences.values(), ["last"])
    Account.objects.bulk_update([s.account for s in subscriptions], ["next_action_at"])
    events = [issued_event(invoice, invoice.issued_at) for invoice in invoices]
    events += [_renewed_event(period) for period in periods]
    events += _charge_renewals(invoices, cards)
    BillingEvent.objects.bulk_create(events)
    for invoice in invoices:
        if getattr(invoice, "dunning_started", False):
            reschedule(invoice.account)  # a refused renewal: the next dunning step comes first
        transaction.on_commit(lambda pk=invoice.pk: tasks.send_invoice_issued.enqueue(pk))
    return {s.account_id for s in subscriptions}


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


def _charge_renewals(invoices: list[Invoice], cards: dict) -> list[BillingEvent]:
    """Charge the renewals paid by card; a refused card opens the dunning case at D (R8.5)."""
    by_key, requests = {}, []
    for invoice in invoices:
        card = cards.get(invoice.account_id)
        if (
            invoice.subscription.payment_type != Subscription.PaymentType.CARD
            or card is None
            or not invoice.total
        ):
            continue
        key = f"invoice-{invoice.pk}-charge-1"
        by_key[key] = invoice
        requests.append(
            gateway.ChargeRequest(
                invoice.account,
                invoice,
                card.gateway_token,
                invoice.total,
                invoice.currency,
                key,
                invoice.issued_at,
            )
        )
    attempts = gateway.charge_many(requests)
    paid = [by_key[key] for key, attempt in attempts.items() if attempt.succeeded]
    for invoice in paid:
        invoice.status, invoice.paid_at = Invoice.Status.PAID, invoice.issued_at
    # Each is paid at its own renewal date, in one statement.
    Invoice.objects.filter(pk__in=[i.pk for i in paid]).update(
        status=Invoice.Status.PAID, paid_at=F("issued_at")
    )
    events = [
        paid_event(invoice, invoice.issued_at, attempts[f"invoice-{invoice.pk}-charge-1"]) for invoice in paid
    ]
    for key, attempt in attempts.items():
        if attempt.succeeded:
            continue
        invoice, card = by_key[key], cards[by_key[key].account_id]
        events.append(refused_event(invoice, card, attempt, 1, invoice.issued_at))
        day = invoice.issued_at
        case = DunningCase.objects.create(
            account=invoice.account, invoice=invoice, started_at=day, suspend_at=day + timedelta(days=29)
        )
        _reach(case, Step.D0, day)
        invoice.dunning_started = True
    return events
