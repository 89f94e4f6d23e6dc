"""The invoice as UN/CEFACT Cross Industry Invoice XML at Factur-X's EN 16931 profile (issue 21), from its
snapshot only (R8.9): what it says today is what it said when it was issued.

Elements are written in the order the Factur-X XSD requires (a sequence: any other order is invalid);
`figures` says which EN 16931 business term each value is. Free texts (names, addresses, descriptions)
are written as they are: lxml escapes them, and drops nothing but characters XML 1.0 cannot carry."""

import re
from datetime import date

from lxml import etree

from billing.facturx.figures import (
    BANK_CARD,
    COMMERCIAL_INVOICE,
    CREDIT_NOTE,
    SEPA_TRANSFER,
    Allowance,
    Line,
    Tax,
    Totals,
    day,
    decimal_amount,
    percent,
    split,
    tax_of,
    totals_of,
)
from billing.models import Invoice, InvoiceLine, Subscription

PROFILE = "urn:cen.eu:en16931:2017"  # BT-24: Factur-X's EN 16931 (formerly "Comfort") profile
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
UNIT = "C62"  # UN/ECE Recommendation 20: "one" — a seat, an account
ADDRESS_LINES = 3  # CII's LineOne to LineThree: further lines join the third
# XML 1.0 cannot carry control characters (but tab and newlines): a name pasted with one must not make
# the invoice unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def invoice_xml(invoice: Invoice, invoice_lines: list[InvoiceLine] | None = None) -> bytes:
    """The invoice's CII XML, UTF-8. The same invoice always gives the same bytes."""
    if invoice_lines is None:
        invoice_lines = list(invoice.lines.all())
    lines, allowances = split(invoice_lines)
    tax = tax_of(invoice)
    root = etree.Element(_q("rsm:CrossIndustryInvoice"), nsmap=NS)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE)
    _document(root, invoice)
    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    for line in lines:
        _line(transaction, line, tax, invoice.currency)
    _agreement(transaction, invoice)
    _sub(transaction, "ram:ApplicableHeaderTradeDelivery")  # required, empty: a service, no delivery
    _settlement(transaction, invoice, tax, allowances, totals_of(invoice, lines, allowances))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _sub(parent, name: str, text: str | None = None, **attributes) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attributes)
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _amount(parent, name: str, minor: int, currency: str, *, with_currency: bool = False):
    attributes = {"currencyID": currency} if with_currency else {}
    return _sub(parent, name, str(decimal_amount(minor, currency)), **attributes)


