"""R8.1, R8.2: invoices — numbering, buyer snapshot, immutability, PDF, email, who may see them."""

import io
import re
from datetime import timedelta
from html import escape, unescape

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django_tasks import default_task_backend
from pypdf import PdfReader

from accounts.models import Account
from billing.models import EmailLog, Invoice, InvoiceLine
from billing.money import format_day
from billing.services.invoices import LineSpec, invoice_close, invoice_draft, invoice_finalize
from tests.helpers import NOW, demo_member, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
INVOICES = "/admin/account/billing/invoices/"


def acme() -> Account:
    return Account.objects.get(name="Acme Self-Service")


def issue(account, *lines, notify=False) -> Invoice:
    draft = invoice_draft(account=account, lines=list(lines) or [LineSpec("Seats", 12_345)], now=NOW)
    return invoice_finalize(invoice=draft, now=NOW, notify=notify)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)).replace("\u202f", " ")


# --- Finalizing --------------------------------------------------------------------------------------


def test_r8_2_finalizing_numbers_snapshots_and_totals_with_tax():
    account = acme()
    Account.objects.filter(pk=account.pk).update(billing_country="IE")  # the seller's: Irish VAT, 23 %
    invoice = issue(
        Account.objects.get(pk=account.pk), LineSpec("Support", 6900, 3), LineSpec("Promo", -2070)
    )
    assert invoice.number == f"INV-{account.pk:04d}-00013"  # after the demo's twelve (a year, monthly)
    assert (invoice.subtotal, invoice.tax, invoice.total) == (18_630, 4285, 22_915)  # 4,284.9 rounded
    assert (invoice.tax_rate_bp, invoice.tax_category) == (2300, "S")
    assert invoice.buyer_name == "Acme Self-Service" and "San Francisco" in invoice.buyer_address
    assert invoice.status == Invoice.Status.OPEN and invoice.issued_at == NOW and invoice.due_at == NOW
    assert new_events().get().kind == "invoice_issued"


def test_invoices_paid_by_invoice_are_due_in_30_days():
    invoice = issue(Account.objects.get(name="Online Assisted Ltd"))
    assert invoice.due_at == NOW + timedelta(days=30)


def test_an_invoice_is_finalized_once():
    invoice = issue(acme())
    with pytest.raises(Exception, match="already finalized"):
        invoice_finalize(invoice=invoice, now=NOW)


def test_numbers_have_no_gaps_per_account_series():
    first, second = issue(acme()), issue(acme())
    other = issue(Account.objects.get(name="SPP Corp"))  # its own series: after its own twelve
    assert (first.sequence, second.sequence, other.sequence) == (13, 14, 13)


def test_r8_2_a_billing_address_change_affects_future_invoices_only(sign_in):
    issued = issue(acme())
    client = sign_in("owner@acme.test")
    response = client.post(
        INVOICES + "billing-address/",
        {
            "billing_name": "Acme Europe BV",
            "billing_address": "Herengracht 1, Amsterdam",
            "billing_country": "NL",
            "vat_number": "nl 0044.95445 B01",
            "is_business": "True",
        },
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.buyer_name == "Acme Self-Service" and "San Francisco" in issued.buyer_address
    later = issue(acme())
    assert (later.buyer_name, later.buyer_address, later.buyer_vat_number) == (
        "Acme Europe BV",
        "Herengracht 1, Amsterdam",
        "NL004495445B01",  # stored compact
    )
    assert later.tax_category == "AE" and later.tax == 0  # R8.9: reverse charge
    assert new_events().filter(kind="billing_address_changed").count() == 1


@pytest.mark.parametrize(
    "name",
    [
        "csrf-token-placeholder-rendered-for-the-page-cache",  # the placeholder of the retired page cache
        "NOTPROVIDED",
        "{{ csrf_token }}",
        "{% csrf_token %}",
    ],
)
def test_a_billing_name_that_looks_like_a_placeholder_is_shown_and_saved_as_typed(sign_in, name):
    """A regression test: the page cache once replaced its CSRF placeholder anywhere in a kept page, so a
    billing name equal to it was shown as the viewer's CSRF token and saved back as such."""
    client = sign_in("owner@acme.test")
    fields = {
        "billing_name": name,
        "billing_address": "1 Market Street",
        "billing_country": "US",
        "vat_number": "",
        "is_business": "True",
    }
    assert client.post(INVOICES + "billing-address/", fields).status_code == 302
    page = client.get(INVOICES).content.decode()
    form_value = re.search(r'name="billing_name"[^>]*value="([^"]*)"', page).group(1)
    assert form_value == escape(name)
    assert (
        client.post(
            INVOICES + "billing-address/", {**fields, "billing_name": unescape(form_value)}
        ).status_code
        == 302
    )
    assert acme().billing_name == name


# --- Immutability, enforced by the database ----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"total": 1, "subtotal": 1},
        {"buyer_address": "Somewhere else"},
        {"number": "INV-HACKED"},
        {"status": "draft"},
        {"issued_at": NOW + timedelta(days=1)},
    ],
)
def test_r8_2_a_finalized_invoice_cannot_be_changed_even_by_a_bulk_update(change):
    invoice = issue(acme())
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**change)
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.total, fresh.buyer_address, fresh.number, fresh.status) == (
        invoice.total,
        invoice.buyer_address,
        invoice.number,
        "open",
    )


