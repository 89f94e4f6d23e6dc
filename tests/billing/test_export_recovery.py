"""R7.6 and issue 16 (nothing stuck, nothing lost): an export whose worker died is built again from the start
by the billing clock, or failed after MAX_ATTEMPTS with a reason; the owner sees the failure and asks again;
support staff with the permission cancel one; the database holds one export in progress per account."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from billing import tasks
from billing.models import BillingEvent, DataExport
from billing.services import exports as service
from billing.services.exports import (
    BUILDING_SILENCE,
    MAX_ATTEMPTS,
    QUEUED_SILENCE,
    data_export_cancel,
    data_export_request,
    data_exports_recover,
)
from tests.helpers import NOW, demo_member, new_events

pytestmark = pytest.mark.usefixtures("demo")
EXPORT = "/admin/account/billing/export/"
ADMIN = reverse("admin:billing_dataexport_changelist")
READY_SUBJECT = "Your data export is ready"


def queued(capture) -> DataExport:
    """An export requested by Acme's owner; its task is captured, not run (no worker took it yet)."""
    with capture(execute=False) as callbacks:
        export = data_export_request(membership=demo_member("owner@acme.test"), now=NOW)
    assert len(callbacks) == 1
    return export


def left_building(export: DataExport, *, attempts: int = 1, progress: int = 37) -> DataExport:
    """As a worker killed mid-build leaves it: building, its last heartbeat at NOW."""
    DataExport.objects.filter(pk=export.pk).update(
        status="building", attempts=attempts, progress=progress, heartbeat_at=NOW
    )
    export.refresh_from_db()
    return export


def ready_emails() -> int:
    return sum(m.subject == READY_SUBJECT for m in mail.outbox)


def test_r7_6_a_silent_building_export_is_queued_again_and_built_from_the_start(
    django_capture_on_commit_callbacks,
):
    export = left_building(queued(django_capture_on_commit_callbacks))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert data_exports_recover(real_now=NOW + BUILDING_SILENCE) == {"requeued": 0, "failed": 0}
    assert callbacks == []  # silent for exactly the limit: a slow step, not a dead worker yet
    later = NOW + BUILDING_SILENCE + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert data_exports_recover(real_now=later) == {"requeued": 1, "failed": 0}
    export.refresh_from_db()
    assert (export.status, export.progress, export.attempts, export.heartbeat_at) == ("queued", 0, 1, later)
    (enqueue,) = callbacks
    with django_capture_on_commit_callbacks(execute=True):  # its ready email goes once "ready" commits
        enqueue()  # the worker (the immediate backend) builds it again
    export.refresh_from_db()
    assert (export.status, export.progress, export.attempts) == ("ready", 100, 2)
    assert export.file and ready_emails() == 1


