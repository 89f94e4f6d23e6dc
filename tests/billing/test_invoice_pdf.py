"""R8.9, R10.1: what an invoice's and a credit note's PDF say, in English and in French — read back from the
PDF itself with pypdf."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from accounts.models import Account, User
from billing.lifecycle.tick import billing_tick
from billing.models import ContractTerms, Invoice
from billing.money import format_money
from billing.pdf import invoice_pdf
from billing.services.contracts import early_termination, termination_preview
from billing.services.invoices import LineSpec, invoice_draft, invoice_finalize
from tests.helpers import NOW, pdf_text

pytestmark = pytest.mark.usefixtures("demo")
SEATS = LineSpec("Support Professional · agent seat", 6900, 12)
PROMOTION = LineSpec("Welcome 10%", -8280)
REVERSE_CHARGE = {
    "en": "Reverse charge: VAT to be accounted for by the customer (Article 196, Directive 2006/112/EC).",
    "fr": "Autoliquidation : TVA due par le preneur (article 196 de la directive 2006/112/CE).",
}
EXPORT = {
    "en": "VAT not applicable: services supplied outside the EU (Article 44, Directive 2006/112/EC).",
    "fr": "TVA non applicable : services fournis hors de l’UE (article 44 de la directive 2006/112/CE).",
}


def buyer(name="Acme Self-Service", **billing) -> Account:
    """Acme (USD, paid by card), with the billing details given."""
    account = Account.objects.get(name=name)
    Account.objects.filter(pk=account.pk).update(**billing)
    return Account.objects.get(pk=account.pk)


def issue(account, *lines, kind=Invoice.Kind.INVOICE, credits=None) -> Invoice:
    draft = invoice_draft(account=account, lines=list(lines) or [SEATS], now=NOW, kind=kind, credits=credits)
    return invoice_finalize(invoice=draft, now=NOW, notify=False)


def money(amount: int, currency: str, language: str) -> str:
    with translation.override(language):
        return format_money(amount, currency).replace("\u202f", " ").replace("\xa0", " ")


def test_r8_9_an_english_invoice_names_seller_and_buyer_with_countries_vat_numbers_and_lines():
    account = buyer(
        billing_name="Acme Europe GmbH",
        billing_address="Friedrichstraße 1\n10117 Berlin",
        billing_country="DE",
        vat_number="DE136695976",
        purchase_order="PO-2026-118",
    )
    invoice = issue(account, SEATS, PROMOTION)
    content = pdf_text(invoice_pdf(invoice))
    for expected in (
        f"Invoice {invoice.number}",
        "Admin Center Billing Ltd 1 Example Street Dublin D02 X285 Ireland VAT number: IE1234567T",
        "Billed to Acme Europe GmbH Friedrichstraße 1 10117 Berlin Germany VAT number: DE136695976",
        "Purchase order: PO-2026-118",
        "Issued on November 21, 2026",
        "Due on November 21, 2026",
        "Description Qty Unit price Amount",
        "Support Professional · agent seat 12 $69.00 $828.00",  # quantity × unit price = amount
        "Welcome 10% 1 -$82.80 -$82.80",
        "Subtotal $745.20",
        "VAT 0 % $0.00",  # reverse charge: the rate and the amount, at zero
        "Total (USD) $745.20",  # the currency's code beside the formatted amounts
        REVERSE_CHARGE["en"],
        "Paid by card, charged automatically: a receipt confirms the payment.",
    ):
        assert expected in content
    # The PDF never changes once issued: it cannot say whether the invoice is paid.
    assert "Paid on" not in content and " Open" not in content and "Overdue" not in content


def test_r8_9_each_line_says_the_period_it_covers_and_a_discount_its_basis():
    start, end = NOW, NOW + timedelta(days=30)
    lines = [SEATS, LineSpec("Welcome 10%", -8280, basis=82_800)]
    draft = invoice_draft(account=buyer(), lines=lines, now=NOW, period_start=start, period_end=end)
    content = pdf_text(invoice_pdf(invoice_finalize(invoice=draft, now=NOW, notify=False)))
    assert content.count("Nov 21, 2026 – Dec 21, 2026") == 3  # the invoice's period, then each line's
    assert "on $828.00" in content  # 10 % of the $828.00 subtotal


def test_r8_9_r10_1_a_french_invoice_with_vat_at_20_percent():
    account = buyer(
        billing_name="Acme France",
        billing_address="12 rue de la Paix\n75002 Paris",
        billing_country="FR",
        vat_number="",
        is_business=False,  # a consumer in another member state: the buyer's country's rate (R8.9)
        language="fr",
    )
    invoice = issue(account)
    assert (invoice.tax_category, invoice.tax_rate_bp, invoice.tax) == ("S", 2000, 16_560)
    content = pdf_text(invoice_pdf(invoice))
    for expected in (
        f"Facture {invoice.number}",
        "Admin Center Billing Ltd 1 Example Street Dublin D02 X285 Irlande Numéro de TVA : IE1234567T",
        "Facturé à Acme France 12 rue de la Paix 75002 Paris France",
        "Émise le 21 novembre 2026",
        f"Support Professional · agent seat 12 {money(6900, 'USD', 'fr')} {money(82_800, 'USD', 'fr')}",
        f"Sous-total {money(82_800, 'USD', 'fr')}",
        f"TVA 20 % {money(16_560, 'USD', 'fr')}",
        f"Total (USD) {money(99_360, 'USD', 'fr')}",
        "Payée par carte, prélevée automatiquement : un reçu confirme le paiement.",
    ):
        assert expected in content
    assert "Numéro de TVA : FR" not in content  # a consumer: no VAT number printed


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(
    ("billing", "mentions"),
    [
        ({"billing_country": "DE", "vat_number": "DE136695976"}, REVERSE_CHARGE),  # AE
        ({"billing_country": "US", "vat_number": ""}, EXPORT),  # G
    ],
    ids=["AE", "G"],
)
def test_r8_9_the_tax_mention_of_reverse_charge_and_export(language, billing, mentions):
    invoice = issue(buyer(language=language, is_business=True, **billing))
    content = pdf_text(invoice_pdf(invoice))
    assert mentions[language] in content
    other = EXPORT if mentions is REVERSE_CHARGE else REVERSE_CHARGE
    assert other[language] not in content
    assert ("VAT 0 %" if language == "en" else "TVA 0 %") in content


def test_r8_9_a_domestic_invoice_has_no_tax_mention():
    invoice = issue(buyer(billing_country="IE", vat_number=""))
    content = pdf_text(invoice_pdf(invoice))
    assert invoice.tax_category == "S" and "VAT 23 % $190.44" in content
    assert "Article 196" not in content and "Article 44" not in content


@pytest.mark.parametrize("language", ["en", "fr"])
def test_r8_9_a_transfer_invoice_gives_the_bank_details_and_the_reference(language):
    invoice = issue(buyer("Online Assisted Ltd", language=language))
    assert invoice.payment_type == "invoice"
    content = pdf_text(invoice_pdf(invoice))
    if language == "en":
        expected = [
            f"Please pay by bank transfer by December 21, 2026, quoting the reference {invoice.number}.",
            "Bank Allied Irish Banks",
            f"Reference {invoice.number}",
            "Total (GBP) £",
        ]
    else:
        expected = [
            "Merci de payer par virement bancaire au plus tard le 21 décembre 2026, "
            f"en indiquant la référence {invoice.number}.",
            "Banque Allied Irish Banks",
            f"Référence {invoice.number}",
            "Échéance 21 décembre 2026",
        ]
    for text in [*expected, "IBAN IE29 AIBK 9311 5212 3456 78", "BIC AIBKIE2D"]:
        assert text in content
    assert "card" not in content and "carte" not in content


def test_r8_9_a_french_credit_note_is_titled_as_such_and_says_what_it_credits():
    account = buyer("Legacy Suite SARL")
    credited = Invoice.objects.filter(account=account, kind="invoice").order_by("-sequence").first()
    credit = issue(
        account, LineSpec("Remboursement", 10_000), kind=Invoice.Kind.CREDIT_NOTE, credits=credited
    )
    content = pdf_text(invoice_pdf(credit))
    assert f"Avoir {credit.number}" in content and f"Avoir sur la facture {credited.number}" in content
    assert "Émis pour Legacy Suite SARL" in content and "Émise le 21 novembre 2026" in content
    assert "Facturé à" not in content and "Échéance" not in content and "virement" not in content


def test_r8_9_r7_3_the_early_termination_credit_note_lists_the_unused_part_and_the_fee():
    account = Account.objects.get(name="Acme Self-Service")
    with time_machine.travel(datetime(2026, 12, 11, tzinfo=UTC), tick=False):
        billing_tick()  # a renewal paid by card: the current term is prepaid
    paid = Invoice.objects.get(account=account, period_start=datetime(2026, 12, 11, tzinfo=UTC))
    ContractTerms.objects.filter(account=account).update(early_termination_fee=10_000)
    at = datetime(2026, 12, 26, 12, tzinfo=UTC)
    quote, signed = termination_preview(Account.objects.get(pk=account.pk), now=at)
    root = User.objects.get(email="root@staff.test")
    early_termination(account=Account.objects.get(pk=account.pk), by=root, signed=signed, now=at)
    credit = Invoice.objects.get(account=account, kind="credit_note")
    unused, fee = credit.lines.all()
    assert (unused.amount, fee.amount, credit.total) == (quote.refund + 10_000, -10_000, quote.refund)
    content = pdf_text(invoice_pdf(credit))
    for expected in (
        f"Credit note {credit.number}",
        f"Credits invoice {paid.number}",
        "Issued to Acme Self-Service",
        "Period Dec 26, 2026 – Jan 11, 2027",
        f"Refund of the unused part of {paid.number} Dec 26, 2026 – Jan 11, 2027 1 "
        f"{money(unused.amount, 'USD', 'en')}",
        "Early termination fee Dec 26, 2026 – Jan 11, 2027 1 -$100.00 -$100.00",
        f"Total (USD) {money(quote.refund, 'USD', 'en')}",
    ):
        assert expected in content
    assert "Billed to" not in content and "Due on" not in content and "Paid by card" not in content


def test_r8_9_a_long_line_description_wraps_in_its_column_and_keeps_its_figures():
    description = "Support Suite Professional · agent seat, with a description long enough to wrap twice " * 2
    invoice = issue(buyer(), LineSpec(description.strip(), 6900, 3))
    content = pdf_text(invoice_pdf(invoice))
    assert "3 $69.00 $207.00" in content and "Total (USD) $207.00" in content


def test_r8_9_the_due_date_of_a_transfer_invoice_is_30_days_after_its_issue():
    invoice = issue(buyer("Online Assisted Ltd"))
    assert invoice.due_at == NOW + timedelta(days=30)
    assert "Due on December 21, 2026" in pdf_text(invoice_pdf(invoice))
