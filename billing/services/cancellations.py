"""The cancellation journey's writes (R4, R5): the owner's draft selection, the confirmations that schedule
product removals or the account's cancellation at the end of the current billing period, and the owner's
withdrawal of what they confirmed before it takes effect (R5.9)."""

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import emails
from billing.models import BillingEvent, Cancellation, CancellationDraft, ScheduledChange
from billing.money import format_day
from billing.schedule import due_no_later_than
from billing.selectors.cancellations import Block, CancellationPage, cancellation_page
from billing.services.audit import billing_event_record
from billing.services.scheduled_changes import WITHDRAW_ACTIONS, scheduled_change_revoke

Action = policy.Action

BLOCK_MESSAGES = {
    Block.VIA_SUPPORT: _(
        "Your account is cancelled through customer support. Contact support to remove products or cancel "
        "the account."
    ),
    Block.TRIAL: _(
        "Trial accounts cannot be cancelled here: let the trial expire, or contact support to end it sooner."
    ),
    Block.NO_SUBSCRIPTION: _("This account has no subscription to cancel."),
    Block.CANCELLING: _("The account is already scheduled to be cancelled."),
}
NOTHING_SELECTED = _("Select at least one product to remove.")
ACKNOWLEDGE_WARNINGS = _("Tick each warning to confirm that you understand it.")
STALE_CONFIRMATION = _("The selection changed since this page was opened. Review it and confirm again.")
ALREADY_CONFIRMED = _("This was already confirmed. Nothing more was recorded.")
ALREADY_KEPT = _("Your subscription is already kept: nothing more was changed.")
TOO_LATE_TO_KEEP = _(
    "It took effect on %(date)s: it can no longer be withdrawn. Contact support if you need it back."
)


class CancellationRefused(PermissionDenied):
    """The account's situation (support-only, trial…) does not allow the journey: a 403 with a reason."""


class AlreadyConfirmed(Exception):
    """The confirmation was replayed (double click, second tab, back button): nothing new is recorded."""

    def __init__(self, cancellation: Cancellation):
        super().__init__(str(ALREADY_CONFIRMED))
        self.cancellation = cancellation


class AlreadyKept(Exception):
    """The withdrawal was replayed (double click, second tab): it was kept already, nothing more changes."""

    def __init__(self):
        super().__init__(str(ALREADY_KEPT))


class StaleConfirmation(Exception):
    """The form confirms a selection that has changed since it was shown."""


