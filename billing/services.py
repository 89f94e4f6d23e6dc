"""Every write to billing data. Each service checks the policy first: the admin and commands call them too."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing import emails
from billing.models import BillingEvent, SubscriptionChangeRequest

SYSTEM_ACTOR = "system"

REQUEST_ALREADY_DECIDED = _("This request was already decided.")
STAFF_PERMISSION_REQUIRED = _("You need the permission to handle change requests.")
DECLINE_NEEDS_NOTE = _("Say why the request is declined: the requester reads this note.")


def billing_event_record(
    *,
    account: Account,
    kind: str,
    by,
    summary: str,
    now: datetime,
    before: dict | None = None,
    after: dict | None = None,
    amount: int | None = None,
) -> BillingEvent:
    """Append one entry to the account's billing history (R9.3). There is no way to edit or delete it."""
    return BillingEvent.objects.create(
        account=account,
        kind=kind,
        actor=by,
        actor_label=by.email if by is not None else SYSTEM_ACTOR,
        summary=str(summary)[:300],
        before=before or {},
        after=after or {},
        amount=amount,
        currency=account.currency if amount is not None else "",
        occurred_at=now,
    )


@transaction.atomic
def change_request_create(
    *, membership: Membership, what: str, why: str, now: datetime
) -> SubscriptionChangeRequest:
    """A non-billing admin of an online-assisted account asks support for a change (R2.4)."""
    policy.require(membership, policy.Action.REQUEST_CHANGES)
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
    transaction.on_commit(lambda: emails.change_request_received(change_request))
    return change_request


@transaction.atomic
def change_request_decide(
    *, change_request: SubscriptionChangeRequest, by, approve: bool, note: str, now: datetime
) -> SubscriptionChangeRequest:
    """Support staff approve or decline a request with a note; the requester sees it and gets an email."""
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
        after={"status": status, "note": note},
        now=now,
    )
    transaction.on_commit(lambda: emails.change_request_decided(locked))
    return locked
