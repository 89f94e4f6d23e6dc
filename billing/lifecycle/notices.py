"""Reminders the billing clock sends ahead of time (issue 19, R9.1): 30 days before an annual renewal, the
renewal date and the amount of its invoice; in the month before the card on file expires (or the month it
does), a request to update it. Each once: a renewal is keyed by its subscription and period end, a card by
its last 4 digits and expiry, as the outbox keys of their emails.

Unlike the transfer reminders (billing.lifecycle.reminders), these are not planned account by account: that
would wake every annual account of the book 30 days before its renewal and advance it alone. Each tick
finds instead, in one query per kind (and per test clock), through an index, what entered its window and is
not reminded yet — the row remembers the renewal or expiry it was reminded for — and writes a batch of emails
at once.

A renewal the clock reaches only once it happened (a clock stopped for a month) is not reminded: the invoice
is there already. A card replaced before its reminder has another expiry: the old one is never reminded."""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Prefetch, Q, prefetch_related_objects

from accounts.models import Account
from billing import emails
from billing.models import (
    Cycle,
    Discount,
    PaymentMethod,
    Price,
    ScheduledChange,
    Subscription,
    SubscriptionItem,
    TestClock,
)
from billing.months import next_month
from billing.selectors.prices import MissingPrice
from billing.selectors.upcoming import upcoming_invoice

logger = logging.getLogger(__name__)
RENEWAL_NOTICE = timedelta(days=30)
REMINDED_BY_THE_CLOCK = 200  # of each kind a tick, soonest first: a backlog is written over several ticks


def reminders_send_due(*, real_now: datetime, account_ids: list[int] | None = None) -> int:
    """Write the renewal and card expiry reminders due at each account's now (every account, or the given
    ones), in one transaction per kind. Returns how many were written."""
    moments = _moments(real_now, account_ids)
    return renewal_reminders_send(moments, account_ids) + card_reminders_send(moments, account_ids)


def _moments(real_now: datetime, account_ids: list[int] | None) -> list[tuple[Q, datetime]]:
    """(which accounts, their now): the accounts on the real clock, then those of each test clock (R9.2)."""
    clocks = TestClock.objects.all()
    if account_ids is not None:
        clocks = clocks.filter(accounts__in=account_ids).distinct()
    # Subqueries rather than joins: each window stays a range on the reminded table's own index.
    on_a_clock = Account.objects.filter(test_clock__isnull=False).values("pk")
    moments = [(~Q(account__in=on_a_clock), real_now)]
    for pk, now in clocks.values_list("pk", "frozen_now"):
        moments.append((Q(account__in=Account.objects.filter(test_clock=pk).values("pk")), now))
    return moments


def _in_scope(queryset, account_ids: list[int] | None):
    """Active accounts (of `account_ids` if given) that are not cancelling."""
    cancelling = ScheduledChange.objects.account_cancellation().values("account")
    queryset = queryset.filter(account__status=Account.Status.ACTIVE).exclude(account__in=cancelling)
    return queryset if account_ids is None else queryset.filter(account__in=account_ids)


# --- Renewals -------------------------------------------------------------------------------------------


def renewal_reminders_send(moments: list[tuple[Q, datetime]], account_ids: list[int] | None = None) -> int:
    """30 days before an annual renewal (and until it happens): its date and the upcoming invoice's total —
    the Subscription page's "Next invoice" (R3.6) — to the owner and billing contacts. Not for a trial, a
    contract that ends without renewal, or an account cancelling."""
    due = (
        _in_scope(Subscription.objects.filter(cycle=Cycle.ANNUAL), account_ids)
        .filter(account__trial_ends_on=None)
        .exclude(account__contract__auto_renew=False)
        .filter(Q(renewal_reminded_for=None) | ~Q(renewal_reminded_for=F("current_period_end")))
    )
    with transaction.atomic():
        subscriptions = _locked(due, moments, _renewing, order=("current_period_end", "pk"))
        if not subscriptions:
            return 0
        _load_invoice_inputs(subscriptions)
        prices = _prices({s.account.currency for s in subscriptions})
        to = emails.invoice_recipients_of([s.account for s in subscriptions])
        written, done = [], []
        for subscription in subscriptions:
            try:
                upcoming = upcoming_invoice(
                    subscription,
                    list(subscription.items.all()),
                    discounts=list(subscription.discounts.all()),
                    pending=list(subscription.account.scheduled_changes.all()),
                    prices=prices[subscription.account.currency],
                )
            except MissingPrice:  # staff must add the price; the renewal will fail alike: retried next tick
                logger.exception(
                    "No renewal reminder for subscription %s: a price is missing", subscription.pk
                )
                continue
            done.append(subscription.pk)
            if upcoming is not None:  # nothing left to invoice: nothing to announce
                written.append(
                    emails.renewal_reminder(subscription, upcoming, to=to[subscription.account_id])
                )
        Subscription.objects.filter(pk__in=done).update(renewal_reminded_for=F("current_period_end"))
        return len(emails.queue(*written)) if written else 0


