"""The tick: find the accounts that are due and bring each up to its now (R9.1), and move a test clock
forward (R9.2).

Idempotent by construction: each account is processed under a row lock (PostgreSQL skips the accounts
another tick holds), in transactions that end where money is asked of the provider: the intent commits, the
provider is called, the answer is recorded in a new transaction (R8.8). A tick that crashes midway rolls back
what the account's open transaction did, and the next tick first sends again every intent left without an
answer — under the same keys, so the provider never moves money twice — then does the rest.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from billing.clock import now_for
from billing.documents import documents_build_due
from billing.lifecycle.deletion import account_data_delete, data_deletion_due
from billing.lifecycle.due import Due
from billing.lifecycle.dunning import dunning_actions
from billing.lifecycle.notices import reminders_send_due
from billing.lifecycle.reminders import reminder_actions
from billing.lifecycle.renewals import BATCH_SIZE, renew_in_bulk, renewal
from billing.lifecycle.trials import midnight, trial_end
from billing.models import BillingEvent, PaymentAttempt, ScheduledChange, Subscription, TestClock
from billing.outbox import emails_send_due
from billing.selectors.payments import live_dunning_case
from billing.selectors.upcoming import KIND_ORDER
from billing.services.audit import billing_event_record
from billing.services.collection import attempts_send, payments_resume
from billing.services.exports import data_exports_prune, data_exports_recover
from billing.services.reconciliation import payments_reconcile
from billing.services.scheduled_changes import scheduled_change_apply
from billing.services.snapshots import month_of, snapshots_write

logger = logging.getLogger(__name__)
MAX_ACTIONS_PER_ACCOUNT = 400  # a catch-up of years of monthly periods stays bounded
# Each tick compares what the provider and we recorded over this span (by the real clock), not the whole
# history: ticks run every few minutes, the span covers a clock stopped for a long weekend, and
# `billing_reconcile` run daily compares everything.
RECONCILED_AT_EACH_TICK = timedelta(days=3)
CLOSED = (Account.Status.CANCELLED, Account.Status.SUSPENDED, Account.Status.EXPIRED)
NEEDS_CLOCK_PERMISSION = _("You need the permission to change test clocks.")
FORWARD_ONLY = _("A test clock only moves forward.")


class ProviderUnanswered(Exception):
    """A payment of the account got no answer: its next actions depend on it, so they wait for the next
    tick (which sends it again, under the same key)."""


@dataclass
class TickReport:
    accounts: int = 0
    actions: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)
    mismatches: int = 0  # between the provider's ledger and our records, found at the end (R8.8)
    unanswered: int = 0  # payments the provider did not answer (down?): sent again by the next tick
    emails: int = 0  # emails the worker had not sent, sent by the clock
    exports: dict[str, int] = field(default_factory=dict)  # exports whose worker died: requeued, failed
    documents: int = 0  # invoice documents (PDF, Factur-X XML) no worker built in time, built by the clock
    reminders: int = 0  # issue 19: renewal and card expiry reminders written
    snapshots: int = 0  # issue 22: the month's account snapshots written (the first tick of the month)


# --- What is due --------------------------------------------------------------------------------------


def due_account_ids(real_now: datetime) -> list[int]:
    """Accounts whose next action is due (by real time, or by their test clock), found through the index on
    next_action_at, plus those with a scheduled change due (the index on effective_at) as a safety net."""
    due = Account.objects.filter(
        Q(test_clock__isnull=True, next_action_at__lte=real_now)
        | Q(test_clock__isnull=False, next_action_at__lte=F("test_clock__frozen_now"))
    ).values_list("pk", flat=True)
    changes = ScheduledChange.objects.pending().filter(effective_at__lte=real_now)
    return sorted(set(due) | set(changes.values_list("account_id", flat=True)))


def next_actions(account: Account, now: datetime | None = None) -> list[Due]:
    """Everything the clock will have to do for the account, each with the moment it becomes due, as of
    `now` (the account's now by default): a reminder before a due date already past is not planned."""
    actions = reminder_actions(account, now or now_for(account))
    for change in ScheduledChange.objects.filter(account=account).pending().order_by("effective_at")[:1]:
        actions.append(Due(change.effective_at, KIND_ORDER[change.kind], lambda now, c=change: _apply(c)))
    if account.status in CLOSED:
        actions.append(Due(data_deletion_due(account), 9, lambda now: _delete_data(account)))
    case = live_dunning_case(account)
    if case is not None:
        actions += dunning_actions(case)
    if account.status != Account.Status.ACTIVE:
        return actions
    subscription = Subscription.objects.filter(account=account).first()
    if account.is_trial:
        actions.append(Due(midnight(account.trial_ends_on), 5, lambda now: trial_end(account, now)))
    elif subscription is not None and case is None:
        actions.append(Due(subscription.current_period_end, 6, lambda now: renewal(account, subscription)))
    return actions


def _apply(change: ScheduledChange) -> str:
    scheduled_change_apply(change.pk, real_now=change.effective_at)
    return f"applied {change.kind}"


def _delete_data(account: Account) -> str:
    """R8.6, the policy in docs/data-deletion.md: personal data goes, financial records stay."""
    account_data_delete(account=account, at=data_deletion_due(account))
    return "data deleted"


# --- The tick -----------------------------------------------------------------------------------------


def billing_tick(
    *,
    real_now: datetime | None = None,
    account_ids: list[int] | None = None,
    workers: int = 1,
    bulk: bool = True,
) -> TickReport:
    """Advance every due account (or the given ones) to its now. Plain renewals go in batches (the same
    renewal code, far fewer statements); every other account is advanced on its own. One account failing
    does not stop the others: its failure is reported and its work rolled back, to be done again next time.
    On PostgreSQL, `workers` threads share the accounts done one by one."""
    real_now = real_now or now_for()
    report, lock = TickReport(), threading.Lock()
    report.unanswered = payments_resume()  # R8.8: first, the intents a crash left without an answer
    data_exports_prune(real_now=real_now)  # R7.6: export links expire after 7 days, their files go
    report.exports = data_exports_recover(real_now=real_now)  # issue 16: built again, or failed, not stuck
    ids = account_ids if account_ids is not None else due_account_ids(real_now)
    renewed: set[int] = set()  # counted once, even when advanced again after their bulk renewal
    if bulk:
        ids, renewed = _bulk_renewals(ids, real_now, report)

    def advance(pk: int) -> None:
        try:
            done = advance_account(pk, real_now=real_now)
        except Exception as error:  # reported, and retried by the next tick
            with lock:
                report.failed.append((pk, f"{type(error).__name__}: {error}"))
            return
        if done is not None:
            with lock:
                report.accounts += pk not in renewed
                report.actions += len(done)

    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for pk in ids:
            advance(pk)
    else:
        _in_threads(advance, ids, workers)
    report.reminders = _notices_send(real_now, account_ids)
    report.snapshots = month_snapshots_write(real_now, TestClock.objects.all())
    # R8.8: what changed lately, logged and listed for staff (`billing_reconcile` compares everything).
    report.mismatches = len(payments_reconcile(now=real_now, since=now_for() - RECONCILED_AT_EACH_TICK))
    # Issue 16: the emails no worker sent (never picked up, or their sender died holding them).
    report.emails = emails_send_due(real_now=now_for())
    # R8.9: the invoice PDFs no worker built in time (and those of invoices older than stored PDFs); issue
    # 21: the Factur-X XML of the PDFs stored before it, a hundred a tick.
    report.documents = documents_build_due(real_now=now_for())
    return report


def _notices_send(real_now: datetime, account_ids: list[int] | None) -> int:
    """Issue 19, after the renewals: a renewal done is no longer reminded. A failure is logged and does not
    stop the tick; what was not written is written by the next one."""
    try:
        return reminders_send_due(real_now=real_now, account_ids=account_ids)
    except Exception:
        logger.exception("Renewal and card expiry reminders failed; the next tick writes them")
        return 0


def month_snapshots_write(real_now: datetime | None, clocks) -> int:
    """Issue 22, once the accounts are advanced: this month's snapshot of each account that has none — at
    the real time (unless `real_now` is None), and of each test clock's accounts at the clock's month. A
    failure is logged and does not stop the tick; the next one writes them."""
    try:
        written = 0 if real_now is None else snapshots_write(month=month_of(real_now))
        for clock in clocks:
            written += snapshots_write(month=month_of(clock.frozen_now), clock=clock)
        return written
    except Exception:
        logger.exception("Account snapshots failed; the next tick writes them")
        return 0


def _in_threads(advance, ids: list[int], workers: int) -> None:
    """On PostgreSQL, `workers` threads share the accounts; each thread has its own connection."""

    def worker(chunk: list[int]) -> None:
        try:
            for pk in chunk:
                advance(pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, [ids[i::workers] for i in range(workers)]))


