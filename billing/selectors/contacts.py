"""Who receives the invoices (R8.3)."""

from accounts.models import Account, Membership
from billing.models import BillingContact, BillingContactRequest


def billing_contacts(account: Account):
    return BillingContact.objects.filter(account=account, removed_at=None)


def pending_contact_requests(account: Account):
    return BillingContactRequest.objects.filter(
        account=account, status=BillingContactRequest.Status.PENDING
    ).select_related("requested_by")


def active_contact(account: Account, email: str) -> BillingContact | None:
    return billing_contacts(account).filter(email=email.lower()).first()


def contact_request_of(membership: Membership) -> BillingContactRequest | None:
    """The member's latest request to receive the invoices, or to stop."""
    return BillingContactRequest.objects.filter(
        account=membership.account, requested_by=membership.user
    ).first()