def _locked(queryset, moments, window, *, order) -> list:
    """The rows of `queryset` in their `window` at each moment, soonest first, at most REMINDED_BY_THE_CLOCK,
    locked — and skipped while another tick holds them: that tick writes their reminders. One query per
    moment (the real clock, then each test clock), each a range on the table's own index."""
    found = []
    for accounts, now in moments:
        if len(found) >= REMINDED_BY_THE_CLOCK:
            break
        rows = queryset.filter(accounts, window(now)).select_for_update(skip_locked=True, of=("self",))
        found += rows.select_related("account").order_by(*order)[: REMINDED_BY_THE_CLOCK - len(found)]
    return found


def _renewing(now: datetime) -> Q:
    """Renewals in the next 30 days, not yet happened."""
    return Q(current_period_end__gt=now, current_period_end__lte=now + RENEWAL_NOTICE)


def _load_invoice_inputs(subscriptions: list[Subscription]) -> None:
    """What the upcoming invoice reads (as billing.lifecycle.renewals loads it), for a batch at once."""
    items = SubscriptionItem.objects.filter(ended_at=None).select_related("product", "bundle")
    prefetch_related_objects(
        subscriptions,
        Prefetch("items", queryset=items),
        Prefetch("discounts", queryset=Discount.objects.select_related("coupon").order_by("id")),
        Prefetch("account__scheduled_changes", queryset=ScheduledChange.objects.pending()),
    )


def _prices(currencies: set[str]) -> dict[str, dict[tuple[int, str, str], int]]:
    prices = defaultdict(dict)  # currency → (product, edition, cycle) → unit amount
    for price in Price.objects.filter(currency__in=currencies):
        prices[price.currency][(price.product_id, price.edition, price.cycle)] = price.unit_amount
    return prices


# --- Cards ----------------------------------------------------------------------------------------------


def card_reminders_send(moments: list[tuple[Q, datetime]], account_ids: list[int] | None = None) -> int:
    """In the month before the card on file expires, or in that month if the clock comes late: a request
    to update it, to the owner and billing contacts. Only for accounts paying by card."""
    reminded = F("exp_year") * 100 + F("exp_month")
    due = (
        _in_scope(PaymentMethod.objects.all(), account_ids)
        .exclude(account__subscription__payment_type=Subscription.PaymentType.INVOICE)
        .filter(Q(expiry_reminded_for=None) | ~Q(expiry_reminded_for=reminded))
    )
    with transaction.atomic():
        cards = _locked(due, moments, _expiring, order=("exp_year", "exp_month", "pk"))
        if not cards:
            return 0
        to = emails.invoice_recipients_of([card.account for card in cards])
        written = [emails.card_expiring(card, to=to[card.account_id]) for card in cards]
        PaymentMethod.objects.filter(pk__in=[card.pk for card in cards]).update(expiry_reminded_for=reminded)
        return len(emails.queue(*written))


def _expiring(now: datetime) -> Q:
    """Cards that expire at the end of this month or of the next."""
    this = _month(now)
    after = next_month(this)
    return Q(exp_year=this.year, exp_month=this.month) | Q(exp_year=after.year, exp_month=after.month)


def _month(moment: datetime) -> date:
    """The first day of the moment's month; billing days are UTC days."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day.replace(day=1)