def test_r7_6_after_max_attempts_the_export_fails_with_a_reason_and_a_billing_event(
    django_capture_on_commit_callbacks,
):
    export = left_building(queued(django_capture_on_commit_callbacks), attempts=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = data_exports_recover(real_now=NOW + BUILDING_SILENCE + timedelta(minutes=1))
    assert report == {"requeued": 0, "failed": 1} and callbacks == []
    export.refresh_from_db()
    assert export.status == "failed" and export.failure == "no sign of life from the worker after 3 attempts"
    event = new_events().get(kind=BillingEvent.Kind.DATA_EXPORT_FAILED)
    assert event.actor_label == "system" and event.after == {"export": export.pk, "status": "failed"}
    assert ready_emails() == 0


def test_r7_6_a_queued_export_no_worker_took_is_queued_again_and_counts_as_an_attempt(
    django_capture_on_commit_callbacks,
):
    export = queued(django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(heartbeat_at=NOW)
    assert data_exports_recover(real_now=NOW + BUILDING_SILENCE + timedelta(minutes=1))["requeued"] == 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert data_exports_recover(real_now=NOW + QUEUED_SILENCE + timedelta(minutes=1))["requeued"] == 1
    export.refresh_from_db()
    assert (export.status, export.attempts, len(callbacks)) == ("queued", 1, 1)
    DataExport.objects.filter(pk=export.pk).update(attempts=MAX_ATTEMPTS - 1, heartbeat_at=NOW)
    assert data_exports_recover(real_now=NOW + QUEUED_SILENCE + timedelta(minutes=1))["failed"] == 1


def test_r7_6_an_export_stuck_before_heartbeats_existed_is_recovered(django_capture_on_commit_callbacks):
    export = queued(django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(status="building", progress=37, heartbeat_at=None)
    with django_capture_on_commit_callbacks(execute=False):
        assert data_exports_recover(real_now=NOW)["requeued"] == 1


def test_r7_6_the_billing_tick_recovers_exports(django_capture_on_commit_callbacks):
    from billing.lifecycle.tick import billing_tick

    left_building(queued(django_capture_on_commit_callbacks))
    with django_capture_on_commit_callbacks(execute=False):
        report = billing_tick(real_now=NOW + BUILDING_SILENCE + timedelta(minutes=1), account_ids=[])
    assert report.exports == {"requeued": 1, "failed": 0}


def test_r7_6_a_failed_export_says_so_stops_the_polling_and_the_owner_starts_again(
    sign_in, django_capture_on_commit_callbacks
):
    export = left_building(queued(django_capture_on_commit_callbacks), attempts=MAX_ATTEMPTS)
    data_exports_recover(real_now=NOW + BUILDING_SILENCE + timedelta(minutes=1))
    client = sign_in("owner@acme.test")
    html = client.get(EXPORT).content.decode()
    assert 'data-testid="export-failed"' in html and "could not be prepared" in html
    assert 'data-hx-trigger="every 2s"' not in html  # no endless polling
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(EXPORT + "new/").status_code == 302
    new = DataExport.objects.latest("pk")
    assert new.pk != export.pk and new.status == "ready" and ready_emails() == 1
    assert DataExport.objects.get(pk=export.pk).status == "failed"


def test_r7_6_two_runs_of_one_export_build_it_once(django_capture_on_commit_callbacks):
    """The claim is one conditional UPDATE: a second task for the same export (queued again while the first
    was in the queue) finds it taken and does nothing."""
    export = queued(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # the ready email goes once "ready" commits
        tasks.build_data_export.call(export.pk)
        tasks.build_data_export.call(export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts, ready_emails()) == ("ready", 1, 1)


def _worker_losing_it_midway(monkeypatch, lose):
    """The worker's archive writer, which lets `lose` take the export from it after its first step."""

    def write_export(account, target, *, when, progress):
        target.write(b"PK")
        progress(12)
        lose()
        progress(25)

    monkeypatch.setattr(tasks, "write_export", write_export)


def test_r7_6_a_worker_whose_export_was_cancelled_stops_and_never_marks_it_ready(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    export = queued(django_capture_on_commit_callbacks)
    staff = User.objects.get(email="support@staff.test")
    _worker_losing_it_midway(
        monkeypatch, lambda: data_export_cancel(export=export, by=staff, now=NOW + timedelta(minutes=1))
    )
    tasks.build_data_export.call(export.pk)
    export.refresh_from_db()
    assert (export.status, export.progress, bool(export.file)) == ("cancelled", 12, False)
    assert ready_emails() == 0 and not (settings.MEDIA_ROOT / "exports").exists()


def test_r7_6_a_late_worker_does_not_overwrite_an_export_given_to_another_run(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    export = queued(django_capture_on_commit_callbacks)

    def write_export(account, target, *, when, progress):  # silent past the limit, then finishing
        target.write(b"PK")
        DataExport.objects.filter(pk=export.pk).update(attempts=2)  # re-queued and taken by another run

    monkeypatch.setattr(tasks, "write_export", write_export)
    tasks.build_data_export.call(export.pk)
    export.refresh_from_db()
    assert (export.status, export.attempts, bool(export.file)) == ("building", 2, False)
    folder = settings.MEDIA_ROOT / "exports"
    assert not folder.exists() or list(folder.iterdir()) == []  # no file of it left behind
    assert ready_emails() == 0


# --- Staff cancel ---------------------------------------------------------------------------------------


def test_r7_6_support_staff_cancel_an_export_from_the_staff_console(
    sign_in, django_capture_on_commit_callbacks
):
    export = left_building(queued(django_capture_on_commit_callbacks))
    client = sign_in("support@staff.test")
    assert "Cancel (stop preparing it)" in client.get(ADMIN).content.decode()
    response = client.post(ADMIN, {"action": "cancel", "_selected_action": [export.pk]}, follow=True)
    assert "cancelled." in response.content.decode()
    export.refresh_from_db()
    assert (
        export.status == "cancelled" and export.failure == "cancelled by support staff (support@staff.test)"
    )
    event = new_events().get(kind=BillingEvent.Kind.DATA_EXPORT_CANCELLED)
    assert event.actor_label == "support@staff.test" and event.before["status"] == "building"
    html = sign_in("owner@acme.test").get(EXPORT).content.decode()
    assert 'data-testid="export-cancelled"' in html and 'data-hx-trigger="every 2s"' not in html


def test_r7_6_staff_without_the_permission_cannot_cancel(client_for, django_capture_on_commit_callbacks):
    export = queued(django_capture_on_commit_callbacks)
    viewer = User.objects.create_user(email="viewer@staff.test", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dataexport"))
    client = client_for(viewer)
    assert "Cancel (stop preparing it)" not in client.get(ADMIN).content.decode()
    client.post(ADMIN, {"action": "cancel", "_selected_action": [export.pk]})
    export.refresh_from_db()
    assert export.status == "queued"
    with pytest.raises(PermissionDenied):
        data_export_cancel(export=export, by=viewer, now=NOW)


def test_r7_6_the_support_group_holds_the_cancel_permission():
    assert User.objects.get(email="support@staff.test").has_perm("billing.cancel_dataexport")


def test_r7_6_only_an_export_in_progress_can_be_cancelled(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(membership=demo_member("owner@acme.test"), now=NOW)
    export.refresh_from_db()
    assert export.status == "ready"
    with pytest.raises(ValidationError):
        data_export_cancel(export=export, by=User.objects.get(email="support@staff.test"), now=NOW)


# --- One export in progress per account -----------------------------------------------------------------


def test_r7_6_the_database_refuses_a_second_export_in_progress(django_capture_on_commit_callbacks):
    export = queued(django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(account=export.account, status="building", created_at=NOW)
    for done in ("ready", "failed", "cancelled", "expired"):  # finished ones do not count
        DataExport.objects.create(account=export.account, status=done, created_at=NOW)


def test_r7_6_a_request_that_loses_the_race_returns_the_winners_export(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Both requests found nothing in progress; the second one's insert hits the constraint."""
    winner = queued(django_capture_on_commit_callbacks)
    found = iter([None])
    real = service._in_progress
    monkeypatch.setattr(service, "_in_progress", lambda account: next(found, None) or real(account))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        loser = data_export_request(membership=demo_member("owner@acme.test"), now=NOW)
    assert loser.pk == winner.pk and callbacks == []
    assert DataExport.objects.count() == 1
    assert new_events().filter(kind=BillingEvent.Kind.DATA_EXPORT_REQUESTED).count() == 1


def test_r7_6_a_file_left_by_a_worker_that_died_before_ready_is_deleted_when_the_export_is_requeued(
    settings, django_capture_on_commit_callbacks
):
    """The worker names the file on the row before writing it: if it dies between writing and "ready",
    the clock that takes the export over deletes the file — customer data is never left behind."""
    export = left_building(queued(django_capture_on_commit_callbacks))
    orphan = export.file.field.generate_filename(export, "account-orphan.zip")
    stored = export.file.storage.save(orphan, ContentFile(b"PK"))
    DataExport.objects.filter(pk=export.pk).update(file=stored)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert data_exports_recover(real_now=NOW + BUILDING_SILENCE + timedelta(minutes=1))["requeued"] == 1
    assert not export.file.storage.exists(stored) and callbacks
    export.refresh_from_db()
    assert export.status == "ready" and export.file.name != stored  # built again, into a new file


def test_r8_6_deleting_the_accounts_data_deletes_its_export_files(django_capture_on_commit_callbacks):
    from billing.lifecycle.deletion import account_data_delete

    with django_capture_on_commit_callbacks(execute=True):
        export = queued(django_capture_on_commit_callbacks)
    export.refresh_from_db()
    name = export.file.name
    assert export.status == "ready" and export.file.storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        account_data_delete(account=export.account, at=NOW)
    export.refresh_from_db()
    assert not export.file.storage.exists(name) and (export.status, export.file.name) == ("expired", "")
