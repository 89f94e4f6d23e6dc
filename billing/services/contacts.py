"""Billing contacts (R8.3) and the billing address (R8.2)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing.models import BillingContact, BillingContactRequest, BillingEvent
from billing.selectors.contacts import active_contact
from billing.services.audit import billing_event_record

Action = policy.Action
ALREADY_A_CONTACT = _("%(email)s already receives the invoices.")
ALREADY_DECIDED = _("This request was already decided.")
ADDRESS_FIELDS = (
    "billing_name",
    "billing_address",
    "billing_country",
    "vat_number",
    "is_business",
    "purchase_order",
)


def _add(account: Account, email: str, by, now: datetime) -> BillingContact:
    try:
        with transaction.atomic():
            contact = BillingContact.objects.create(
                account=account, email=email.lower(), added_by=by, created_at=now
            )
    except IntegrityError:
        raise ValidationError(ALREADY_A_CONTACT, params={"email": email}) from None
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.BILLING_CONTACT_ADDED,
        by=by,
        summary=f"{contact.email} added",
        after={"email": contact.email},
        now=now,
    )
    return contact


def _remove(contact: BillingContact, by, now: datetime) -> None:
    contact.removed_at = now
    contact.save(update_fields=["removed_at"])
    billing_event_record(
        account=contact.account,
        kind=BillingEvent.Kind.BILLING_CONTACT_REMOVED,
        by=by,
        summary=f"{contact.email} removed",
        before={"email": contact.email},
        now=now,
    )


@transaction.atomic
def billing_contact_add(*, membership: Membership, email: str, now: datetime) -> BillingContact:
    policy.require(membership, Action.MANAGE_BILLING_CONTACTS)
    return _add(membership.account, email, membership.user, now)


@transaction.atomic
def billing_contact_remove(*, membership: Membership, contact_id: int, now: datetime) -> BillingContact:
    """The contact stops receiving the invoices; returned so the page can name them."""
    policy.require(membership, Action.MANAGE_BILLING_CONTACTS)
    contact = BillingContact.objects.filter(
        account=membership.account, pk=contact_id, removed_at=None
    ).first()
    if contact is None:
        raise Http404("No such billing contact.")
    _remove(contact, membership.user, now)
    return contact


@transaction.atomic
def billing_contact_request(*, membership: Membership, now: datetime) -> BillingContactRequest:
    """Any member asks to receive the invoices, or, if they do, to stop. Asking again while a request is
    pending returns the pending one."""
    account, user = membership.account, membership.user
    pending = BillingContactRequest.objects.filter(
        account=account, requested_by=user, status="pending"
    ).first()
    if pending is not None:
        return pending
    kind = (
        BillingContactRequest.Kind.REMOVE
        if active_contact(account, user.email)
        else BillingContactRequest.Kind.ADD
    )
    request = BillingContactRequest.objects.create(
        account=account, requested_by=user, kind=kind, created_at=now
    )
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.BILLING_CONTACT_REQUESTED,
        by=user,
        summary=f"{user.email} asks: {kind}",
        after={"request": request.pk, "kind": kind},
        now=now,
    )
    return request


@transaction.atomic
def billing_contact_request_decide(
    *, membership: Membership, request_id: int, approve: bool, now: datetime
) -> BillingContactRequest:
    """The owner approves (the contact is added or removed) or declines."""
    policy.require(membership, Action.MANAGE_BILLING_CONTACTS)
    request = (
        BillingContactRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .filter(account=membership.account, pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    if request.status != BillingContactRequest.Status.PENDING:
        raise ValidationError(ALREADY_DECIDED)
    email = request.requested_by.email
    if (
        approve
        and request.kind == BillingContactRequest.Kind.ADD
        and not active_contact(request.account, email)
    ):
        _add(request.account, email, membership.user, now)
    if (
        approve
        and request.kind == BillingContactRequest.Kind.REMOVE
        and (contact := active_contact(request.account, email))
    ):
        _remove(contact, membership.user, now)
    request.status = (
        BillingContactRequest.Status.APPROVED if approve else BillingContactRequest.Status.DECLINED
    )
    request.decided_by, request.decided_at = membership.user, now
    request.save(update_fields=["status", "decided_by", "decided_at"])
    billing_event_record(
        account=request.account,
        kind=BillingEvent.Kind.BILLING_CONTACT_REQUEST_DECIDED,
        by=membership.user,
        summary=f"{email}: {request.kind} {request.status}",
        after={"request": request.pk, "status": request.status, "kind": request.kind},
        now=now,
    )
    return request


@transaction.atomic
def billing_address_update(*, membership: Membership, values: dict, now: datetime) -> Account:
    """R8.2: the organisation's billing details change for future invoices only; issued invoices keep
    their snapshot (and the database refuses to change them)."""
    policy.require(membership, Action.VIEW_INVOICES)
    account = Account.objects.select_for_update().get(pk=membership.account.pk)
    before = {field: getattr(account, field) for field in ADDRESS_FIELDS}
    after = {field: values[field] for field in ADDRESS_FIELDS}
    if before == after:
        return account
    for field, value in after.items():
        setattr(account, field, value)
    account.save(update_fields=list(ADDRESS_FIELDS))
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.BILLING_ADDRESS_CHANGED,
        by=membership.user,
        summary="Billing address changed (future invoices)",
        before=before,
        after=after,
        now=now,
    )
    return account