def _bulk_renewals(ids: list[int], real_now: datetime, report: TickReport) -> tuple[list[int], set[int]]:
    """Renew in batches what can be; return the accounts left to advance one by one, and those renewed."""
    left, all_renewed = [], set()
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        try:
            renewed = renew_in_bulk(chunk, real_now=real_now)
        except Exception:  # the batch is rolled back: each account takes the one-by-one path instead
            logger.exception("Bulk renewal failed; advancing these %s accounts one by one", len(chunk))
            renewed = set()
        all_renewed |= renewed
        # Their charges, now that the renewals are committed (R8.8): paid, or chased from now on.
        report.unanswered += attempts_send(
            list(PaymentAttempt.objects.pending().filter(account__in=renewed).select_related("invoice"))
        )
        report.accounts += len(renewed)
        report.actions += len(renewed)
        # Not renewed in bulk, or with more to do by now (a refused renewal's next dunning steps).
        due_again = Account.objects.filter(pk__in=renewed, next_action_at__lte=real_now)
        still_due = set(due_again.values_list("pk", flat=True))
        left += [pk for pk in chunk if pk not in renewed or pk in still_due]
    return left, all_renewed


def advance_account(pk: int, *, real_now: datetime | None = None) -> list[str] | None:
    """Do, in order, everything due for one account up to its now (catching up missed days). Returns the
    actions done, or None when another tick holds the account.

    Not one transaction (R8.8): the actions run in the account's transaction until one leaves an intent
    to charge (a renewal, a dunning retry); that transaction commits, the intents are sent and their answers
    recorded, and the account's next actions run in a new one — they depend on those answers."""
    done: list[str] = []
    for _round in range(MAX_ACTIONS_PER_ACCOUNT):
        with transaction.atomic():
            account = (
                Account.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("test_clock")
                .filter(pk=pk)
                .first()
            )
            if account is None:
                return done or None
            waiting = _advance_until_an_intent(account, now_for(account, real_now=real_now), done)
        if not waiting:
            break
        pending = PaymentAttempt.objects.pending().filter(account_id=pk).select_related("invoice")
        if attempts_send(list(pending)):
            raise ProviderUnanswered(f"no answer from the payment provider after: {', '.join(done) or '—'}")
    return done


