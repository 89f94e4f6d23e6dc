"""R8.9 in France: an issued invoice is never voided; a credit note for its whole amount cancels it. The
invoice stays issued, its snapshot untouched (the immutability trigger of 0002 allows the payment state
only), and reads "Cancelled by credit note …"."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, User
from billing.models import DunningCase, EmailLog, Invoice
from billing.services.credit_notes import invoice_cancel_with_credit_note
from billing.services.invoices import LineSpec, invoice_close, invoice_draft, invoice_finalize
from tests.helpers import NOW, new_events, text

pytestmark = pytest.mark.usefixtures("demo")
STAFF_INVOICES = "/staff/billing/invoice/"
FRENCH = "Legacy Suite SARL"


def issue(name: str, *lines: LineSpec) -> Invoice:
    account = Account.objects.get(name=name)
    draft = invoice_draft(account=account, lines=list(lines) or [LineSpec("Seats", 12_345, 2)], now=NOW)
    return invoice_finalize(invoice=draft, now=NOW, notify=False)


def test_r8_9_staff_cannot_void_an_invoice_billed_in_france(sign_in):
    invoice = issue(FRENCH)
    response = sign_in("support@staff.test").post(
        STAFF_INVOICES, {"action": "void", "_selected_action": [invoice.pk]}, follow=True
    )
    page = text(response)
    assert "An invoice billed in France is never voided" in page and "Cancel with a credit note" in page
    invoice.refresh_from_db()
    assert invoice.status == "open" and invoice.voided_at is None
    assert not new_events().filter(kind="invoice_closed").exists()


def test_r8_9_the_rule_is_the_services_whoever_calls_it():
    invoice = issue(FRENCH)
    with pytest.raises(ValidationError, match="never voided"):
        invoice_close(invoice=invoice, status="void", by=None, now=NOW)
    # Billed in France when issued is enough, wherever the account is billed now (and the other way round).
    Account.objects.filter(name=FRENCH).update(billing_country="BE")
    with pytest.raises(ValidationError, match="never voided"):
        invoice_close(invoice=Invoice.objects.get(pk=invoice.pk), status="void", by=None, now=NOW)
    elsewhere = issue("Acme Self-Service")
    Account.objects.filter(name="Acme Self-Service").update(billing_country="FR")
    with pytest.raises(ValidationError, match="never voided"):
        invoice_close(invoice=elsewhere, status="void", by=None, now=NOW)


def test_r8_9_a_french_invoice_can_still_be_written_off():
    invoice = invoice_close(invoice=issue(FRENCH), status="uncollectible", by=None, now=NOW)
    assert invoice.status == "uncollectible"


def test_r8_9_cancel_with_a_credit_note_mirrors_the_invoice_and_credits_it(sign_in):
    invoice = issue(
        FRENCH,
        LineSpec("Support Suite Professional · agent seat", 14_900, 8),
        LineSpec("Welcome 10%", -11_920, basis=119_200),
    )
    frozen = Invoice.objects.filter(pk=invoice.pk).values().get()
    staff = sign_in("support@staff.test")
    response = staff.post(
        STAFF_INVOICES, {"action": "cancel_with_credit_note", "_selected_action": [invoice.pk]}, follow=True
    )
    credit = Invoice.objects.get(credits=invoice)
    assert f"{invoice.number}: cancelled by credit note {credit.number}." in text(response)
    assert credit.kind == "credit_note" and credit.number.startswith("CN-") and credit.status == "open"
    mirrored = ["description", "quantity", "unit_amount", "amount", "period_start", "period_end", "basis"]
    assert list(credit.lines.values_list(*mirrored)) == list(invoice.lines.values_list(*mirrored))
    assert (credit.subtotal, credit.tax_rate_bp, credit.tax, credit.total, credit.currency) == (
        invoice.subtotal,
        invoice.tax_rate_bp,
        invoice.tax,
        invoice.total,
        "EUR",
    )
    after = Invoice.objects.filter(pk=invoice.pk).values().get()
    assert after.pop("status") == "credited" and frozen.pop("status") == "open"
    assert after == frozen  # number, totals, snapshot, dates: as issued (and paid_at, voided_at: none)
    event = new_events().get(kind="invoice_closed")
    assert event.after == {"status": "credited", "invoice": invoice.number, "credit_note": credit.number}
    assert event.actor_label == "support@staff.test"
    assert EmailLog.objects.filter(key=f"invoice-{credit.number}-issued").exists()  # sent like any document
    page = text(sign_in("owner@legacy-suite.test").get("/admin/account/billing/invoices/"))
    assert f"Annulée par l’avoir {credit.number}" in page
    history = text(sign_in("owner@legacy-suite.test").get("/admin/account/billing/history/"))
    assert f"La facture {invoice.number} a été annulée par l’avoir {credit.number}." in history


def test_r8_9_the_credit_note_takes_the_invoices_vat_even_if_the_buyer_changed_since():
    Account.objects.filter(name=FRENCH).update(vat_number="", is_business=False)  # a consumer: French VAT
    invoice = issue(FRENCH)
    assert (invoice.tax_rate_bp, invoice.tax_category, invoice.tax) == (2000, "S", 4938)
    Account.objects.filter(name=FRENCH).update(billing_country="US")  # moved: today, no VAT
    root = User.objects.get(email="root@staff.test")
    credit = invoice_cancel_with_credit_note(invoice=invoice, by=root, now=NOW)
    assert (credit.tax_rate_bp, credit.tax_category, credit.tax, credit.total) == (2000, "S", 4938, 29_628)


@pytest.mark.parametrize("status", ["paid", "void", "credited"])
def test_r8_9_only_an_owed_invoice_is_cancelled_with_a_credit_note(status):
    invoice = issue("Acme Self-Service")
    Invoice.objects.filter(pk=invoice.pk).update(status=status)
    root = User.objects.get(email="root@staff.test")
    with pytest.raises(ValidationError, match="only an open or uncollectible invoice"):
        invoice_cancel_with_credit_note(invoice=invoice, by=root, now=NOW)
    assert not Invoice.objects.filter(credits=invoice).exists()


def test_r8_9_a_credit_note_is_not_cancelled_with_a_credit_note():
    invoice = issue(FRENCH)
    root = User.objects.get(email="root@staff.test")
    credit = invoice_cancel_with_credit_note(invoice=invoice, by=root, now=NOW)
    with pytest.raises(ValidationError, match="not a credit note"):
        invoice_cancel_with_credit_note(invoice=credit, by=root, now=NOW)


def test_r8_9_cancelling_needs_the_close_permission():
    user = User.objects.create_user("newcomer@staff.test", "x", is_staff=True)
    with pytest.raises(Exception, match="permission to void invoices"):
        invoice_cancel_with_credit_note(invoice=issue(FRENCH), by=user, now=NOW)


def test_r8_7_r8_9_a_credit_note_for_the_invoice_being_chased_recovers_the_account_in_words_of_a_credit():
    """Past Due Chat's declined renewal is cancelled by a credit note: nothing is owed, so the dunning case
    recovers at once, and the email says so — not "Payment received"."""
    case = DunningCase.objects.select_related("invoice").get(account__name="Past Due Chat")
    root = User.objects.get(email="root@staff.test")
    invoice_cancel_with_credit_note(invoice=case.invoice, by=root, now=NOW)
    case.refresh_from_db()
    assert case.status == DunningCase.Status.RECOVERED
    email = EmailLog.objects.get(key=f"recovered-{case.pk}")
    assert email.subject == "Nothing is owed: your account is active"
    assert f"Invoice {case.invoice.number} was cancelled by a credit note: nothing is owed." in email.body
