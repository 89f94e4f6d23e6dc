"""R7.6, R5.6: the owner's full data export — requested, built in the background, downloadable for 7 days.

Issue 16, nothing stuck, nothing lost: one export in progress per account (a database constraint), exports
whose worker went silent are built again from the start or, after MAX_ATTEMPTS, failed with a reason (the
billing clock calls `data_exports_recover`), and support staff can cancel one."""

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.models import Account, Membership
from billing.clock import now_for
from billing.models import BillingEvent, DataExport
from billing.services.audit import billing_event_record
from billing.tasks import build_data_export

# A building export's worker writes a heartbeat after each of its 8 files: the largest account measured
# (10,000 members, 5,000 invoices) takes 4 s in all, so 15 minutes of silence is a dead worker, not a slow
# file — and the owner waits at most one tick more than that.
BUILDING_SILENCE = timedelta(minutes=15)
# A queued export waits for a free worker; an hour with none taking it means its task was lost (the process
# died between the commit and the enqueue) or no worker runs: queue it again, and count it as an attempt.
QUEUED_SILENCE = timedelta(hours=1)
# Three runs that died: the fault is in this export (or the worker keeps being killed), not bad luck. The
# owner is told, and can ask again.
MAX_ATTEMPTS = 3
NEEDS_CANCEL_PERMISSION = _("You need the permission to cancel data exports.")
NOT_IN_PROGRESS = _("Only an export that is queued or being prepared can be cancelled.")


def _in_progress(account: Account) -> DataExport | None:
    return DataExport.objects.filter(account=account, status__in=DataExport.IN_PROGRESS).first()


def data_export_request(*, membership: Membership, now: datetime) -> DataExport:
    """Queue a full export (the owner only). Asking again while one is being prepared returns that one — also
    when requests race: the database holds one export in progress per account, and the losers return the
    winner's. After a failed or cancelled export, asking again starts a new one."""
    policy.require(membership, policy.Action.EXPORT_DATA)
    account = membership.account
    with transaction.atomic():
        running = _in_progress(account)
        if running is not None:
            return running
        try:
            with transaction.atomic():  # a savepoint: losing the race must not end the outer transaction
                export = DataExport.objects.create(
                    account=account,
                    requested_by=membership.user,
                    created_at=now,
                    heartbeat_at=now_for(),  # real time, as the clock measures silence
                )
        except IntegrityError:
            running = _in_progress(account)  # data_export_one_in_progress: a parallel request won
            if running is None:
                raise
            return running
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


def data_exports_recover(*, real_now: datetime) -> dict[str, int]:
    """The billing clock's sweep: every export left queued or building with no sign of life for too long is
    queued again, to be built from the start, or failed once it has used its attempts. Returns the counts."""
    silent = DataExport.objects.filter(
        Q(heartbeat_at__isnull=True)  # in progress before heartbeats existed
        | Q(status=DataExport.Status.BUILDING, heartbeat_at__lt=real_now - BUILDING_SILENCE)
        | Q(status=DataExport.Status.QUEUED, heartbeat_at__lt=real_now - QUEUED_SILENCE),
        status__in=DataExport.IN_PROGRESS,
    )
    counts = {"requeued": 0, "failed": 0}
    for pk in list(silent.values_list("pk", flat=True)):
        outcome = _recover(pk, real_now)
        if outcome:
            counts[outcome] += 1
    return counts


@transaction.atomic
def _recover(pk: int, real_now: datetime) -> str | None:
    export = DataExport.objects.select_for_update().select_related("account").get(pk=pk)
    if export.status not in DataExport.IN_PROGRESS:
        return None  # finished or cancelled since the sweep looked
    silence = BUILDING_SILENCE if export.status == DataExport.Status.BUILDING else QUEUED_SILENCE
    if export.heartbeat_at and export.heartbeat_at >= real_now - silence:
        return None  # a worker spoke meanwhile
    # A run lost before any worker took it counts too: a task that is always lost must end somewhere.
    attempts = export.attempts + (export.status == DataExport.Status.QUEUED)
    if attempts >= MAX_ATTEMPTS:
        failure = f"no sign of life from the worker after {attempts} attempts"
        DataExport.objects.filter(pk=pk).update(
            status=DataExport.Status.FAILED, attempts=attempts, failure=failure, file=""
        )
        _file_delete_after_commit(export)
        billing_event_record(
            account=export.account,
            kind=BillingEvent.Kind.DATA_EXPORT_FAILED,
            by=None,
            summary=f"Data export failed: {failure}",
            before={"status": export.status, "progress": export.progress},
            after={"export": pk, "status": DataExport.Status.FAILED},
            now=now_for(export.account, real_now=real_now),
        )
        return "failed"
    DataExport.objects.filter(pk=pk).update(
        status=DataExport.Status.QUEUED, progress=0, attempts=attempts, heartbeat_at=real_now, file=""
    )
    _file_delete_after_commit(export)
    transaction.on_commit(lambda: build_data_export.enqueue(pk))
    return "requeued"


def _file_delete_after_commit(export: DataExport) -> None:
    """The file a dead or stopped run left (it is named on the row before it is written): customer data is
    never left behind. After the commit: a rolled-back decision keeps its file."""
    if export.file.name:
        transaction.on_commit(partial(export.file.storage.delete, export.file.name))


@transaction.atomic
def data_export_cancel(*, export: DataExport, by, now: datetime) -> DataExport:
    """Support staff stop an export that is queued or being prepared (stuck, or asked for by mistake). Its
    worker, if any, stops at its next step and never marks it ready; the owner can ask for a new one."""
    if not by.has_perm("billing.cancel_dataexport"):
        raise PermissionDenied(NEEDS_CANCEL_PERMISSION)
    export = DataExport.objects.select_for_update().select_related("account").get(pk=export.pk)
    if export.status not in DataExport.IN_PROGRESS:
        raise ValidationError(NOT_IN_PROGRESS)
    before = {"status": export.status, "progress": export.progress, "attempts": export.attempts}
    _file_delete_after_commit(export)
    export.status, export.failure = DataExport.Status.CANCELLED, f"cancelled by support staff ({by.email})"
    export.file = ""
    export.save(update_fields=["status", "failure", "file"])
    billing_event_record(
        account=export.account,
        kind=BillingEvent.Kind.DATA_EXPORT_CANCELLED,
        by=by,
        summary="Data export cancelled by support staff",
        before=before,
        after={"export": export.pk, "status": export.status},
        now=now,
    )
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
