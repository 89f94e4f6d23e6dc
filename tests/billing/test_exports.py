"""R7.6, R5.6: the owner's full data export — contents, background building, permissions, expiry."""

import csv
import io
import json
import os
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accounts.models import Account, Membership
from billing.lifecycle.tick import billing_tick
from billing.models import BillingEvent, DataExport, Invoice, InvoiceLine
from tests.concurrency import postgresql_only
from tests.helpers import NOW, demo_member, text

EXPORT = "/admin/account/billing/export/"


def request_export(client, capture):
    with capture(execute=True):
        assert client.post(EXPORT + "new/").status_code == 302
    return DataExport.objects.latest("pk")


def unzip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.usefixtures("demo")
def test_r7_6_the_export_holds_every_kind_of_record_as_csv_and_json(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@acme.test")
    export = request_export(client, django_capture_on_commit_callbacks)
    assert (export.status, export.progress, export.expires_at) == (
        "ready",
        100,
        export.finished_at + timedelta(days=7),
    )
    response = client.get(f"{EXPORT}{export.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = unzip(response)
    names = set(archive.namelist())
    for dataset in (
        "account",
        "members",
        "subscription_items",
        "invoices",
        "invoice_lines",
        "payments",
        "billing_contacts",
        "billing_history",
    ):
        assert {f"{dataset}.csv", f"{dataset}.json"} <= names
    assert "README.txt" in names
    account = Account.objects.get(name="Acme Self-Service")
    members = list(csv.DictReader(io.TextIOWrapper(archive.open("members.csv"), "utf-8")))
    assert sorted(m["user__email"] for m in members) == sorted(
        Membership.objects.filter(account=account).values_list("user__email", flat=True)
    )
    invoices = json.loads(archive.read("invoices.json"))
    assert [i["number"] for i in invoices] == list(
        Invoice.objects.filter(account=account).order_by("pk").values_list("number", flat=True)
    )
    assert sum(i["total"] for i in invoices) == sum(
        Invoice.objects.filter(account=account).values_list("total", flat=True)
    )
    assert (
        len(json.loads(archive.read("invoice_lines.json")))
        == InvoiceLine.objects.filter(invoice__account=account).count()
    )
    assert (
        len(json.loads(archive.read("billing_history.json")))
        == BillingEvent.objects.filter(account=account).count()
    )
    assert json.loads(archive.read("billing_contacts.json"))[0]["email"] == "accounting@acme.test"
    assert "Vintage" not in archive.read("account.csv").decode()  # only this account
    (email,) = [m for m in mail.outbox if m.subject == "Your data export is ready"]
    assert email.to == ["owner@acme.test"] and "/admin/account/billing/export/" in email.body


@pytest.mark.usefixtures("demo")
def test_r7_6_asking_twice_while_it_is_prepared_queues_one_export(sign_in):
    client = sign_in("owner@acme.test")
    client.post(EXPORT + "new/")
    client.post(EXPORT + "new/")  # without the immediate run: still queued
    assert DataExport.objects.count() == 1


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("email", ["billing@acme.test", "admin@acme.test", "agent@acme.test"])
def test_r7_6_only_the_owner_exports_and_downloads(sign_in, email, django_capture_on_commit_callbacks):
    export = request_export(sign_in("owner@acme.test"), django_capture_on_commit_callbacks)
    client = sign_in(email)
    assert client.get(EXPORT).status_code == 403
    assert client.post(EXPORT + "new/").status_code == 403
    assert client.get(f"{EXPORT}{export.pk}/download/").status_code == 403
    assert DataExport.objects.count() == 1


@pytest.mark.usefixtures("demo")
def test_r7_6_another_accounts_export_is_a_404(sign_in, django_capture_on_commit_callbacks):
    export = request_export(sign_in("owner@acme.test"), django_capture_on_commit_callbacks)
    assert sign_in("owner@vintage.test").get(f"{EXPORT}{export.pk}/download/").status_code == 404
    assert sign_in("owner@acme.test").get(f"{EXPORT}999999/download/").status_code == 404


@pytest.mark.usefixtures("demo")
def test_r7_6_links_expire_after_7_days_and_the_files_are_deleted(
    sign_in, django_capture_on_commit_callbacks
):
    client = sign_in("owner@acme.test")
    export = request_export(client, django_capture_on_commit_callbacks)
    path = export.file.path
    later = export.expires_at + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        client.force_login(demo_member("owner@acme.test").user)
        response = client.get(f"{EXPORT}{export.pk}/download/")
        assert response.status_code == 410 and "This link has expired" in text(response)
        billing_tick()  # the clock deletes expired exports
    export.refresh_from_db()
    assert export.status == "expired" and not export.file
    assert not os.path.exists(path)


@pytest.mark.usefixtures("demo")
def test_r7_6_the_page_polls_while_the_export_is_prepared(sign_in):
    client = sign_in("owner@acme.test")
    client.post(EXPORT + "new/")  # queued (its task runs on commit)
    html = client.get(EXPORT).content.decode()
    assert 'data-hx-trigger="every 2s"' in html and "Queued" in html
    partial = client.get(EXPORT, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="exports"' in partial


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_r7_6_the_worker_path_on_postgresql(settings, client):
    """Production runs the database task backend and `db_worker`: the export is built by the worker."""
    from devtools.demo import seed_demo

    seed_demo(now=NOW)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(demo_member("owner@acme.test").user)
    client.post(EXPORT + "new/")
    export = DataExport.objects.get()
    assert export.status == "queued"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    export.refresh_from_db()
    assert export.status == "ready" and export.size > 0
    assert (
        zipfile.ZipFile(export.file.path).read("README.txt").startswith(b'Full export of the account "Acme')
    )
