"""R7.6, R5.6: the owner's full data export — requested, built in the background, downloadable for 7 days."""

from datetime import datetime

from django.db import transaction

from accounts import policy
from accounts.models import Membership
from billing.models import BillingEvent, DataExport
from billing.services.audit import billing_event_record
from billing.tasks import build_data_export


def data_export_request(*, membership: Membership, now: datetime) -> DataExport:
    """Queue a full export (the owner only). Asking again while one is being prepared returns that one."""
    policy.require(membership, policy.Action.EXPORT_DATA)
    account = membership.account
    with transaction.atomic():
        running = DataExport.objects.filter(
            account=account, status__in=[DataExport.Status.QUEUED, DataExport.Status.BUILDING]
        ).first()
        if running is not None:
            return running
        export = DataExport.objects.create(account=account, requested_by=membership.user, created_at=now)
        billing_event_record(
            account=account,
            kind=BillingEvent.Kind.DATA_EXPORT_REQUESTED,
            by=membership.user,
            summary="Full data export requested",
            after={"export": export.pk},
            now=now,
        )
        transaction.on_commit(lambda: build_data_export.enqueue(export.pk))
    return export


def data_exports_prune(*, real_now: datetime) -> int:
    """Delete the files of expired exports (the billing clock calls it): links expire after 7 days."""
    expired = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=real_now)
    count = 0
    for export in expired:
        export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.EXPIRED, file="")
        count += 1
    return count
