"""Subscription change requests (R2.4): admins ask, support staff decide."""

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import emails
from billing.models import BillingEvent, SubscriptionChangeRequest
from billing.quotes import ChangeQuote, quote_change
from billing.selectors.cancellations import SPP_DOWNGRADE_WHAT, pending_spp_downgrade
from billing.selectors.changes import ChangeSpec, ChangeState, change_state
from billing.services.audit import billing_event_record
from billing.services.changes import (
    StaleQuote,
    quote_as_signed,
    quote_sign,
    quote_unsign,
    subscription_change_apply,
)

REQUEST_ALREADY_DECIDED = _("This request was already decided.")
STAFF_PERMISSION_REQUIRED = _("You need the permission to handle change requests.")
DECLINE_NEEDS_NOTE = _("Say why the request is declined: the requester reads this note.")


NO_SUBSCRIPTION = _("This account has no subscription to change.")
NOT_FOR_THIS_ACCOUNT_TYPE = _("This account type does not allow that change.")  # R2
NOT_SPP = _("Only Zendesk Suite accounts on simplified pricing ask support for this downgrade.")


@transaction.atomic
def change_request_create(
    *, membership: Membership, what: str, why: str, now: datetime
) -> SubscriptionChangeRequest:
    """A non-billing admin of an online-assisted account asks support for a change (R2.4)."""
    policy.require(membership, policy.Action.REQUEST_CHANGES)
    return _change_request_open(membership=membership, what=what, why=why, now=now)


@transaction.atomic
def spp_downgrade_request(*, membership: Membership, now: datetime) -> tuple[SubscriptionChangeRequest, bool]:
    """R4.8: the owner of an SPP Suite account asks support to downgrade to Support only; returns the
    request and whether it was made now. Asking twice while a request is pending returns the pending one
    and records nothing (the account row is locked, so two tabs posting at once also make one request)."""
    policy.require(membership, policy.Action.REMOVE_PRODUCTS)
    if membership.account.pricing != Account.Pricing.SPP_SUITE:
        raise ValidationError(NOT_SPP)
    Account.objects.select_for_update().filter(pk=membership.account_id).first()
    pending = pending_spp_downgrade(membership.account)
    if pending is not None:
        return pending, False
    made = _change_request_open(
        membership=membership,
        what=SPP_DOWNGRADE_WHAT,
        why="Asked from the Cancellations page.",  # R4.8
        now=now,
    )
    return made, True


def _change_request_open(
    *, membership: Membership, what: str, why: str, now: datetime
) -> SubscriptionChangeRequest:
    change_request = SubscriptionChangeRequest.objects.create(
        account=membership.account, requested_by=membership.user, what=what, why=why, created_at=now
    )
    billing_event_record(
        account=membership.account,
        kind=BillingEvent.Kind.CHANGE_REQUESTED,
        by=membership.user,
        summary=f"Change requested: {what}",
        after={"request": change_request.pk, "what": what, "why": why},
        now=now,
    )
    emails.change_request_received(change_request)
    return change_request


@transaction.atomic
def change_request_decide(
    *,
    change_request: SubscriptionChangeRequest,
    by,
    approve: bool,
    note: str,
    now: datetime,
    apply: str | None = None,
) -> SubscriptionChangeRequest:
    """Support staff approve or decline a request with a note; the requester sees it and gets an email.
    Approving may apply a change previewed with `change_request_preview` (`apply`: its signed quote)
    through the Manage page's own quote and service, within what the account type allows (R2), in the
    same transaction — exactly as previewed (R6.5), or not at all."""
    if not by.has_perm("billing.change_subscriptionchangerequest"):
        raise PermissionDenied(STAFF_PERMISSION_REQUIRED)
    locked = SubscriptionChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if locked.status != SubscriptionChangeRequest.Status.PENDING:
        raise ValidationError(REQUEST_ALREADY_DECIDED)
    if not approve and not note.strip():
        raise ValidationError(DECLINE_NEEDS_NOTE)
    status = (
        SubscriptionChangeRequest.Status.APPROVED if approve else SubscriptionChangeRequest.Status.DECLINED
    )
    if approve and apply is not None:
        _apply_requested_change(locked, apply, by=by, now=now)
    locked.status, locked.staff_note, locked.decided_by, locked.decided_at = status, note, by, now
    locked.save(update_fields=["status", "staff_note", "decided_by", "decided_at"])
    billing_event_record(
        account=locked.account,
        kind=BillingEvent.Kind.CHANGE_REQUEST_APPROVED
        if approve
        else BillingEvent.Kind.CHANGE_REQUEST_DECLINED,
        by=by,
        summary=f"Change request {status}: {locked.what}",
        before={"status": SubscriptionChangeRequest.Status.PENDING},
        after={"status": status, "note": note, "what": locked.what},
        now=now,
    )
    emails.change_request_decided(locked)
    return locked


def change_request_preview(
    change_request: SubscriptionChangeRequest, spec: ChangeSpec, *, now: datetime
) -> tuple[ChangeQuote, str]:
    """R6.5: what approving with `spec` would charge now and make the next invoice, and the signed quote
    that approval needs (binding like the Manage page's: its moment is fixed)."""
    account = change_request.account
    quote = _allowed(account, quote_change(_state_of(account, now), spec, now=now))
    return quote, quote_sign(account, quote)


def _state_of(account: Account, now: datetime) -> ChangeState:
    state = change_state(account, now=now)
    if state is None:
        raise ValidationError(NO_SUBSCRIPTION)
    return state


def _allowed(account: Account, quote: ChangeQuote) -> ChangeQuote:
    if quote.action not in policy.ACCOUNT_TYPE_CAPABILITIES[account.kind]:
        raise ValidationError(NOT_FOR_THIS_ACCOUNT_TYPE)
    return quote


def _apply_requested_change(change_request: SubscriptionChangeRequest, signed: str, *, by, now) -> None:
    account = change_request.account
    state = _state_of(account, now)
    try:
        quote = _allowed(account, quote_as_signed(state, quote_unsign(account, signed), now=now))
    except StaleQuote as stale:
        raise ValidationError(str(stale)) from None
    # One key per request: approving the same request twice cannot apply its change twice.
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"change-request:{change_request.pk}")
    subscription_change_apply(state=state, quote=quote, by=by, key=key, now=now)