def _advance_until_an_intent(account: Account, now: datetime, done: list[str]) -> bool:
    """Run the account's due actions in order and plan its next one; stop at the first action that leaves
    an intent to send, and say so (the account stays due)."""
    for _step in range(MAX_ACTIONS_PER_ACCOUNT):
        actions = next_actions(account, now)
        due = sorted((a for a in actions if a.at <= now), key=lambda a: (a.at, a.order))
        if not due:
            break
        name = due[0].run(now)
        if name is not None:
            done.append(name)
        if PaymentAttempt.objects.pending().filter(account=account).exists():
            return True
        account.refresh_from_db()
    next_at = min((a.at for a in actions), default=None)
    if next_at != account.next_action_at:
        Account.objects.filter(pk=account.pk).update(next_action_at=next_at)
    return False


def advance_test_clock(*, clock: TestClock, to: datetime, by) -> dict[str, list[str]]:
    """R9.2: move a test clock forward and run the lifecycle of its accounts, and only theirs, up to it.
    Outside any transaction, like the tick: it charges cards (R8.8)."""
    if not by.has_perm("billing.change_testclock"):
        raise PermissionDenied(NEEDS_CLOCK_PERMISSION)
    with transaction.atomic():
        clock = TestClock.objects.select_for_update().get(pk=clock.pk)
        if to <= clock.frozen_now:
            raise ValidationError(FORWARD_ONLY)
        before = clock.frozen_now
        clock.frozen_now = to
        clock.save(update_fields=["frozen_now"])
        accounts = list(clock.accounts.all())
        for account in accounts:
            billing_event_record(
                account=account,
                kind=BillingEvent.Kind.TEST_CLOCK_ADVANCED,
                by=by,
                summary=f"{clock.name}: {before:%Y-%m-%d %H:%M} → {to:%Y-%m-%d %H:%M}",
                before={"now": before.isoformat()},
                after={"now": to.isoformat()},
                now=to,
            )
    payments_resume(account_ids=[account.pk for account in accounts])  # R8.8, as a tick does first
    done = {account.name: advance_account(account.pk) or [] for account in accounts}
    _notices_send(now_for(), [account.pk for account in accounts])  # issue 19, as a tick does
    month_snapshots_write(None, [clock])  # issue 22, as a tick does
    return done
