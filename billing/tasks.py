"""Background tasks (Django's tasks API; the django-tasks backport on Django 5.2). In production they run in
`python manage.py db_worker`; the demo and the tests run them at once (the immediate backend)."""

import secrets
import tempfile
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django_tasks import task

from billing import crash, emails
from billing.clock import now_for
from billing.export_archive import write_export
from billing.models import DataExport

EXPORT_DAYS = 7


class NoLongerOurs(Exception):
    """The export was cancelled, failed or re-queued while this worker built it: another run owns it now."""


@task()
def build_data_export(export_id: int) -> None:
    """R7.6: stream the account's data into a ZIP, store it, and email the owner the link (7 days).

    Issue 16, a worker may die anywhere: the run claims the export (queued → building, one more attempt)
    in one conditional UPDATE, so two workers never build the same one; it writes a heartbeat with every
    step, which the billing clock watches (services/exports.py); and it marks the export ready only if the
    export is still its own — building, at its attempt — so a late worker never overwrites an export that
    was cancelled or given to another run. A run that lost it stops at its next step."""
    attempt = _claim(export_id)
    if attempt is None:
        return  # another run has it, or it was cancelled: nothing to do
    mine = DataExport.objects.filter(pk=export_id, status=DataExport.Status.BUILDING, attempts=attempt)
    export = DataExport.objects.select_related("account", "requested_by").get(pk=export_id)
    account = export.account
    now = now_for(account)

    def step(percent: int) -> None:
        if not mine.update(progress=percent, heartbeat_at=now_for()):
            raise NoLongerOurs
        crash.point("export-building")

    try:
        with tempfile.TemporaryFile() as target:
            write_export(account, target, when=now, progress=step)
            size = target.tell()
            target.seek(0)
            # Reached through the download view only, and never guessable.
            path = f"account-{account.pk}-{secrets.token_urlsafe(16)}.zip"
            name = export.file.field.generate_filename(export, path)
            # Named on the row before it is written: whoever takes the export over deletes the file, even
            # when this worker dies before it could say "ready".
            if not mine.update(file=name):
                raise NoLongerOurs
            name = export.file.storage.save(name, File(target))
    except NoLongerOurs:
        return
    except Exception as error:
        mine.update(status=DataExport.Status.FAILED, failure=f"{type(error).__name__}: {error}"[:200])
        raise
    expires_at = now + timedelta(days=EXPORT_DAYS)
    ready = {"progress": 100, "size": size, "file": name, "finished_at": now, "expires_at": expires_at}
    with transaction.atomic():  # "ready" and its email commit together (the outbox sends it)
        still_ours = mine.update(status=DataExport.Status.READY, heartbeat_at=now_for(), **ready)
        if still_ours:
            export.refresh_from_db()
            emails.data_export_ready(export)
    if not still_ours:
        export.file.storage.delete(name)  # cancelled or re-queued while the file was stored


def _claim(export_id: int) -> int | None:
    """Take a queued export for this run; its attempt number, or None when it is not queued any more."""
    with transaction.atomic():  # the UPDATE holds the row until the read below (PostgreSQL)
        claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
            status=DataExport.Status.BUILDING, progress=0, attempts=F("attempts") + 1, heartbeat_at=now_for()
        )
        if not claimed:
            return None
        return DataExport.objects.values_list("attempts", flat=True).get(pk=export_id)
