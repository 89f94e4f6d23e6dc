"""The demo tells one story (issue 17): every period an account paid has its invoice and its payment, the
period that contains today is invoiced, the billing history goes back as far as the account's age allows,
the payment provider's ledger agrees with our records (R8.8), the open transfer invoice is past due, and a
data export (R7.6) holds a payment per paid invoice."""

import csv
import io
import zipfile
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from accounts.models import Account
from billing import pricing
from billing.models import BillingEvent, DataExport, DunningCase, Invoice, PaymentAttempt
from devtools.demo import DEMO_ACCOUNTS, MONTHLY_HISTORY
from tests.helpers import NOW, text

pytestmark = pytest.mark.usefixtures("demo")
SPECS = {spec.name: spec for spec in DEMO_ACCOUNTS}
DECLINED_RENEWAL = "Past Due Chat"  # its latest renewal was declined: chased by dunning, not paid
EXPORT = "/admin/account/billing/export/"


def invoices_of(account):
    return Invoice.objects.filter(account=account, kind=Invoice.Kind.INVOICE).order_by("sequence")


@pytest.mark.parametrize("name", SPECS)
def test_every_paid_period_has_one_invoice_and_one_payment(name):
    account, spec = Account.objects.get(name=name), SPECS[name]
    invoices = list(invoices_of(account))
    assert len({i.period_start for i in invoices}) == len(invoices)  # one invoice per period
    for invoice in (i for i in invoices if i.status == Invoice.Status.PAID):
        paid = BillingEvent.objects.filter(
            account=account, kind="invoice_paid", after__invoice=invoice.number
        )
        issued = BillingEvent.objects.filter(
            account=account, kind="invoice_issued", after__invoice=invoice.number
        )
        assert (paid.count(), issued.count()) == (1, 1)
        assert issued.get().occurred_at == invoice.issued_at == invoice.period_start  # as renewed
        attempts = PaymentAttempt.objects.filter(invoice=invoice)
        if spec.payment_type == "card":  # charged through the provider, under the renewal's key
            (charge,) = attempts
            assert (charge.operation, charge.status, charge.amount, charge.currency) == (
                "charge",
                "succeeded",
                invoice.total,
                invoice.currency,
            )
            assert charge.idempotency_key.startswith("renewal-") and invoice.paid_at == invoice.period_start
        else:  # paid by transfer: no money moved through the provider
            assert not attempts.exists() and invoice.paid_at < invoice.due_at


@pytest.mark.parametrize("name", SPECS)
def test_the_history_matches_the_accounts_age_and_ends_with_the_current_period(name):
    account, spec = Account.objects.get(name=name), SPECS[name]
    subscription = account.subscription
    periods = [(i.period_start, i.period_end) for i in invoices_of(account)]
    if spec.trial_days:
        assert periods == []  # a trial is invoiced when it converts
        return
    # Contiguous, each as long as the cycle, the last one the current period (which contains now).
    assert all(end == pricing.period_end(start, spec.cycle) for start, end in periods)
    assert all(periods[n][1] == periods[n + 1][0] for n in range(len(periods) - 1))
    assert periods[-1] == (subscription.current_period_start, subscription.current_period_end)
    assert subscription.current_period_start <= NOW < subscription.current_period_end
    first = periods[0][0]
    assert first.date() >= account.created_on
    if spec.cycle == "annual":  # every yearly term since the account was created
        assert pricing.add_months(first, -12).date() < account.created_on
    else:  # the last year of renewals; the declined one is the year's 13th period
        assert len(periods) == MONTHLY_HISTORY + (name == DECLINED_RENEWAL)


def test_the_current_period_of_each_active_account_is_invoiced_at_its_start():
    for account in Account.objects.exclude(trial_ends_on__isnull=False).select_related("subscription"):
        start = account.subscription.current_period_start
        current = Invoice.objects.get(account=account, kind="invoice", period_start=start)
        assert current.issued_at == start
        expected = {"Online Assisted Ltd": "open", DECLINED_RENEWAL: "open"}.get(account.name, "paid")
        assert current.status == expected, account.name


def test_r8_5_past_due_chat_s_latest_renewal_is_the_declined_one_in_dunning():
    account = Account.objects.get(name=DECLINED_RENEWAL)
    latest = invoices_of(account).last()
    assert latest.status == "open" and latest.period_start == account.subscription.current_period_start
    case = DunningCase.objects.get(account=account)
    assert (case.invoice, case.status) == (latest, "open")
    attempts = PaymentAttempt.objects.filter(invoice=latest)
    assert attempts.count() == 3 and not attempts.filter(status="succeeded").exists()  # D, D+2, D+4
    assert not invoices_of(account).exclude(pk=latest.pk).exclude(status="paid").exists()


def test_r8_8_the_providers_ledger_and_the_demo_agree():
    out = StringIO()
    call_command("billing_reconcile", stdout=out)  # exit status 1 on any mismatch
    assert "No mismatch" in out.getvalue()
    charged = PaymentAttempt.objects.filter(operation="charge", status="succeeded")
    assert (
        charged.count()
        == Invoice.objects.filter(status="paid", account__subscription__payment_type="card").count()
    )


def test_r8_9_the_open_transfer_invoice_is_past_due(sign_in):
    (open_invoice,) = Invoice.objects.filter(account__subscription__payment_type="invoice", status="open")
    assert open_invoice.account.name == "Online Assisted Ltd" and open_invoice.total == 6_192_000
    assert open_invoice.due_at == open_invoice.issued_at + timedelta(days=30) < NOW
    due = "September 12, 2026"  # the current term began on August 13, 100 days before the demo's day
    assert f"{open_invoice.due_at:%B} {open_invoice.due_at.day}, {open_invoice.due_at.year}" == due
    client = sign_in("owner@assisted.test")
    history = text(client.get("/admin/account/billing/history/"))
    assert f"Invoice {open_invoice.number} issued for £61,920.00, due on {due}." in history
    pdf = client.get(f"/admin/account/billing/invoices/{open_invoice.pk}/pdf/").content
    assert f"Due on {due}" in " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_r7_6_acmes_export_has_one_payment_row_per_paid_invoice(sign_in, django_capture_on_commit_callbacks):
    client = sign_in("owner@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(EXPORT + "new/").status_code == 302
    export = DataExport.objects.latest("pk")
    response = client.get(f"{EXPORT}{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    payments = list(csv.DictReader(io.TextIOWrapper(archive.open("payments.csv"), "utf-8")))
    paid = Invoice.objects.filter(account__name="Acme Self-Service", status="paid")
    assert len(paid) == MONTHLY_HISTORY
    assert sorted(row["invoice__number"] for row in payments) == sorted(i.number for i in paid)
    assert {(row["operation"], row["status"]) for row in payments} == {("charge", "succeeded")}
    totals = {i.number: i.total for i in paid}
    assert all(int(row["amount"]) == totals[row["invoice__number"]] for row in payments)
