"""Background tasks (Django's tasks API; the django-tasks backport on Django 5.2). In production they run in
`python manage.py db_worker`; the demo and the tests run them at once (the immediate backend)."""

import secrets
import tempfile
from datetime import timedelta

from django.core.files import File
from django_tasks import task

from billing import emails
from billing.clock import now_for
from billing.export_archive import write_export
from billing.models import DataExport

EXPORT_DAYS = 7


@task()
def build_data_export(export_id: int) -> None:
    """R7.6: stream the account's data into a ZIP, store it, and email the owner the link (7 days)."""
    export = DataExport.objects.select_related("account", "requested_by").get(pk=export_id)
    if export.status not in (DataExport.Status.QUEUED, DataExport.Status.FAILED):
        return
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.BUILDING, progress=0)
    account = export.account
    now = now_for(account)
    try:
        with tempfile.TemporaryFile() as target:
            write_export(
                account,
                target,
                when=now,
                progress=lambda percent: DataExport.objects.filter(pk=export.pk).update(progress=percent),
            )
            size = target.tell()
            target.seek(0)
            # Reached through the download view only, and never guessable.
            export.file.save(
                f"account-{account.pk}-{secrets.token_urlsafe(16)}.zip", File(target), save=False
            )
    except Exception:
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        raise
    export.status, export.progress, export.size = DataExport.Status.READY, 100, size
    export.finished_at, export.expires_at = now, now + timedelta(days=EXPORT_DAYS)
    export.save(update_fields=["status", "progress", "size", "file", "finished_at", "expires_at"])
    emails.data_export_ready(export)