def _locked_draft(account) -> CancellationDraft:
    """Lock the account row, then return its draft: an account's cancellation writes run one at a time
    (a PostgreSQL row lock; SQLite serialises writers), so a racing replay sees the first one's result."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    draft, _ = CancellationDraft.objects.get_or_create(account=account)
    return draft


def _open_page(membership: Membership, action: Action, now: datetime) -> CancellationPage:
    policy.require(membership, action)
    page = cancellation_page(membership.account, now=now)
    if page.block is not None:
        raise CancellationRefused(BLOCK_MESSAGES[page.block])
    return page


def _rotate(draft: CancellationDraft, *, clear: bool = False) -> None:
    if clear:
        draft.items.clear()
    draft.token = uuid.uuid4()
    draft.save(update_fields=["token"])


@transaction.atomic
def cancellation_draft_select(*, membership: Membership, item_id: int, now: datetime) -> None:
    """R4.3: "Remove" puts a product in the cancellation summary. Another account's item, an ended item or
    an unknown id is a 404; a product that cannot be removed here is refused with the reason."""
    draft = _locked_draft(membership.account)
    page = _open_page(membership, Action.REMOVE_PRODUCTS, now)
    candidate = next((c for c in page.candidates if c.item.pk == item_id), None)
    if candidate is None:
        raise Http404("No such product in this subscription.")
    if candidate.not_removable is not None:
        raise ValidationError(candidate.why_not)
    draft.items.add(candidate.item)
    _rotate(draft)


@transaction.atomic
def cancellation_draft_unselect(*, membership: Membership, item_id: int, now: datetime) -> None:
    """R4.3: put a selected product back."""
    draft = _locked_draft(membership.account)
    page = _open_page(membership, Action.REMOVE_PRODUCTS, now)
    if not any(c.item.pk == item_id for c in page.candidates):
        raise Http404("No such product in this subscription.")
    draft.items.remove(item_id)
    _rotate(draft)


def _check_token(draft: CancellationDraft, token: uuid.UUID) -> None:
    if draft.token == token:
        return
    existing = Cancellation.objects.filter(account=draft.account_id, token=token).first()
    if existing is not None:
        raise AlreadyConfirmed(existing)
    raise StaleConfirmation(str(STALE_CONFIRMATION))


def _once(schedule):
    """Where the database, not the lock, stopped a racing twin (SQLite): the unique confirmation key, or
    the one pending account cancellation, let one in; the other is a replay of it."""

    def run(*, membership: Membership, token: uuid.UUID, **kwargs) -> Cancellation:
        try:
            return schedule(membership=membership, token=token, **kwargs)
        except IntegrityError:
            account = membership.account
            existing = Cancellation.objects.filter(account=account, token=token).first() or (
                Cancellation.objects.filter(
                    account=account,
                    changes__in=ScheduledChange.objects.filter(account=account).account_cancellation(),
                ).first()
            )
            if existing is None:
                raise
            raise AlreadyConfirmed(existing) from None

    run.__doc__ = schedule.__doc__
    return run


def _schedule(cancellation: Cancellation, kind: str, *, item=None, payload: dict) -> ScheduledChange:
    due_no_later_than(cancellation.account, cancellation.effective_at)
    return ScheduledChange.objects.create(
        account=cancellation.account,
        kind=kind,
        item=item,
        effective_at=cancellation.effective_at,
        payload=payload,
        cancellation=cancellation,
        created_by=cancellation.created_by,
        created_at=cancellation.created_at,
    )


@_once
@transaction.atomic
def product_removal_schedule(
    *,
    membership: Membership,
    token: uuid.UUID,
    reason: str,
    explanation: str,
    acknowledged: set[str],
    now: datetime,
) -> Cancellation:
    """R4.4–R4.7, R4.12, R4.13: schedule the removal of the selected products at the end of the period.

    Guarantees: the products stay active and priced until then; one scheduled change and one billing event
    per product; the end of legacy Suite pricing (R4.6) and the account's cancellation when no tier-1
    product remains (R4.7) are scheduled with them; every warning that needs it was ticked; a replay
    records nothing (AlreadyConfirmed); the owner gets an email once the transaction commits.
    """
    draft = _locked_draft(membership.account)
    _check_token(draft, token)
    page = _open_page(membership, Action.REMOVE_PRODUCTS, now)
    summary = page.summary
    if summary is None:
        raise ValidationError(NOTHING_SELECTED)
    needed = set(summary.acknowledgements_needed)
    if not needed <= acknowledged:
        raise ValidationError(ACKNOWLEDGE_WARNINGS)
    user, account = membership.user, membership.account
    cancellation = Cancellation.objects.create(
        account=account,
        scope=Cancellation.Scope.PRODUCTS,
        reason=reason,
        explanation=explanation,
        acknowledged=sorted(needed),
        effective_at=page.effective_at,
        token=token,
        created_by=user,
        created_at=now,
    )
    ends = page.effective_at.isoformat()
    for row in summary.rows:
        item = row.item
        _schedule(
            cancellation, ScheduledChange.Kind.REMOVE_ITEM, item=item, payload={"product": item.product.code}
        )
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.PRODUCT_REMOVAL_SCHEDULED,
            by=user,
            summary=f"{item.product.name} {item.edition_label} ends on {page.effective_at:%Y-%m-%d}",
            before={
                "product": item.product.code,
                "edition": item.edition,
                "seats": item.seats,
                "price": row.price_now,
            },
            after={"ends_at": ends, "reason": reason},
            amount=row.price_now,
            now=now,
        )
    if summary.ends_suite_pricing:
        suite = next(row.item.bundle for row in summary.rows if row.item.bundle_id)
        _schedule(
            cancellation,
            ScheduledChange.Kind.END_SUITE_PRICING,
            payload={"suite": suite.code, "derived": True},
        )
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.SUITE_PRICING_END_SCHEDULED,
            by=user,
            summary=f"{suite.name} pricing ends on {page.effective_at:%Y-%m-%d}; products at list price",
            before={"total": summary.total_now},
            after={"total": summary.total_next, "from": ends},
            now=now,
        )
    if summary.cancels_account:
        _schedule_account_cancellation(cancellation, derived=True, now=now)
    _rotate(draft, clear=True)
    emails.removal_confirmed(cancellation)
    return cancellation


def _schedule_account_cancellation(cancellation: Cancellation, *, derived: bool, now: datetime) -> None:
    # R5.5: for self-service accounts, cancelling in the app is the notice, timestamped here.
    _schedule(
        cancellation,
        ScheduledChange.Kind.CANCEL_ACCOUNT,
        payload={"derived": derived, "notice_given_at": now.isoformat()},
    )
    billing_event_record(
        account=cancellation.account,
        kind=BillingEvent.Kind.ACCOUNT_CANCELLATION_SCHEDULED,
        by=cancellation.created_by,
        summary=f"Account cancelled from {cancellation.effective_at:%Y-%m-%d}"
        + (" (no Support or Chat product remains)" if derived else ""),
        before={"status": cancellation.account.status},
        after={
            "status": "cancelled",
            "from": cancellation.effective_at.isoformat(),
            "reason": cancellation.reason,
        },
        now=now,
    )


@_once
@transaction.atomic
def account_cancellation_schedule(
    *, membership: Membership, token: uuid.UUID, reason: str, explanation: str, now: datetime
) -> Cancellation:
    """R5.1–R5.5, R5.7: the owner cancels the account; it stays usable until the end of the current
    period, then nobody can sign in (applied by the billing clock). `token` is a fresh key of the form:
    a replay of it, or a second tab, records nothing (AlreadyConfirmed)."""
    policy.require(membership, Action.CANCEL_ACCOUNT)
    draft = _locked_draft(membership.account)
    pending = (
        ScheduledChange.objects.filter(account=membership.account)
        .account_cancellation()
        .select_related("cancellation")
        .first()
    )
    if pending is not None and pending.cancellation is not None:
        raise AlreadyConfirmed(pending.cancellation)
    page = _open_page(membership, Action.CANCEL_ACCOUNT, now)
    cancellation = Cancellation.objects.create(
        account=membership.account,
        scope=Cancellation.Scope.ACCOUNT,
        reason=reason,
        explanation=explanation,
        effective_at=page.effective_at,
        token=token,
        created_by=membership.user,
        created_at=now,
    )
    _schedule_account_cancellation(cancellation, derived=False, now=now)
    _rotate(draft, clear=True)
    emails.account_cancellation_confirmed(cancellation)
    return cancellation


def _withdrawable(change: ScheduledChange) -> bool:
    """What the owner confirmed themselves: the removals, the account's cancellation when they asked for it.
    What followed from them (end of suite pricing, R4.6; the cancellation of R4.7) goes with its cause."""
    return change.kind == ScheduledChange.Kind.REMOVE_ITEM or (
        change.kind == ScheduledChange.Kind.CANCEL_ACCOUNT and not change.payload.get("derived")
    )


@transaction.atomic
def cancellation_withdraw(
    *, membership: Membership, cancellation_id: int, now: datetime
) -> tuple[Cancellation, list[ScheduledChange]]:
    """R5.9 "Keep my subscription": until the effective date, the owner withdraws what they confirmed — the
    removals, or the account's cancellation — through the service support staff reinstate with (R4.11,
    R5.8), so the derived changes go too and each withdrawal is a billing event; the owner is emailed.

    Guarantees: another account's confirmation is a 404; only who may schedule it may withdraw it; from the
    effective date it is refused and nothing changes; a replay changes nothing (AlreadyKept)."""
    Account.objects.select_for_update().filter(pk=membership.account_id).first()  # one at a time
    cancellation = Cancellation.objects.filter(account=membership.account, pk=cancellation_id).first()
    if cancellation is None:
        raise Http404("No such cancellation.")
    own = [c for c in cancellation.changes.all() if _withdrawable(c)]
    for change in own:  # the policy first: a billing admin is refused even for a replay
        policy.require(membership, WITHDRAW_ACTIONS[change.kind])
    pending = [c for c in own if c.is_pending]
    if now >= cancellation.effective_at or any(c.applied_at for c in own):
        raise ValidationError(
            TOO_LATE_TO_KEEP, params={"date": format_day(cancellation.effective_at, "long")}
        )
    if not pending:
        raise AlreadyKept
    revoked = [
        withdrawn
        for change in pending
        for withdrawn in scheduled_change_revoke(
            change=change, by=membership.user, now=now, membership=membership
        )
    ]
    emails.subscription_kept(cancellation, revoked, by=membership.user)
    return cancellation, revoked