def _date(parent, name: str, value: date, data_type: str = "udt") -> None:
    _sub(_sub(parent, name), f"{data_type}:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _document(root, invoice: Invoice) -> None:
    """BT-1 number, BT-3 type (380 invoice, 381 credit note), BT-2 issue date."""
    document = _sub(root, "rsm:ExchangedDocument")
    _sub(document, "ram:ID", invoice.number)
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    _sub(document, "ram:TypeCode", CREDIT_NOTE if credit_note else COMMERCIAL_INVOICE)
    _date(document, "ram:IssueDateTime", day(invoice.issued_at))


def _line(transaction, line: Line, tax: Tax, currency: str) -> None:
    """BG-25: quantity × net price = net amount (BR-LIN), its VAT category and rate, the period it covers."""
    item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line.number))
    _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.name)
    price = _sub(_sub(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
    _amount(price, "ram:ChargeAmount", line.unit_price, currency)
    delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
    _sub(delivery, "ram:BilledQuantity", str(line.quantity), unitCode=UNIT)
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    _category(settlement, tax)
    _period(settlement, line.start, line.end)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _amount(summation, "ram:LineTotalAmount", line.net, currency)


def _category(parent, tax: Tax, tag: str = "ram:ApplicableTradeTax") -> None:
    """The VAT category and rate of a line or an allowance (BT-151/152, BT-95/96)."""
    trade_tax = _sub(parent, tag)
    _sub(trade_tax, "ram:TypeCode", "VAT")
    _sub(trade_tax, "ram:CategoryCode", tax.category)
    _sub(trade_tax, "ram:RateApplicablePercent", str(percent(tax.rate_bp)))


def _period(parent, start: date | None, end: date | None) -> None:
    if start is None or end is None:
        return
    period = _sub(parent, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", start)
    _date(period, "ram:EndDateTime", max(start, end))  # BR-29/BR-30: never before it starts


def _agreement(transaction, invoice: Invoice) -> None:
    """BG-4 seller, BG-7 buyer, BT-13 the buyer's purchase order."""
    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    # The buyer's country: unknown, the invoice was taxed as domestic (billing/tax.py), and EN 16931
    # requires one (BR-11).
    buyer_country = invoice.buyer_country or invoice.seller_country
    _party(
        agreement, "ram:SellerTradeParty", invoice.seller_name, invoice.seller_address,
        invoice.seller_country, invoice.seller_vat_number,
    )  # fmt: skip
    _party(
        agreement, "ram:BuyerTradeParty", invoice.buyer_name, invoice.buyer_address, buyer_country,
        invoice.buyer_vat_number,
    )  # fmt: skip
    if invoice.purchase_order:
        _sub(
            _sub(agreement, "ram:BuyerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            invoice.purchase_order,
        )


def _party(agreement, name: str, party_name: str, address: str, country: str, vat_number: str) -> None:
    party = _sub(agreement, name)
    _sub(party, "ram:Name", party_name)
    postal = _sub(party, "ram:PostalTradeAddress")
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    if len(lines) > ADDRESS_LINES:
        lines[ADDRESS_LINES - 1 :] = [", ".join(lines[ADDRESS_LINES - 1 :])]
    for tag, text in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
        _sub(postal, tag, text)
    _sub(postal, "ram:CountryID", country)
    if vat_number:
        _sub(_sub(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_number, schemeID="VA")


def _settlement(transaction, invoice: Invoice, tax: Tax, allowances: list[Allowance], totals: Totals) -> None:
    currency = invoice.currency
    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    transfer = invoice.payment_type == Subscription.PaymentType.INVOICE
    credit_note = invoice.kind == Invoice.Kind.CREDIT_NOTE
    if transfer and not credit_note:
        _sub(settlement, "ram:PaymentReference", invoice.number)  # BT-83: the PDF's "Reference"
    _sub(settlement, "ram:InvoiceCurrencyCode", currency)  # BT-5
    _payment_means(settlement, invoice, transfer=transfer, credit_note=credit_note)
    _breakdown(settlement, tax, totals, currency)
    _period(settlement, day(invoice.period_start), day(invoice.period_end))  # BG-14
    for allowance in allowances:
        _allowance(settlement, allowance, tax, currency)
    if invoice.due_at:  # BT-9 (BR-CO-25: an amount due needs a due date or payment terms)
        _date(_sub(settlement, "ram:SpecifiedTradePaymentTerms"), "ram:DueDateDateTime", day(invoice.due_at))
    _totals(settlement, totals, currency)
    if credit_note and invoice.credits_id:  # BT-25, BT-26: the invoice it credits
        credited = invoice.credits
        reference = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", credited.number)
        _date(reference, "ram:FormattedIssueDateTime", day(credited.issued_at), "qdt")


def _payment_means(settlement, invoice: Invoice, *, transfer: bool, credit_note: bool) -> None:
    """BG-16: an invoice paid by transfer, SEPA credit transfer (58) to the seller's IBAN and BIC (BR-61);
    one paid by card, bank card (48). A credit note paid by transfer carries none: the refund goes to the
    buyer's account, which the invoice does not know."""
    if transfer and (credit_note or not invoice.seller_iban):
        return
    if not transfer and invoice.payment_type != Subscription.PaymentType.CARD:
        return  # no payment type recorded (a manual invoice): nothing to say
    means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _sub(means, "ram:TypeCode", SEPA_TRANSFER if transfer else BANK_CARD)
    if transfer:
        _sub(_sub(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", invoice.seller_iban)
        if invoice.seller_bic:
            institution = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, "ram:BICID", invoice.seller_bic)


def _breakdown(settlement, tax: Tax, totals: Totals, currency: str) -> None:
    """BG-23, one category (an invoice has one VAT decision): BT-117 tax on BT-116 basis at BT-119."""
    trade_tax = _sub(settlement, "ram:ApplicableTradeTax")
    _amount(trade_tax, "ram:CalculatedAmount", totals.tax, currency)
    _sub(trade_tax, "ram:TypeCode", "VAT")
    if tax.exemption_reason:
        _sub(trade_tax, "ram:ExemptionReason", tax.exemption_reason)
    _amount(trade_tax, "ram:BasisAmount", totals.tax_basis, currency)
    _sub(trade_tax, "ram:CategoryCode", tax.category)
    if tax.exemption_code:
        _sub(trade_tax, "ram:ExemptionReasonCode", tax.exemption_code)
    _sub(trade_tax, "ram:RateApplicablePercent", str(percent(tax.rate_bp)))


def _allowance(settlement, allowance: Allowance, tax: Tax, currency: str) -> None:
    """BG-20: a discount on the whole invoice, at the invoice's VAT category and rate."""
    element = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
    _sub(_sub(element, "ram:ChargeIndicator"), "udt:Indicator", "false")
    if allowance.basis is not None:
        _amount(element, "ram:BasisAmount", allowance.basis, currency)
    _amount(element, "ram:ActualAmount", allowance.amount, currency)
    _sub(element, "ram:Reason", allowance.reason)
    _category(element, tax, "ram:CategoryTradeTax")


def _totals(settlement, totals: Totals, currency: str) -> None:
    """BG-22. The charge total is left out: our invoices have no document-level charges."""
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _amount(summation, "ram:LineTotalAmount", totals.lines, currency)
    if totals.allowances:
        _amount(summation, "ram:AllowanceTotalAmount", totals.allowances, currency)
    _amount(summation, "ram:TaxBasisTotalAmount", totals.tax_basis, currency)
    _amount(summation, "ram:TaxTotalAmount", totals.tax, currency, with_currency=True)
    _amount(summation, "ram:GrandTotalAmount", totals.grand, currency)
    _amount(summation, "ram:DuePayableAmount", totals.due, currency)
