"""R8.6: an account's data is deleted 90 days after it stopped (docs/data-deletion.md says what and why)."""

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction

from accounts.models import Account, Membership, User
from billing.models import (
    BillingContact,
    BillingContactRequest,
    BillingEvent,
    Cancellation,
    CancellationDraft,
    DataDeletion,
    DataExport,
    DunningCase,
    EmailLog,
    PaymentMethod,
    Subscription,
    SubscriptionChangeRequest,
    SupportRequest,
)
from billing.services.audit import billing_event_record

DATA_KEPT_DAYS = 90  # after the suspension (or the cancellation), the data is deleted

# Events whose details name people (emails, free text): their details go, the event stays.
EVENTS_NAMING_PEOPLE = [
    BillingEvent.Kind.BILLING_CONTACT_ADDED,
    BillingEvent.Kind.BILLING_CONTACT_REMOVED,
    BillingEvent.Kind.BILLING_CONTACT_REQUESTED,
    BillingEvent.Kind.BILLING_CONTACT_REQUEST_DECIDED,
    BillingEvent.Kind.BILLING_ADMIN_GRANTED,
    BillingEvent.Kind.BILLING_ADMIN_REVOKED,
    BillingEvent.Kind.CHANGE_REQUESTED,
    BillingEvent.Kind.CHANGE_REQUEST_APPROVED,
    BillingEvent.Kind.CHANGE_REQUEST_DECLINED,
    BillingEvent.Kind.STAFF_EDIT,
    BillingEvent.Kind.BILLING_ADDRESS_CHANGED,
    BillingEvent.Kind.INVOICE_COPY_REQUESTED,  # their free-text messages (R8.10)
    BillingEvent.Kind.REACTIVATION_REQUESTED,
]


@transaction.atomic
def account_data_delete(*, account: Account, at: datetime) -> DataDeletion:
    """Delete the people and what they wrote; keep the financial records (invoices, charges, payments) that
    the law requires, and a tombstone that counts what went, without it. The account can never be
    reactivated after this."""
    users = User.objects.filter(membership__account=account)
    deleted = {
        "members": Membership.objects.filter(account=account).count(),
        "billing_contacts": BillingContact.objects.filter(account=account).count(),
        "change_requests": SubscriptionChangeRequest.objects.filter(account=account).count(),
        "support_requests": SupportRequest.objects.filter(account=account).count(),
        "payment_methods": PaymentMethod.objects.filter(account=account).count(),
        "subscriptions": Subscription.objects.filter(account=account).count(),
    }
    SubscriptionChangeRequest.objects.filter(account=account).delete()
    SupportRequest.objects.filter(account=account).delete()
    BillingContactRequest.objects.filter(account=account).delete()
    BillingContact.objects.filter(account=account).delete()
    CancellationDraft.objects.filter(account=account).delete()
    Cancellation.objects.filter(account=account).update(explanation="")
    PaymentMethod.objects.filter(account=account).delete()
    Subscription.objects.filter(account=account).delete()
    EmailLog.objects.filter(account=account).update(recipients="", body="")
    _exports_forget(account)
    deleted["event_authors_forgotten"] = BillingEvent.objects.filter(account=account).anonymize(
        EVENTS_NAMING_PEOPLE
    )
    DunningCase.objects.filter(account=account, status__in=["open", "suspended"]).update(
        status="closed", closed_at=at
    )
    # Marked deleted before its people go: the database lets a deleted account lose its owner (R1.5).
    Account.objects.filter(pk=account.pk).update(
        status=Account.Status.DELETED,
        name=f"Deleted account #{account.pk}",
        billing_name="",
        billing_address="",
        vat_number="",
        purchase_order="",
        next_action_at=None,
    )
    users.delete()  # their memberships go with them
    tombstone = DataDeletion.objects.create(account=account, deleted_at=at, deleted=deleted)
    billing_event_record(
        account=account,
        kind=BillingEvent.Kind.DATA_DELETED,
        by=None,
        summary="Account data deleted",
        after=deleted,
        now=at,
    )
    return tombstone


def _exports_forget(account: Account) -> None:
    """The export files hold everything: they go (after the commit), and no export is left to finish."""
    storage = DataExport._meta.get_field("file").storage
    for name in DataExport.objects.filter(account=account).exclude(file="").values_list("file", flat=True):
        transaction.on_commit(partial(storage.delete, name))
    exports = DataExport.objects.filter(account=account)
    exports.filter(status__in=DataExport.IN_PROGRESS).update(
        status=DataExport.Status.CANCELLED, failure="the account's data was deleted"
    )
    exports.filter(status=DataExport.Status.READY).update(status=DataExport.Status.EXPIRED)
    exports.update(file="")


def data_deletion_due(account: Account) -> datetime | None:
    """When a closed account's data goes: 90 days after it was suspended or cancelled."""
    ended = account.suspended_at or account.cancelled_at
    return ended + timedelta(days=DATA_KEPT_DAYS) if ended else None