def test_r8_2_lines_of_a_finalized_invoice_are_frozen():
    invoice = issue(acme())
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.create(invoice=invoice, description="More", unit_amount=1, amount=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        invoice.lines.update(unit_amount=1, amount=1)
    assert invoice.lines.get().amount == 12_345


def test_the_payment_state_of_a_finalized_invoice_can_change():
    invoice = issue(acme())
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", paid_at=NOW)
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


def test_r8_2_the_staff_console_cannot_edit_an_invoice(sign_in):
    invoice = issue(acme())
    url = f"/staff/billing/invoice/{invoice.pk}/change/"
    root = sign_in("root@staff.test")
    assert root.get(url).status_code == 200  # shown, read-only
    response = root.post(url, {"buyer_name": "Edited", "total": 1})
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.buyer_name == "Acme Self-Service"


# --- PDF, email ------------------------------------------------------------------------------------


def test_r8_1_the_pdf_is_a_real_invoice_with_the_right_totals(sign_in):
    number = Invoice.objects.filter(account=acme()).order_by("sequence").first().number
    invoice = Invoice.objects.get(number=number)
    response = sign_in("owner@acme.test").get(f"{INVOICES}{invoice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{number}.pdf"' in response["Content-Disposition"]
    content = pdf_text(response.content)
    period = f"{format_day(invoice.period_start)} – {format_day(invoice.period_end)}"
    for expected in (
        f"Invoice {number}",
        "Billed to",
        "Acme Self-Service",
        f"Support Professional · agent seat {period} 12 $69.00 $828.00",  # quantity × unit price, period
        f"Welcome 10% {period} · on $1,223.00",  # R8.9: a discount's basis
        "-$122.30",
        "Subtotal $1,100.70",
        "Total (USD) $1,100.70",  # R8.9: the currency's code too
        "Paid by card, charged automatically",  # how, never whether: the PDF does not change once issued
    ):
        assert expected in content
    assert "Paid on" not in content


def test_r10_1_the_pdf_of_a_french_account_is_in_french(sign_in):
    invoice = Invoice.objects.filter(account__name="Legacy Suite SARL").first()
    content = pdf_text(sign_in("owner@legacy-suite.test").get(f"{INVOICES}{invoice.pk}/pdf/").content)
    assert f"Facture {invoice.number}" in content and "Total (EUR) 11 424,00 €" in content
    assert "Payée par carte" in content


def test_invoices_are_emailed_with_the_pdf_to_the_owner_and_billing_contacts(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(acme(), notify=True)
    (email,) = mail.outbox
    assert set(email.to) == {"owner@acme.test", "accounting@acme.test"}
    assert email.subject == f"Invoice {invoice.number}"
    ((name, content, mimetype),) = email.attachments
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf") and content.startswith(b"%PDF")


def test_r8_3_the_invoice_email_is_written_with_the_invoice_and_sent_by_the_worker_with_its_pdf(
    settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        invoice = issue(acme(), notify=True)
    assert mail.outbox == []  # queued for the worker, not sent here
    (build, queued) = default_task_backend.results  # R8.9: its PDF is built first, then the email sent
    assert build.task.name == "build_document" and build.args == [invoice.pk]
    written = EmailLog.objects.get(key=f"invoice-{invoice.number}-issued")
    assert queued.task.name == "send_email" and queued.args == [written.pk]
    assert written.invoice_id == invoice.pk and written.sent_at is None  # the outbox row, committed with it
    queued.task.call(*queued.args)  # what the worker does
    (email,) = mail.outbox
    assert email.attachments[0][0] == f"{invoice.number}.pdf"
    assert email.extra_headers["Message-ID"] == f"<invoice-{invoice.number}-issued@127.0.0.1>"
    written.refresh_from_db()
    assert written.sent_at is not None and written.attempts == 1


# --- Who sees invoices (R8.1) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("owner@acme.test", 200),
        ("billing@acme.test", 200),  # self-service billing admins manage invoices
        ("admin@acme.test", 403),
        ("agent@acme.test", 403),
        ("owner@assisted.test", 200),
        ("billing@assisted.test", 403),  # online-assisted billing admins do not
        ("owner@managed.test", 200),
    ],
)
def test_r8_1_who_sees_invoices(sign_in, email, status):
    response = sign_in(email).get(INVOICES)
    assert response.status_code == status
    if status == 403 and "agent" not in email:
        assert "Ask the account owner for a copy" in text(response)


def test_r8_1_the_list_shows_date_number_period_amount_status(sign_in):
    page = text(sign_in("owner@acme.test").get(INVOICES))
    number = Invoice.objects.filter(account=acme()).order_by("-sequence").first().number
    assert number in page and "$1,100.70" in page and "Paid" in page and "Download PDF" in page


@pytest.mark.parametrize("who", ["other-account", "draft", "garbage"])
def test_another_accounts_invoice_or_a_draft_is_a_404(sign_in, who):
    if who == "other-account":
        target = Invoice.objects.filter(account__name="Legacy Suite SARL").first().pk
    elif who == "draft":
        target = invoice_draft(account=acme(), lines=[LineSpec("x", 1)], now=NOW).pk
    else:
        target = 10**12
    assert sign_in("owner@acme.test").get(f"{INVOICES}{target}/pdf/").status_code == 404


@pytest.mark.parametrize("email", ["admin@acme.test", "billing@assisted.test", "agent@acme.test"])
def test_r8_2_the_billing_address_form_is_refused_to_others(sign_in, email):
    account = demo_member(email).account
    before = account.billing_address
    response = sign_in(email).post(
        INVOICES + "billing-address/", {"billing_name": "X", "billing_address": "Y"}
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.billing_address == before


# --- The state machine: draft → open → paid | void | uncollectible ------------------------------------


@pytest.mark.parametrize(("action", "status"), [("void", "void"), ("mark_uncollectible", "uncollectible")])
def test_support_staff_void_or_write_off_an_open_invoice_once(sign_in, action, status):
    invoice = issue(acme())
    staff = sign_in("support@staff.test")
    url = "/staff/billing/invoice/"
    staff.post(url, {"action": action, "_selected_action": [invoice.pk]})
    invoice.refresh_from_db()
    assert invoice.status == status
    again = staff.post(url, {"action": "void", "_selected_action": [invoice.pk]}, follow=True)
    assert "cannot become void" in text(again)
    assert new_events().filter(kind="invoice_closed").count() == 1


def test_a_paid_invoice_cannot_be_voided():
    paid = Invoice.objects.filter(account=acme(), status="paid").first()
    with pytest.raises(Exception, match="cannot become void"):
        invoice_close(invoice=paid, status="void", by=None, now=NOW)


def test_r10_1_the_invoices_page_in_french(sign_in):
    page = text(sign_in("owner@legacy-suite.test").get(INVOICES))
    for label in (
        "Factures",
        "Numéro",
        "Montant",
        "Payée",
        "Télécharger le PDF",
        "Informations de facturation",
    ):
        assert label in page
